from datetime import date


class IsoDateConverter:
    """A day as YYYY-MM-DD; an impossible day (2021-02-30) matches nothing, so it is a 404."""

    regex = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"

    def to_python(self, value):
        return date.fromisoformat(value)

    def to_url(self, value):
        return value.isoformat() if isinstance(value, date) else str(value)

from django import template
from django.template.defaultfilters import pluralize

register = template.Library()


@register.filter
def in_words(duration):
    """A timedelta as a reader says it: "about 15 minutes", "about 1 hour", "about 2 hours".

    Rounded to the nearest minute, or hour from an hour on (Django's timeuntil
    rounds down and prints exact minutes, "1 hour, 29 minutes")."""
    minutes = round(duration.total_seconds() / 60)
    if minutes < 60:
        count, unit = max(minutes, 1), "minute"
    else:
        count, unit = round(minutes / 60), "hour"
    return f"about {count} {unit}{pluralize(count)}"

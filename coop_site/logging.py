"""Log records as one JSON object a line, for a log collector reading stdout."""

import json
import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime

# gunicorn's access log: each record's arguments are its "atoms"; these become fields.
ACCESS_FIELDS = {
    "remote": "h", "forwarded_for": "{x-forwarded-for}i", "method": "m", "path": "U", "query": "q",
    "status": "s", "bytes": "B", "duration_ms": "M", "user_agent": "a",
}


class JsonFormatter(logging.Formatter):
    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            entry.update(method=request.method, path=request.path)
        if getattr(record, "status_code", None):
            entry["status"] = record.status_code
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            entry.update({field: record.args[atom] for field, atom in ACCESS_FIELDS.items()})
            entry["status"] = int(entry["status"]) if str(entry["status"]).isdigit() else entry["status"]
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def stdout_logging(*, level="INFO", loggers=None):
    """A logging configuration (dictConfig) for the site and for gunicorn: every
    record to stdout as one JSON object a line (DJANGO_LOG_FORMAT=text for plain lines)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "coop_site.logging.JsonFormatter"},
            "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": os.environ.get("DJANGO_LOG_FORMAT", "json"),
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": loggers or {},
    }

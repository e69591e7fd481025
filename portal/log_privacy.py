"""Keep client data out of logs.

SQLAlchemy is told to hide bound parameters (``hide_parameters``), but PostgreSQL itself repeats the
offending values in its error text ("DETAIL: Failing row contains (…)", "Key (col)=(…)"), and Flask
logs an unhandled exception with that text. This filter rewrites such details before any handler
formats the record.
"""
from __future__ import annotations

import logging
import re
import traceback

_DETAIL = re.compile(r"(DETAIL:\s*)(Failing row contains|Key)\b.*?(?=\n|$)")


def redact(text: str) -> str:
    return _DETAIL.sub(lambda m: f"{m.group(1)}{m.group(2)} … [values redacted]", text)


class RedactDatabaseDetails(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            # Formatters use exc_text when it is set, so the raw exception text is never printed.
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        if isinstance(record.msg, str) and "DETAIL:" in record.msg:
            record.msg = redact(record.msg)
        return True


def install(app) -> None:
    """On the app's logger and on every handler of the root logger (which the domain loggers and
    gunicorn's propagate to)."""
    redactor = RedactDatabaseDetails()
    app.logger.addFilter(redactor)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactDatabaseDetails) for f in handler.filters):
            handler.addFilter(redactor)

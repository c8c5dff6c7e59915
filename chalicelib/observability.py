"""Logger, Metrics and Tracer, shared by every handler (one module, as Powertools suggests).

Constructing these objects does no I/O. The tracer is off unless ``TRACING_ENABLED`` is true (it
then needs the X-Ray daemon Lambda provides); metrics are written as CloudWatch EMF lines on
stdout when flushed at the end of an invocation.
"""

from __future__ import annotations

import os
import re
import time
import traceback
import uuid
from types import TracebackType
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

SERVICE_NAME = "ptx-cm"

# PostgreSQL error fields that never carry a value (pg8000 passes the server's error fields as a
# dict): SQLSTATE, schema, table, column, constraint. The message ("M") and detail ("D") do carry
# values ("Key (email)=(someone@example.com) already exists", "Failing row contains (...)").
_SAFE_DATABASE_FIELDS = {"C": "sqlstate", "s": "schema", "t": "table", "c": "column", "n": "constraint"}


def database_error_fields(error: BaseException) -> dict[str, str] | None:
    """The value-free fields of a database error (SQLAlchemy's or the driver's), or None."""
    orig = getattr(error, "orig", error)
    args = getattr(orig, "args", ())
    if not (args and isinstance(args[0], dict) and "C" in args[0]):
        return None
    return {name: str(args[0][key]) for key, name in _SAFE_DATABASE_FIELDS.items() if key in args[0]}


def _chain(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return chain


def _involves_database(error: BaseException) -> bool:
    return any(database_error_fields(item) is not None for item in _chain(error))


def safe_exception_text(exc_info: tuple[type[BaseException], BaseException, TracebackType | None]) -> str:
    """A traceback in which database errors show their class, SQLSTATE and constraint only.

    Their messages are left out: they quote the failing row or key (emails, names, phones,
    password hashes). Bound parameters never reach a message (``hide_parameters=True``).
    """
    _, error, _ = exc_info
    chain = _chain(error)
    if not any(database_error_fields(item) is not None for item in chain):
        return "".join(traceback.format_exception(*exc_info))
    parts: list[str] = []
    for item in reversed(chain):
        parts.append("Traceback (most recent call last):\n" + "".join(traceback.format_tb(item.__traceback__)))
        fields = database_error_fields(item)
        shown = " ".join(f"{k}={v}" for k, v in fields.items()) if fields is not None else str(item)
        parts.append(f"{type(item).__module__}.{type(item).__qualname__}: {shown}\n")
    return "".join(parts)


class SafeFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter, with database error messages kept out of tracebacks."""

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging.Formatter's name
        return safe_exception_text(ei)

    def _serialize_stacktrace(self, log_record: Any) -> Any:
        serialized = super()._serialize_stacktrace(log_record)
        error = log_record.exc_info[1] if isinstance(log_record.exc_info, tuple) else None
        if serialized is not None and isinstance(error, BaseException) and _involves_database(error):
            serialized["value"] = " ".join(f"{k}={v}" for k, v in (database_error_fields(error) or {}).items())
        return serialized


logger = Logger(service=SERVICE_NAME, level=os.environ.get("LOG_LEVEL", "INFO"), logger_formatter=SafeFormatter())
metrics = Metrics(namespace=os.environ.get("METRICS_NAMESPACE", "PTXChannelManager"), service=SERVICE_NAME)
tracer = Tracer(
    service=SERVICE_NAME,
    disabled=os.environ.get("TRACING_ENABLED", "false").lower() not in {"1", "true", "yes"},
)


def flush_metrics() -> None:
    """Write the invocation's metrics as one EMF line, if it recorded any."""
    if metrics.metric_set:
        metrics.flush_metrics()


# Keys whose values are never logged, wherever they appear in a structured log record.
_SECRET_KEY = re.compile(r"pass(word)?|secret|token|authorization|cookie|api[_-]?key|credential|private", re.IGNORECASE)
REDACTED = "***"


def redact(value: Any) -> Any:
    """A copy of ``value`` with secret-looking keys masked (for logging request/response bits)."""
    if isinstance(value, dict):
        return {
            key: (REDACTED if isinstance(key, str) and _SECRET_KEY.search(key) else redact(item))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    return value


# --- the push path's trace (issue 17 item 2) ---------------------------------------------------
# A webhook gets a trace id; it travels on the sync job as this SQS message attribute, and the
# worker puts it (and the reservation being stored) on its log lines, so one reservation can be
# followed receive → job → pull → ingest → ARI relay → push. ``bench/sync_latency.py latency``
# reads these lines back and prints where the seconds went.
TRACE_ATTRIBUTE = "trace_id"
TRACE_MESSAGE = "trace"


def new_trace_id() -> str:
    return uuid.uuid4().hex[:16]


def trace(stage: str, **fields: Any) -> None:
    """One structured line of the trace: the stage, the wall-clock moment (epoch seconds), fields.

    Fields are identifiers, counts and moments only (never a payload or a credential)."""
    logger.info(TRACE_MESSAGE, extra={"trace_stage": stage, "trace_at": round(time.time(), 4), **fields})

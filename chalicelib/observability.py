"""Logger, Metrics and Tracer, shared by every handler (one module, as Powertools suggests).

Constructing these objects does no I/O. The tracer is off unless ``TRACING_ENABLED`` is true (it
then needs the X-Ray daemon Lambda provides); metrics are written as CloudWatch EMF lines on
stdout when flushed at the end of an invocation.
"""

from __future__ import annotations

import os
import re
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE_NAME = "ptx-cm"

logger = Logger(service=SERVICE_NAME, level=os.environ.get("LOG_LEVEL", "INFO"))
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

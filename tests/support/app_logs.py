"""Capture everything the app logs (Powertools JSON lines, extras included) as one string."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from chalicelib.observability import logger


@contextmanager
def captured_app_logs() -> Iterator[Callable[[], str]]:
    """Attach a handler with the app's own JSON formatter; yields a reader of what was logged."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logger.registered_formatter)
    target = logging.getLogger(logger.name)
    target.addHandler(handler)
    previous = target.level
    target.setLevel(logging.DEBUG)
    try:
        yield buffer.getvalue
    finally:
        target.removeHandler(handler)
        target.setLevel(previous)

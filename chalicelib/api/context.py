"""Per-request context (request id, client address, timing), set by the HTTP middleware."""

from __future__ import annotations

import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


@dataclass
class RequestContext:
    request_id: str
    method: str
    path: str
    client_ip: str | None
    user_agent: str | None
    started_at: float = field(default_factory=time.perf_counter)
    # Set by authentication once the caller is known (chalicelib.api.auth_guard); read by the activity log.
    principal: Any = None

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self.started_at) * 1000, 2)


_current: ContextVar[RequestContext | None] = ContextVar("ptx_request_context", default=None)


def choose_request_id(header_value: str | None, gateway_request_id: str | None) -> str:
    """Honour a well-formed incoming X-Request-Id, else API Gateway's id, else a fresh one."""
    if header_value and _VALID_REQUEST_ID.match(header_value):
        return header_value
    if gateway_request_id and _VALID_REQUEST_ID.match(gateway_request_id):
        return gateway_request_id
    return str(uuid.uuid4())


def set_current(context: RequestContext | None) -> Any:
    return _current.set(context)


def reset_current(token: Any) -> None:
    _current.reset(token)


def current() -> RequestContext | None:
    return _current.get()


def current_request_id() -> str | None:
    context = _current.get()
    return context.request_id if context else None

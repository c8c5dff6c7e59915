"""Chalice middleware: request id, structured access log, body limit, error shape, metrics.

Registered in app.py for HTTP routes and for the event handlers (schedules, SQS, plain Lambda).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from chalice.app import Request, Response

from chalicelib.api import context as request_context
from chalicelib.api.errors import REQUEST_ID_HEADER, error_response, normalise_chalice_error
from chalicelib.api.routing import allowed_methods
from chalicelib.config import get_settings
from chalicelib.observability import flush_metrics, logger, metrics

# Extra hooks run after each HTTP response (the activity log of the identity issue plugs in
# here). Each receives (request, response, context) and must not raise.
ResponseObserver = Callable[[Request, Response, request_context.RequestContext], None]
_response_observers: list[ResponseObserver] = []

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def add_response_observer(observer: ResponseObserver) -> None:
    if observer not in _response_observers:
        _response_observers.append(observer)


def _client_ip(request: Request) -> str | None:
    identity = (request.context or {}).get("identity") or {}
    return identity.get("sourceIp")


def http_middleware(request: Request, get_response: Callable[[Request], Response]) -> Response:
    gateway_request_id = (request.context or {}).get("requestId")
    ctx = request_context.RequestContext(
        request_id=request_context.choose_request_id(request.headers.get(REQUEST_ID_HEADER), gateway_request_id),
        method=request.method,
        path=(request.context or {}).get("path") or request.path,
        client_ip=_client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    token = request_context.set_current(ctx)
    # Per-thread (context-local) keys: the local server serves requests on concurrent threads and
    # the logger is shared, so process-wide keys would put one request's id on another's lines.
    logger.thread_safe_append_keys(request_id=ctx.request_id, correlation_id=ctx.request_id)
    try:
        response = _limited(request, ctx) or get_response(request)
        response = normalise_chalice_error(response, ctx.request_id)
        if response.status_code == 405 and "Allow" not in response.headers:
            allowed = allowed_methods(str((request.context or {}).get("resourcePath") or ""))
            if allowed:
                response.headers["Allow"] = ", ".join(allowed)
        response.headers[REQUEST_ID_HEADER] = ctx.request_id
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        for observer in _response_observers:
            observer(request, response, ctx)
        logger.info(
            "http request",
            extra={
                "http_method": ctx.method,
                "path": ctx.path,
                "status": response.status_code,
                "duration_ms": ctx.elapsed_ms(),
                "client_ip": ctx.client_ip,
            },
        )
        metrics.add_metric(name="HttpRequests", unit=MetricUnit.Count, value=1)
        if response.status_code >= 500:
            metrics.add_metric(name="HttpServerErrors", unit=MetricUnit.Count, value=1)
        return response
    finally:
        flush_metrics()
        logger.thread_safe_remove_keys(["request_id", "correlation_id"])
        request_context.reset_current(token)


def _limited(request: Request, ctx: request_context.RequestContext) -> Response | None:
    """413 before anything reads an oversized body."""
    limit = get_settings().max_request_body_bytes
    declared = request.headers.get("content-length")
    size = int(declared) if declared and declared.isdigit() else len(request.raw_body or b"")
    if size > limit:
        return error_response(
            413,
            "payload_too_large",
            f"The request body is {size} bytes; the limit is {limit} bytes.",
            request_id=ctx.request_id,
        )
    return None


def event_middleware(event: Any, get_response: Callable[[Any], Any]) -> Any:
    """For schedules, SQS batches and plain Lambda functions: context keys, metrics flush."""
    lambda_context = getattr(event, "context", None)
    request_id = getattr(lambda_context, "aws_request_id", None)
    if request_id:
        logger.thread_safe_append_keys(
            function_request_id=request_id,
            function_name=getattr(lambda_context, "function_name", None),
            correlation_id=request_id,
        )
    try:
        return get_response(event)
    finally:
        flush_metrics()
        logger.thread_safe_remove_keys(["function_request_id", "function_name", "correlation_id"])

"""The one error shape every route answers with.

``{"error": {"code": "...", "message": "...", "details": [...]}}`` plus the request id, so a
user can quote it and we can find the log lines. Codes are stable strings clients may switch on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from chalice.app import Response
from pydantic import BaseModel, Field, ValidationError

from chalicelib.domain import errors as domain

REQUEST_ID_HEADER = "X-Request-Id"


class ErrorDetail(BaseModel):
    field: str | None = Field(default=None, description="Where the problem is, e.g. body.email")
    message: str
    type: str | None = None


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. validation_failed")
    message: str
    details: list[dict[str, Any]] = Field(default_factory=list)
    request_id: str | None = None


class ErrorResponse(BaseModel):
    """Every 4xx and 5xx answer has this body."""

    error: ErrorBody


class ApiError(Exception):
    """Raised by the HTTP layer itself (bad JSON, oversized body, malformed path parameter)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}


_STATUS_BY_DOMAIN_ERROR: dict[type[domain.DomainError], int] = {
    domain.InvalidInput: 422,
    domain.NotFound: 404,
    domain.Conflict: 409,
    domain.PermissionDenied: 403,
    domain.AuthenticationFailed: 401,
    domain.RateLimited: 429,
    domain.DependencyUnavailable: 503,
}


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    details: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    request_id: str | None = None,
) -> Response:
    body = ErrorResponse(error=ErrorBody(code=code, message=message, details=details or [], request_id=request_id))
    all_headers: dict[str, str | list[str]] = {"Content-Type": "application/json", **(headers or {})}
    if request_id:
        all_headers[REQUEST_ID_HEADER] = request_id
    return Response(body=body.model_dump(mode="json"), status_code=status, headers=all_headers)


def from_api_error(error: ApiError, request_id: str | None) -> Response:
    return error_response(
        error.status,
        error.code,
        error.message,
        details=error.details,
        headers=error.headers,
        request_id=request_id,
    )


def qualified_details(details: list[dict[str, Any]], locate: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """Services name the attribute (``property_id``, ``lines.0.room_type_id``); the API says where
    the client sent it (``path.property_id``, ``body.lines.0.room_type_id``). ``locate`` answers for
    the attribute's first part, or None when it is not one of the request's inputs (an XML path of
    a webhook, a field already located): such a detail is left as it is."""
    qualified = []
    for detail in details:
        field = detail.get("field")
        if isinstance(field, str):
            location = locate(re.split(r"[.\[]", field, maxsplit=1)[0])
            if location is not None:
                detail = {**detail, "field": f"{location}.{field}"}
        qualified.append(detail)
    return qualified


def from_domain_error(
    error: domain.DomainError, request_id: str | None, *, locate: Callable[[str], str | None] = lambda _name: None
) -> Response:
    status = 400
    for cls in type(error).__mro__:
        if cls in _STATUS_BY_DOMAIN_ERROR:
            status = _STATUS_BY_DOMAIN_ERROR[cls]
            break
    headers: dict[str, str] = {}
    if isinstance(error, domain.RateLimited):
        headers["Retry-After"] = str(max(1, error.retry_after_seconds))
    if isinstance(error, domain.AuthenticationFailed):
        headers["WWW-Authenticate"] = 'Bearer realm="ptx-cm"'
    details = qualified_details(error.details, locate)
    return error_response(status, error.code, error.message, details=details, headers=headers, request_id=request_id)


def validation_details(exc: ValidationError, location: str) -> list[dict[str, Any]]:
    """pydantic errors as ``[{field, message, type}]`` with the field's full dotted path."""
    details: list[dict[str, Any]] = []
    for err in exc.errors(include_url=False, include_input=False):
        path = ".".join(str(part) for part in (location, *err["loc"]))
        details.append({"field": path, "message": err["msg"], "type": err["type"]})
    return details


def validation_failed(exc: ValidationError, location: str) -> ApiError:
    details = validation_details(exc, location)
    fields = ", ".join(d["field"] for d in details[:5])
    more = "" if len(details) <= 5 else f" and {len(details) - 5} more"
    return ApiError(422, "validation_failed", f"Invalid {location}: {fields}{more}", details=details)


# Chalice answers some requests itself (unknown method, wrong content type, unhandled error) with
# {"Code": ..., "Message": ...}. The middleware rewrites those into our shape.
_CHALICE_CODES = {
    "MethodNotAllowedError": "method_not_allowed",
    "UnsupportedMediaType": "unsupported_media_type",
    "BadRequestError": "bad_request",
    "BadRequest": "bad_request",
    "NotFoundError": "not_found",
    "UnauthorizedError": "unauthorized",
    "ForbiddenError": "forbidden",
    "InternalServerError": "internal_error",
    "TooManyRequestsError": "rate_limited",
    "RequestTimeoutError": "timeout",
    "ConflictError": "conflict",
    "UnprocessableEntityError": "validation_failed",
}


def normalise_chalice_error(response: Response, request_id: str | None) -> Response:
    """Rewrite a Chalice-made error body into ours; leave every other response alone."""
    if response.status_code < 400:
        return response
    body = response.body
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body)
        except ValueError:
            body = None
    if isinstance(body, dict) and set(body) == {"Code", "Message"}:
        code = _CHALICE_CODES.get(str(body["Code"]), "error")
        message = str(body["Message"])
        if code == "internal_error":
            message = "An internal error occurred. Quote the request id when reporting it."
        headers = {k: str(v) for k, v in response.headers.items() if k.lower() != "content-type"}
        return error_response(response.status_code, code, message, headers=headers, request_id=request_id)
    return response

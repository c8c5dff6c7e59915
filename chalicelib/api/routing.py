"""Declaring routes: one decorator that parses, validates, calls the view and shapes the answer.

Every API route is declared with :meth:`ApiBlueprint.endpoint`. It registers a Chalice route
whose handler carries the route's description and pydantic models (the OpenAPI document is
generated from them; the view's annotations name them: its ``body`` and ``query`` parameters and
its return type, unless ``body=``, ``query=`` or ``response=`` say otherwise) and which:

1. reads the body (400 on malformed JSON or non-UTF-8 bytes; the middleware already refused
   oversized bodies with 413) and validates it against ``body`` (422 naming each field);
2. validates the query string against ``query`` and path parameters against the view's
   annotations (422 naming each field);
3. calls the view with typed arguments, turns its return value into JSON with ``response``;
4. maps domain errors to their status codes, and anything unexpected to a logged 500.

Before any of that, every route that is not declared ``public=True`` authenticates the caller
(``Authorization: Bearer``, the one convention for API clients and the dashboard alike) and
checks ``permission`` (401 / 403); a view that declares a ``caller`` parameter receives the
:class:`~chalicelib.domain.access.Caller`. Routes with a path id name the kind of record it is
with ``scoped_resource`` (``"user"``, or ``{"property_id": "property", ...}``): the test that
walks every route uses it to prove a record of another country answers 404.

Agency accounts (users of an agency, agency API keys) reach only the routes declared
``partner=True`` (their repositories then keep the caller's agency's rows only); every other
route that needs a permission answers them 403, so a new route is staff-only unless it says so.

Views therefore stay a few lines: take typed input, call one service, return a model.
"""

from __future__ import annotations

import functools
import inspect
import json
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chalice.app import Blueprint, Chalice, Request, Response
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy.exc import DBAPIError

from chalicelib.api import context as request_context
from chalicelib.api import db_errors, wall
from chalicelib.api.auth_guard import authenticate_request
from chalicelib.api.errors import (
    ApiError,
    error_response,
    from_api_error,
    from_domain_error,
    validation_failed,
)
from chalicelib.domain.errors import DomainError
from chalicelib.domain.permissions import API_KEY_PERMISSIONS, Permission, has
from chalicelib.observability import logger

JSON = "application/json"
BaseModelT = typing.TypeVar("BaseModelT", bound=BaseModel)


@dataclass(frozen=True)
class Endpoint:
    """What the OpenAPI document says about one route."""

    path: str
    method: str
    operation_id: str
    summary: str
    description: str
    tags: tuple[str, ...]
    body_model: type[BaseModel] | None
    query_model: type[BaseModel] | None
    response_model: Any  # a BaseModel subclass, list[Model], or None
    status_code: int
    path_params: dict[str, type]
    security: tuple[str, ...] = ()
    error_statuses: tuple[int, ...] = ()
    response_content_type: str = JSON
    extra: dict[str, Any] = field(default_factory=dict)
    # Authentication and authorization (see the module docstring).
    public: bool = False
    permission: Permission | None = None
    # Path parameter -> kind of record it identifies ("user", "property", ...).
    path_resources: dict[str, str] = field(default_factory=dict)
    body_required: bool = True
    # Agency accounts may call it (scoped to their agency); otherwise 403 for them.
    partner: bool = False


SECURITY_SCHEMES = ("bearer",)
PARTNER_SECURITY_SCHEMES = (*SECURITY_SCHEMES, "apiKey")


ENDPOINT_ATTRIBUTE = "__ptx_endpoint__"

# Hooks installed by feature modules (e.g. authentication) without routing importing them.
# Each hook receives (request, endpoint) and may raise a DomainError or return keyword args
# for the view (such as the authenticated principal).
RequestHook = Callable[[Request, Endpoint], dict[str, Any]]
_request_hooks: list[RequestHook] = []


def add_request_hook(hook: RequestHook) -> None:
    if hook not in _request_hooks:
        _request_hooks.append(hook)


class ApiBlueprint(Blueprint):
    """A Chalice blueprint whose routes are declared with :meth:`endpoint`."""

    def __init__(self, import_name: str, tag: str) -> None:
        super().__init__(import_name)
        self.tag = tag

    def endpoint(
        self,
        path: str,
        method: str = "GET",
        *,
        summary: str,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: Any = None,
        status: int = 200,
        description: str | None = None,
        content_types: list[str] | None = None,
        response_content_type: str = JSON,
        permission: Permission | None = None,
        public: bool = False,
        scoped_resource: str | Mapping[str, str] | None = None,
        body_required: bool = True,
        error_statuses: tuple[int, ...] = (),
        partner: bool = False,
        **extra: Any,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            hints = typing.get_type_hints(view)
            body_model = body if body is not None else _model_parameter(hints, "body")
            query_model = query if query is not None else _model_parameter(hints, "query")
            response_model = response if response is not None else _response_model(hints.get("return"))
            names = path_parameter_names(path)
            path_params = {name: hints.get(name, str) for name in names}
            wants_caller = "caller" in inspect.signature(view).parameters
            where = f"{method.upper()} {path}"
            _check_public(where, public, permission, wants_caller)
            spec = Endpoint(
                path=path,
                method=method.upper(),
                operation_id=view.__name__,
                summary=summary,
                description=description or inspect.getdoc(view) or "",
                tags=(self.tag,),
                body_model=body_model,
                query_model=query_model,
                response_model=response_model,
                status_code=status,
                path_params=path_params,
                security=_security(public, partner, permission),
                error_statuses=tuple(error_statuses) + (() if public else (401, 403)),
                response_content_type=response_content_type,
                extra=extra,
                public=public,
                permission=permission,
                path_resources=_path_resources(where, names, scoped_resource),
                body_required=body_required,
                partner=partner,
            )
            blueprint = self

            @functools.wraps(view)
            def handler(**raw_path_params: str) -> Response:
                return _dispatch(blueprint.current_request, spec, view, raw_path_params, wants_caller)

            setattr(handler, ENDPOINT_ATTRIBUTE, spec)
            _methods_by_route.setdefault(path, set()).add(spec.method)
            self.route(path, methods=[spec.method], content_types=content_types or [JSON])(handler)
            return view

        return decorator


def _security(public: bool, partner: bool, permission: Permission | None) -> tuple[str, ...]:
    """The schemes a route accepts: none when public; an agency's API key only on partner routes
    whose permission a key may hold."""
    if public:
        return ()
    if partner and permission is not None and has(API_KEY_PERMISSIONS, permission):
        return PARTNER_SECURITY_SCHEMES
    return SECURITY_SCHEMES


def _check_public(where: str, public: bool, permission: Permission | None, wants_caller: bool) -> None:
    """A public route has no caller: it can neither require a permission nor take one."""
    if public and permission is not None:
        raise ValueError(f"{where}: a public route cannot require a permission")
    if public and wants_caller:
        raise ValueError(f"{where}: a public route has no caller to pass")


# Path template -> the methods declared on it (for the ``Allow`` header of a 405).
_methods_by_route: dict[str, set[str]] = {}


def allowed_methods(route: str) -> list[str]:
    """The methods ``route`` (a path template such as ``/users/{user_id}``) answers, for ``Allow``."""
    return sorted(_methods_by_route.get(route, ()))


def endpoints_of(app: Chalice) -> list[Endpoint]:
    """The declared endpoints of the routes registered on ``app``."""
    found = []
    for methods in app.routes.values():
        for entry in methods.values():
            spec = getattr(entry.view_function, ENDPOINT_ATTRIBUTE, None)
            if isinstance(spec, Endpoint):
                found.append(spec)
    return found


def _path_resources(where: str, names: list[str], declared: str | Mapping[str, str] | None) -> dict[str, str]:
    if declared is None:
        return {}
    if isinstance(declared, str):
        if len(names) != 1:
            raise ValueError(f"{where}: name the record kind of each path parameter ({names}) with a mapping")
        return {names[0]: declared}
    unknown = set(declared) - set(names)
    if unknown:
        raise ValueError(f"{where}: scoped_resource names unknown path parameters {sorted(unknown)}")
    return dict(declared)


def _model_parameter(hints: dict[str, Any], name: str) -> type[BaseModel] | None:
    """The model the view's ``body`` / ``query`` parameter is annotated with (None: no such parameter)."""
    annotation = hints.get(name)
    if annotation is None:
        return None
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        raise TypeError(f"the view's {name} parameter must be annotated with a pydantic model, not {annotation!r}")
    return annotation


def _response_model(annotation: Any) -> Any:
    """The view's return annotation when it is (or holds) a pydantic model, e.g. ``Page[UserOut]``; else None
    (``None``, a chalice ``Response`` or a plain dict: such routes name their ``response`` model themselves)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if any(_response_model(argument) is not None for argument in typing.get_args(annotation)):
        return annotation
    return None


def path_parameter_names(path: str) -> list[str]:
    names = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            names.append(part[1:-1])
    return names


def _dispatch(
    request: Request, spec: Endpoint, view: Callable[..., Any], raw_path_params: dict[str, str], wants_caller: bool
) -> Response:
    request_id = request_context.current_request_id()
    try:
        kwargs: dict[str, Any] = {}
        if not spec.public:
            # First, before any input is looked at: who is calling, and may they call this?
            caller = authenticate_request(request, spec.permission, partner_route=spec.partner)
            if wants_caller:
                kwargs["caller"] = caller
        kwargs.update(_parse_path_params(spec, raw_path_params))
        for hook in _request_hooks:
            kwargs.update(hook(request, spec))
        if spec.body_model is not None:
            kwargs["body"] = parse_body(request, spec.body_model, required=spec.body_required)
        if spec.query_model is not None:
            kwargs["query"] = parse_query(request, spec.query_model)
        result = view(**kwargs)
        return _to_response(result, spec)
    except ApiError as error:
        return from_api_error(error, request_id)
    except DomainError as error:
        return from_domain_error(error, request_id, locate=lambda name: _field_location(spec, name))
    except DBAPIError as error:
        mapped = db_errors.to_api_error(error)
        if mapped is not None:
            return from_api_error(mapped, request_id)
        return _server_error(spec, request_id)
    except Exception:  # noqa: BLE001 - the HTTP boundary: log with stack, answer 500, never leak
        return _server_error(spec, request_id)


def _server_error(spec: Endpoint, request_id: str | None) -> Response:
    # The formatter (chalicelib.observability.SafeFormatter) keeps database messages, which quote
    # row values, out of the logged traceback.
    logger.exception("unhandled error", extra={"operation": spec.operation_id})
    return error_response(
        500,
        "internal_error",
        "An internal error occurred. Quote the request id when reporting it.",
        request_id=request_id,
    )


def _field_location(spec: Endpoint, name: str) -> str | None:
    """Where the client sent the input called ``name`` (path, query or body); None: not an input."""
    if name in spec.path_params:
        return "path"
    if spec.query_model is not None and name in spec.query_model.model_fields:
        return "query"
    if spec.body_model is not None and name in spec.body_model.model_fields:
        return "body"
    return None


def _parse_path_params(spec: Endpoint, raw: dict[str, str]) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for name, value in raw.items():
        annotation = spec.path_params.get(name, str)
        try:
            parsed[name] = TypeAdapter(annotation).validate_python(value, strict=False)
        except ValidationError as exc:
            raise validation_failed(exc, f"path.{name}") from None
        if not wall.path_value_can_exist(annotation, parsed[name]):
            # An id out of its column's range names no record: the same 404 as a missing one.
            raise ApiError(404, "not_found", f"No such record: path.{name} names nothing that can exist.")
    return parsed


def read_json(request: Request) -> Any:
    """The request body as JSON; 400 with a precise reason when it is not."""
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if not raw.strip():
        raise ApiError(400, "invalid_json", "The request body is empty; send a JSON object.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ApiError(400, "invalid_json", f"The request body is not valid UTF-8 (byte {exc.start}).") from None
    try:
        return wall.parse_json(text)
    except json.JSONDecodeError as exc:
        raise ApiError(
            400,
            "invalid_json",
            f"The request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.",
        ) from None


def parse_body(request: Request, model: type[BaseModel], *, required: bool = True) -> BaseModel:
    raw = request.raw_body or b""
    data = read_json(request) if required or raw.strip() else {}
    try:
        return _walled(model.model_validate(data), "body")
    except ValidationError as exc:
        raise validation_failed(exc, "body") from None


def parse_query(request: Request, model: type[BaseModel]) -> BaseModel:
    params = request.query_params
    values: dict[str, Any] = {}
    if params:
        list_fields = {name for name, info in model.model_fields.items() if typing.get_origin(info.annotation) is list}
        for key in params:
            values[key] = params.getlist(key) if key in list_fields else params.get(key)
    try:
        return _walled(model.model_validate(values), "query")
    except ValidationError as exc:
        raise validation_failed(exc, "query") from None


def _walled(validated: BaseModelT, location: str) -> BaseModelT:
    """``validated`` once it passes the wall's rules (chalicelib.api.wall); 422 naming each field."""
    details = wall.violations(validated, location)
    if details:
        fields = ", ".join(d["field"] for d in details[:5])
        raise ApiError(422, "validation_failed", f"Invalid {location}: {fields}", details=details)
    return validated


def _to_response(result: Any, spec: Endpoint) -> Response:
    request_id = request_context.current_request_id()
    if isinstance(result, Response):
        return result
    headers: dict[str, str | list[str]] = {"Content-Type": spec.response_content_type}
    if request_id:
        headers["X-Request-Id"] = request_id
    if result is None:
        return Response(body="", status_code=204 if spec.status_code == 200 else spec.status_code, headers={})
    if isinstance(result, BaseModel):
        body: Any = result.model_dump(mode="json", by_alias=True)
    elif spec.response_model is not None and not isinstance(result, dict | str | bytes):
        body = TypeAdapter(spec.response_model).dump_python(result, mode="json", by_alias=True)
    else:
        body = result
    return Response(body=body, status_code=spec.status_code, headers=headers)


def csv_download(content: str, filename: str) -> Response:
    """A CSV file for the browser to save as ``filename``."""
    headers: dict[str, str | list[str]] = {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{filename}"',
    }
    return Response(body=content, status_code=200, headers=headers)

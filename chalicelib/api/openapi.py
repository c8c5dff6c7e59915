"""The OpenAPI 3.1 document, generated from the declared endpoints and their pydantic models,
and a self-contained HTML page that renders it (no CDN: it works offline and behind a VPN)."""

from __future__ import annotations

import html
import json
import typing
from collections.abc import Iterable
from typing import Any

from chalice.app import Chalice
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from chalicelib.api.errors import ErrorResponse
from chalicelib.api.routing import Endpoint, endpoints_of

REF = "#/components/schemas/{model}"
API_TITLE = "PTX Channel Manager API"
API_VERSION = "0.1.0"

_COMMON_ERRORS = {
    400: "Malformed request (invalid JSON, bad encoding)",
    413: "Request body too large",
    422: "Validation failed; details name each field",
    500: "Internal error; quote the request id",
}
_ERROR_DESCRIPTIONS = {
    401: "Not authenticated: missing, invalid or expired token, or the session ended",
    403: "Authenticated, but the role lacks the permission",
    404: "Not found, or outside your country scope",
    409: "Conflicts with the current state",
    429: "Too many attempts; see Retry-After",
    503: "A dependency is unavailable",
}


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _schema_for(annotation: Any, mode: str) -> dict[str, Any]:
    """JSON schema of an arbitrary annotation with $refs pointing into components."""
    schema = TypeAdapter(annotation).json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
    schema.pop("$defs", None)
    return schema


def _collect_models(endpoints: Iterable[Endpoint]) -> list[tuple[type[BaseModel], str]]:
    pairs: dict[tuple[type[BaseModel], str], None] = {(ErrorResponse, "serialization"): None}

    def add(tp: Any, mode: str) -> None:
        if _is_model(tp):
            pairs[(tp, mode)] = None
            return
        for arg in typing.get_args(tp):
            add(arg, mode)

    for endpoint in endpoints:
        if endpoint.body_model is not None:
            add(endpoint.body_model, "validation")
        if endpoint.response_model is not None:
            add(endpoint.response_model, "serialization")
    return list(pairs)


def build_openapi(app: Chalice) -> dict[str, Any]:
    endpoints = endpoints_of(app)
    declared = {(e.path, e.method) for e in endpoints}
    _, definitions = models_json_schema(_collect_models(endpoints), ref_template=REF)  # type: ignore[arg-type]
    schemas: dict[str, Any] = definitions.get("$defs", {})

    paths: dict[str, dict[str, Any]] = {}
    for endpoint in endpoints:
        paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = _operation(endpoint, schemas)

    # Routes declared with plain @app.route (none should be) still appear, minimally.
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            if (path, method) not in declared:
                paths.setdefault(path, {})[method.lower()] = {
                    "operationId": entry.view_name,
                    "summary": entry.view_name.replace("_", " "),
                    "responses": {"200": {"description": "OK"}},
                }

    return {
        "openapi": "3.1.0",
        "info": {
            "title": API_TITLE,
            "version": API_VERSION,
            "description": (
                "Hotel channel manager: one inventory, every OTA in sync. Errors share one shape "
                "(ErrorResponse); every response carries an X-Request-Id header."
            ),
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
                "apiKey": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-API-Key",
                    "description": (
                        "An agency's API key (POST /agencies/{agency_id}/api-keys). Scoped to the agency and the "
                        "key's permissions; only the operations listing this scheme accept it. Rate limited per key."
                    ),
                },
            },
        },
    }


def _operation(endpoint: Endpoint, schemas: dict[str, Any]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "tags": list(endpoint.tags),
    }
    if endpoint.description:
        operation["description"] = endpoint.description
    parameters = [
        *(
            {"name": name, "in": "path", "required": True, "schema": _schema_for(tp, "validation")}
            for name, tp in endpoint.path_params.items()
        ),
        *_query_parameters(endpoint, schemas),
        *_header_parameters(endpoint),
    ]
    if parameters:
        operation["parameters"] = parameters
    if endpoint.body_model is not None:
        operation["requestBody"] = {
            "required": endpoint.body_required,
            "content": {"application/json": {"schema": _schema_for(endpoint.body_model, "validation")}},
        }
    operation["responses"] = _responses(endpoint)
    if endpoint.security:
        operation["security"] = [{scheme: []} for scheme in endpoint.security]
    return operation


def _query_parameters(endpoint: Endpoint, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    """One parameter per field of the query model; its nested models join the components."""
    if endpoint.query_model is None:
        return []
    query_schema = endpoint.query_model.model_json_schema(ref_template=REF)
    for nested_name, nested in query_schema.get("$defs", {}).items():
        schemas.setdefault(nested_name, nested)
    required = set(query_schema.get("required", []))
    parameters = []
    for name, prop in query_schema.get("properties", {}).items():
        parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            parameter["description"] = prop["description"]
        parameters.append(parameter)
    return parameters


def _header(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _header_parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    """X-Country on authenticated routes, then the route's own."""
    headers = []
    if endpoint.security:
        headers.append(
            _header(
                "X-Country",
                "work in this country for this request (country switchers; staff: their own only)",
                {"type": "string", "pattern": "^[A-Za-z]{2}$"},
            )
        )
    for name, description in (endpoint.extra.get("headers") or {}).items():
        headers.append(_header(name, description))
    return headers


def _responses(endpoint: Endpoint) -> dict[str, Any]:
    """The success response (with its model) and every error status the route may answer."""
    success: dict[str, Any] = {"description": "Success"}
    if endpoint.response_model is not None:
        success["content"] = {
            endpoint.response_content_type: {"schema": _schema_for(endpoint.response_model, "serialization")}
        }
    responses: dict[str, Any] = {str(endpoint.status_code): success}
    error_ref = {"application/json": {"schema": {"$ref": REF.format(model="ErrorResponse")}}}
    statuses = dict(_COMMON_ERRORS)
    for status in endpoint.error_statuses:
        statuses.setdefault(status, _ERROR_DESCRIPTIONS.get(status, "Error"))
    for status, description in sorted(statuses.items()):
        if status == 413 and endpoint.body_model is None:
            continue
        responses[str(status)] = {"description": description, "content": error_ref}
    return responses


def render_docs_page(document: dict[str, Any]) -> str:
    """A readable, dependency-free HTML rendering of the OpenAPI document."""
    esc = html.escape
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for tag in operation.get("tags") or ["other"]:
                by_tag.setdefault(tag, []).append((path, method, operation))

    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{esc(document['info']['title'])}</title>",
        "<meta name=viewport content='width=device-width, initial-scale=1'>",
        "<style>body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 2rem;color:#1b1f24}"
        "h2{border-bottom:1px solid #ddd;margin-top:2rem}.op{border:1px solid #ddd;border-radius:6px;margin:.6rem 0}"
        ".op summary{cursor:pointer;padding:.5rem .8rem}.m{display:inline-block;min-width:4.5rem;font-weight:700;"
        "text-transform:uppercase}.get{color:#0a7}.post{color:#06c}.put,.patch{color:#c70}.delete{color:#c22}"
        "code,pre{font:13px ui-monospace,monospace}pre{background:#f6f8fa;padding:.6rem;overflow:auto}"
        ".body{padding:0 1rem 1rem}table{border-collapse:collapse}"
        "td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}</style>",
        "</head><body>",
        f"<h1>{esc(document['info']['title'])} <small>{esc(document['info']['version'])}</small></h1>",
        f"<p>{esc(document['info'].get('description', ''))}</p>",
        "<p>Machine-readable document: <a href='openapi.json'>openapi.json</a> (OpenAPI 3.1).</p>",
    ]
    for tag in sorted(by_tag):
        parts.append(f"<h2 id='tag-{esc(tag)}'>{esc(tag)}</h2>")
        for path, method, operation in by_tag[tag]:
            parts.append(
                f"<details class=op id='{esc(operation.get('operationId', ''))}'><summary>"
                f"<span class='m {esc(method)}'>{esc(method)}</span> <code>{esc(path)}</code> — "
                f"{esc(operation.get('summary', ''))}</summary><div class=body>"
            )
            if operation.get("description"):
                parts.append(f"<p>{esc(operation['description'])}</p>")
            if operation.get("parameters"):
                parts.append("<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th></tr>")
                for parameter in operation["parameters"]:
                    parts.append(
                        f"<tr><td><code>{esc(parameter['name'])}</code></td><td>{esc(parameter['in'])}</td>"
                        f"<td>{'yes' if parameter.get('required') else 'no'}</td>"
                        f"<td><code>{esc(json.dumps(parameter.get('schema', {})))}</code></td></tr>"
                    )
                parts.append("</table>")
            if "requestBody" in operation:
                schema = operation["requestBody"]["content"]["application/json"]["schema"]
                parts.append(f"<p>Request body:</p><pre>{esc(json.dumps(schema, indent=2))}</pre>")
            parts.append("<p>Responses:</p><ul>")
            for status, response in operation["responses"].items():
                parts.append(f"<li><b>{esc(status)}</b> {esc(response.get('description', ''))}</li>")
            parts.append("</ul></div></details>")
    parts.append("<h2>Schemas</h2>")
    for name, schema in document["components"]["schemas"].items():
        parts.append(
            f"<details class=op id='schema-{esc(name)}'><summary><code>{esc(name)}</code></summary>"
            f"<pre>{esc(json.dumps(schema, indent=2))}</pre></details>"
        )
    parts.append("</body></html>")
    return "".join(parts)

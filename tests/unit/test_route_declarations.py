"""The security contract of ``ApiBlueprint.endpoint``: protected by default, declared explicitly."""

from __future__ import annotations

import json

import pytest
from chalice.app import Chalice
from chalice.test import Client

from app import app as real_app
from chalicelib.api.middleware import http_middleware
from chalicelib.api.openapi import build_openapi
from chalicelib.api.routing import ApiBlueprint, endpoints_of
from chalicelib.domain.access import Caller
from chalicelib.domain.permissions import API_KEY_PERMISSIONS, Permission, has


def test_routes_are_protected_unless_declared_public() -> None:
    blueprint = ApiBlueprint(__name__, tag="t")

    @blueprint.endpoint("/secret", summary="s")
    def secret() -> dict[str, str]:
        return {"leaked": "yes"}

    app = Chalice(app_name="declarations")
    app.register_middleware(http_middleware, "http")
    app.register_blueprint(blueprint)
    with Client(app) as client:
        response = client.http.get("/secret")
        malformed = client.http.get("/secret", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert json.loads(response.body)["error"]["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"leaked" not in response.body
    assert malformed.status_code == 401


def test_contradictory_declarations_fail_at_import() -> None:
    blueprint = ApiBlueprint(__name__, tag="t")
    with pytest.raises(ValueError, match="public route cannot require a permission"):
        blueprint.endpoint("/a", summary="a", public=True, permission=Permission.USERS_READ)(lambda: None)

    def wants_caller(caller: Caller) -> None: ...

    with pytest.raises(ValueError, match="no caller"):
        blueprint.endpoint("/b", summary="b", public=True)(wants_caller)
    with pytest.raises(ValueError, match="with a mapping"):
        blueprint.endpoint("/c/{a}/d/{b}", summary="c", scoped_resource="user")(lambda a, b: None)
    with pytest.raises(ValueError, match="unknown path parameters"):
        blueprint.endpoint("/e/{a}", summary="e", scoped_resource={"b": "user"})(lambda a: None)


def test_openapi_documents_security_on_every_protected_route_and_only_there() -> None:
    document = build_openapi(real_app)
    specs = {(e.path, e.method): e for e in endpoints_of(real_app)}
    for (path, method), spec in specs.items():
        operation = document["paths"][path][method.lower()]
        if spec.public:
            assert "security" not in operation, f"{method} {path} is public"
        else:
            # Agency systems' API keys: on the routes declared partner=True whose permission a key may hold.
            keyed = spec.partner and spec.permission is not None and has(API_KEY_PERMISSIONS, spec.permission)
            schemes = [{"bearer": []}] + ([{"apiKey": []}] if keyed else [])
            assert operation["security"] == schemes, f"{method} {path}"
            assert {"401", "403"} <= set(operation["responses"]), f"{method} {path}"
    # One convention for people: the Bearer header; the CSRF header only where the refresh cookie is read.
    assert set(document["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    assert document["components"]["securitySchemes"]["apiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": document["components"]["securitySchemes"]["apiKey"]["description"],
    }
    assert any(spec.partner for spec in specs.values())
    csrf_routes = {
        (path, method)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if any(p["name"] == "X-CSRF-Token" for p in operation.get("parameters", []))
    }
    assert csrf_routes == {("/auth/refresh", "post"), ("/auth/logout", "post")}


def test_openapi_covers_the_auth_endpoints() -> None:
    paths = build_openapi(real_app)["paths"]
    for path in ("/auth/login", "/auth/refresh", "/auth/logout", "/auth/forgot-password", "/auth/reset-password",
                 "/auth/change-password", "/auth/2fa/setup", "/auth/2fa/enable", "/me"):  # fmt: skip
        assert path in paths, path
    login = paths["/auth/login"]["post"]
    schema = login["requestBody"]["content"]["application/json"]["schema"]
    assert {"email", "password", "otp_code", "use_cookies"} == set(schema["properties"])
    assert "429" in login["responses"] and "401" in login["responses"]
    assert paths["/auth/refresh"]["post"]["requestBody"]["required"] is False

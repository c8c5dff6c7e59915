from __future__ import annotations

import json
import typing

from chalice.test import Client
from openapi_spec_validator import validate
from pydantic import BaseModel

from app import app
from chalicelib.api.openapi import build_openapi, render_docs_page
from chalicelib.api.routing import endpoints_of


def test_document_is_valid_openapi_3_1_and_covers_every_route() -> None:
    document = build_openapi(app)
    validate(document)  # raises on any schema violation
    assert document["openapi"] == "3.1.0"
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    routed = {(path, method) for path, methods in app.routes.items() for method in methods}
    assert documented == routed


def test_every_operation_documents_the_error_shape() -> None:
    document = build_openapi(app)
    assert "ErrorResponse" in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert operation["summary"], f"{method} {path} lacks a summary"
            assert "422" in operation["responses"], f"{method} {path} does not document 422"


def test_served_document_and_docs_page() -> None:
    with Client(app) as client:
        response = client.http.get("/api/openapi.json")
        assert response.status_code == 200
        served = json.loads(response.body)
        assert served["paths"].keys() == build_openapi(app)["paths"].keys()
        page = client.http.get("/api/docs")
        assert page.status_code == 200
        assert page.headers["Content-Type"].startswith("text/html")
        html = page.body.decode()
        for path in served["paths"]:
            assert f"<code>{path}</code>" in html


def test_docs_sends_a_browser_to_the_dashboards_interactive_reference() -> None:
    with Client(app) as client:
        browser = client.http.get("/api/docs", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
        assert browser.status_code == 302
        assert browser.headers["Location"] == "/api-reference"
        # A client that does not ask for HTML (curl, a script) still gets the plain page.
        plain = client.http.get("/api/docs", headers={"Accept": "*/*"})
        assert plain.status_code == 200
        assert "<code>/me</code>" in plain.body.decode()


def test_docs_page_escapes_text() -> None:
    document = {
        "info": {"title": "<script>x</script>", "version": "1"},
        "paths": {"/a": {"get": {"summary": "<b>", "responses": {"200": {"description": "ok"}}}}},
        "components": {"schemas": {}},
    }
    html = render_docs_page(document)
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;" in html


def _models_in(annotation: object, found: dict[str, set[type[BaseModel]]]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found.setdefault(annotation.__name__, set()):
            return
        found[annotation.__name__].add(annotation)
        for field in annotation.model_fields.values():
            _models_in(field.annotation, found)
        return
    for argument in typing.get_args(annotation):
        _models_in(argument, found)


def test_no_two_models_of_the_api_share_a_name() -> None:
    """The document names schemas after their classes: two classes of one name would make one of
    them vanish from the document (or be renamed by pydantic) and the dashboard's generated types lie."""
    found: dict[str, set[type[BaseModel]]] = {}
    for endpoint in endpoints_of(app):
        for model in (endpoint.body_model, endpoint.response_model, endpoint.query_model):
            if model is not None:
                _models_in(model, found)
    clashes = {
        name: sorted(f"{m.__module__}.{m.__qualname__}" for m in models)
        for name, models in found.items()
        if len(models) > 1
    }
    assert clashes == {}
    assert len(found) > 100  # the walk reached the models

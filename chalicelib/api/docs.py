"""GET /api/openapi.json and GET /api/docs."""

from __future__ import annotations

from typing import Any

from chalice.app import Response

from chalicelib.api import openapi
from chalicelib.api.routing import ApiBlueprint

blueprint = ApiBlueprint(__name__, tag="documentation")

# The dashboard's route of the interactive reference (Swagger UI over /api/openapi.json).
API_REFERENCE_PATH = "/api-reference"

_document_cache: dict[str, Any] = {}


def _document() -> dict[str, Any]:
    # Built once per container: the routes cannot change while it runs.
    if "document" not in _document_cache:
        _document_cache["document"] = openapi.build_openapi(blueprint.current_app)
    document: dict[str, Any] = _document_cache["document"]
    return document


@blueprint.endpoint("/api/openapi.json", summary="The OpenAPI 3.1 document of this API", public=True)
def openapi_document() -> dict[str, Any]:
    return _document()


@blueprint.endpoint(
    "/api/docs",
    summary="API documentation: a browser is sent to the dashboard's interactive reference "
    f"({API_REFERENCE_PATH}, try it with your session); other clients get a plain HTML page",
    response_content_type="text/html; charset=utf-8",
    public=True,
)
def docs_page() -> Response:
    accept = blueprint.current_request.headers.get("accept", "")
    if "text/html" in accept:
        # The dashboard is served on the API's origin (CloudFront in AWS, the local stack alike).
        return Response(body="", status_code=302, headers={"Location": API_REFERENCE_PATH, "Cache-Control": "no-store"})
    return Response(
        body=openapi.render_docs_page(_document()),
        status_code=200,
        headers={"Content-Type": "text/html; charset=utf-8"},
    )

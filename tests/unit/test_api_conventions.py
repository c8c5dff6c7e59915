"""The HTTP conventions every route inherits: error shape, validation, limits, request ids."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from chalice.app import Chalice
from chalice.test import Client
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.middleware import http_middleware
from chalicelib.api.pagination import Page, PageQuery
from chalicelib.api.routing import ApiBlueprint
from chalicelib.config import reset_settings
from chalicelib.domain.errors import Conflict, NotFound, RateLimited


class Stay(BaseModel):
    model_config = ConfigDict(extra="forbid")

    guest_name: str = Field(min_length=1, max_length=100)
    check_in: date
    nights: int = Field(ge=1, le=30)


class StayOut(BaseModel):
    guest_name: str
    check_in: date
    nights: int


class StayQuery(PageQuery):
    status: list[str] = Field(default_factory=list)


blueprint = ApiBlueprint(__name__, tag="test")


@blueprint.endpoint("/stays", "POST", summary="create", body=Stay, response=StayOut, status=201, public=True)
def create_stay(body: Stay) -> StayOut:
    if body.guest_name == "taken":
        raise Conflict("room gone", details=[{"night": "2026-01-01"}])
    return StayOut(**body.model_dump())


@blueprint.endpoint("/stays", summary="list", query=StayQuery, response=Page[StayOut], public=True)
def list_stays(query: StayQuery) -> Page[StayOut]:
    items = [StayOut(guest_name=s, check_in=date(2026, 1, 1), nights=1) for s in query.status]
    return Page.of(items, total=len(items) + 100, query=query)


@blueprint.endpoint("/stays/{stay_id}", summary="get", response=StayOut, public=True)
def get_stay(stay_id: int) -> StayOut:
    if stay_id == 404:
        raise NotFound("no such stay")
    if stay_id == 429:
        raise RateLimited("slow down", retry_after_seconds=42)
    if stay_id == 500:
        raise RuntimeError("secret internal detail")
    return StayOut(guest_name="x", check_in=date(2026, 1, 1), nights=stay_id)


# A blueprint registers once (Chalice consumes its deferred route arguments), so one app serves all.
app = Chalice(app_name="conventions-test")
app.register_middleware(http_middleware, "http")
app.register_blueprint(blueprint)


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    monkeypatch.setenv("MAX_REQUEST_BODY_BYTES", "2048")
    reset_settings()
    with Client(app) as test_client:
        yield test_client
    reset_settings()


def post(client: Client, body: bytes | str, path: str = "/stays") -> tuple[int, dict[str, object], dict[str, str]]:
    response = client.http.post(path, headers={"Content-Type": "application/json"}, body=body)
    return response.status_code, json.loads(response.body or b"{}"), response.headers


def test_created_resource_uses_declared_status(client: Client) -> None:
    status, body, headers = post(client, json.dumps({"guest_name": "Ann", "check_in": "2026-02-01", "nights": 2}))
    assert status == 201
    assert body == {"guest_name": "Ann", "check_in": "2026-02-01", "nights": 2}
    assert headers["X-Request-Id"]


def test_validation_errors_name_every_field(client: Client) -> None:
    status, body, _ = post(client, json.dumps({"guest_name": "", "check_in": "not-a-date", "nights": 0, "x": 1}))
    assert status == 422
    error = body["error"]
    assert error["code"] == "validation_failed"  # type: ignore[index]
    fields = {d["field"] for d in error["details"]}  # type: ignore[index]
    assert fields == {"body.guest_name", "body.check_in", "body.nights", "body.x"}
    assert error["request_id"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b'{"guest_name": "Ann",', "not valid JSON"),
        (b"", "empty"),
        (b'{"guest_name": "\xff\xfe"}', "UTF-8"),
    ],
)
def test_malformed_bodies_are_400(client: Client, raw: bytes, fragment: str) -> None:
    status, body, _ = post(client, raw)
    assert status == 400
    assert body["error"]["code"] == "invalid_json"  # type: ignore[index]
    assert fragment in body["error"]["message"]  # type: ignore[index]


def test_oversized_body_is_413_before_parsing(client: Client) -> None:
    status, body, _ = post(client, json.dumps({"guest_name": "A" * 5000, "check_in": "2026-01-01", "nights": 1}))
    assert status == 413
    assert body["error"]["code"] == "payload_too_large"  # type: ignore[index]


def test_domain_errors_map_to_status_codes(client: Client) -> None:
    status, body, _ = post(client, json.dumps({"guest_name": "taken", "check_in": "2026-01-01", "nights": 1}))
    assert status == 409
    assert body["error"]["details"] == [{"night": "2026-01-01"}]  # type: ignore[index]
    assert client.http.get("/stays/404").status_code == 404
    limited = client.http.get("/stays/429")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "42"


def test_unexpected_errors_are_500_without_internals(client: Client) -> None:
    response = client.http.get("/stays/500")
    assert response.status_code == 500
    body = json.loads(response.body)
    assert body["error"]["code"] == "internal_error"
    assert "secret internal detail" not in response.body.decode()
    assert body["error"]["request_id"] == response.headers["X-Request-Id"]


def test_malformed_path_parameter_is_422_naming_it(client: Client) -> None:
    response = client.http.get("/stays/abc")
    assert response.status_code == 422
    assert json.loads(response.body)["error"]["details"][0]["field"] == "path.stay_id"


def test_query_is_validated_and_pagination_reports_totals(client: Client) -> None:
    response = client.http.get("/stays?status=a&status=b&page=2&page_size=10")
    assert response.status_code == 200
    body = json.loads(response.body)
    assert [item["guest_name"] for item in body["items"]] == ["a", "b"]
    assert (body["total"], body["page"], body["page_size"], body["pages"]) == (102, 2, 10, 11)
    bad = client.http.get("/stays?page_size=1000&colour=red")
    assert bad.status_code == 422
    fields = {d["field"] for d in json.loads(bad.body)["error"]["details"]}
    assert fields == {"query.page_size", "query.colour"}


def test_chalice_generated_errors_use_our_shape(client: Client) -> None:
    response = client.http.request("DELETE", "/stays")
    assert response.status_code == 405
    assert json.loads(response.body)["error"]["code"] == "method_not_allowed"
    response = client.http.post("/stays", headers={"Content-Type": "text/plain"}, body=b"hi")
    assert response.status_code == 415
    assert json.loads(response.body)["error"]["code"] == "unsupported_media_type"


def test_incoming_request_id_is_honoured_and_bad_ones_replaced(client: Client) -> None:
    response = client.http.get("/stays/1", headers={"X-Request-Id": "trace-abc-12345"})
    assert response.headers["X-Request-Id"] == "trace-abc-12345"
    response = client.http.get("/stays/1", headers={"X-Request-Id": "bad id\nwith newline"})
    assert response.headers["X-Request-Id"] != "bad id\nwith newline"
    assert len(response.headers["X-Request-Id"]) == 36


def test_domain_error_fields_are_located_where_the_client_sent_them() -> None:
    from chalicelib.api.errors import qualified_details

    inputs = {"property_id": "path", "page_size": "query", "lines": "body", "date_to": "body"}
    details = [
        {"field": "property_id", "message": "archived"},
        {"field": "page_size"},
        {"field": "lines.0.room_type_id"},
        {"field": "lines[1].night"},
        {"field": "request/property/bookings/booking[0]@status"},  # a webhook's XML path: not an input
        {"field": "body.date_to"},  # already located
        {"night": "2026-01-01"},
    ]
    assert [d.get("field") for d in qualified_details(details, inputs.get)] == [
        "path.property_id",
        "query.page_size",
        "body.lines.0.room_type_id",
        "body.lines[1].night",
        "request/property/bookings/booking[0]@status",
        "body.date_to",
        None,
    ]

"""The wall (chalicelib.api.wall): hostile input is a 4xx on every route, without the route doing anything.

Two halves: the rules themselves through a small app (HTTP status and the field named), and a walk
over every route of the real app proving each path id, body field and query field is reached by
a rule, so a new route (or a new field of a new type) cannot slip past it.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import pytest
from chalice.app import Chalice
from chalice.test import Client
from pydantic import AwareDatetime, BaseModel, Field, SecretStr
from pydantic.fields import FieldInfo

from app import app as real_app
from chalicelib.api import wall
from chalicelib.api.errors import ApiError
from chalicelib.api.middleware import http_middleware
from chalicelib.api.routing import ApiBlueprint, _parse_path_params, endpoints_of
from chalicelib.config import reset_settings


class Line(BaseModel):
    room_type_id: int
    nights: list[date] = Field(default_factory=list)


class Order(BaseModel):
    guest_name: str = Field(max_length=100)
    notes: str | None = None
    check_in: date
    amount: Decimal | None = None
    rates: dict[int, Decimal | None] | None = None
    lines: list[Line] = Field(default_factory=list)


class OrderQuery(BaseModel):
    property_id: int | None = None
    search: str | None = None
    date_from: date | None = None


blueprint = ApiBlueprint(__name__, tag="test")


@blueprint.endpoint("/orders", "POST", summary="create", body=Order, status=201, public=True)
def create_order(body: Order) -> dict[str, str]:
    return {"ok": "yes"}


@blueprint.endpoint("/orders", summary="list", query=OrderQuery, public=True)
def list_orders(query: OrderQuery) -> dict[str, str]:
    return {"ok": "yes"}


@blueprint.endpoint("/orders/{order_id}", summary="get", public=True)
def get_order(order_id: int) -> dict[str, int]:
    return {"id": order_id}


app = Chalice(app_name="wall-test")
app.register_middleware(http_middleware, "http")
app.register_blueprint(blueprint)

VALID = {"guest_name": "Ann", "check_in": "2026-02-01"}


@pytest.fixture
def client() -> Iterator[Client]:
    reset_settings()
    with Client(app) as test_client:
        yield test_client


def post(client: Client, raw: str | bytes) -> tuple[int, dict[str, Any]]:
    response = client.http.post("/orders", headers={"Content-Type": "application/json"}, body=raw)
    return response.status_code, json.loads(response.body or b"{}")


def fields_of(body: dict[str, Any]) -> set[str]:
    return {detail["field"] for detail in body["error"]["details"]}


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 50_000,
        '{"a":' * 20_000,
        "[" * 33 + "]" * 33,
        '{"guest_name": ' + "9" * 5_000 + "}",
        '{"a": NaN}',
        '{"a": -Infinity}',
        '{"a": 1e999}',
        '{"a": ' + "1" * 41 + ".5}",
    ],
    ids=["brackets", "objects", "depth-33", "5000-digits", "nan", "infinity", "overflowing-float", "long-float"],
)
def test_hostile_json_is_400_before_or_while_parsing(client: Client, raw: str) -> None:
    status, body = post(client, raw)
    assert status == 400, body
    assert body["error"]["code"] == "invalid_json"


def test_nesting_within_the_limit_and_brackets_inside_strings_are_fine(client: Client) -> None:
    nested = {**VALID, "notes": "[" * 10_000, "rates": {"1": "10.5"}}
    assert post(client, json.dumps(nested))[0] == 201
    assert wall.parse_json("[" * 32 + "]" * 32) is not None  # the limit itself


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lines": [{"room_type_id": 2378034376142964.0}]}, "body.lines.0.room_type_id"),
        ({"lines": [{"room_type_id": 2_147_483_648}]}, "body.lines.0.room_type_id"),
        ({"lines": [{"room_type_id": 0}]}, "body.lines.0.room_type_id"),
        ({"guest_name": "a\u0000b"}, "body.guest_name"),
        ({"notes": "x" * 10_001}, "body.notes"),
        ({"check_in": "9999-12-31"}, "body.check_in"),
        ({"check_in": "1999-12-31"}, "body.check_in"),
        ({"lines": [{"room_type_id": 1, "nights": ["2026-01-01", "9999-12-31"]}]}, "body.lines.0.nights.1"),
        ({"amount": "1e12"}, "body.amount"),
        ({"rates": {"9223372036854775808": "1"}}, "body.rates.9223372036854775808"),
    ],
)
def test_body_values_beyond_the_wall_are_422_naming_the_field(
    client: Client, change: dict[str, Any], field: str
) -> None:
    status, body = post(client, json.dumps({**VALID, **change}))
    assert status == 422, body
    assert field in fields_of(body)


def test_a_non_integral_float_in_an_integral_field_is_refused(client: Client) -> None:
    status, body = post(client, json.dumps({**VALID, "lines": [{"room_type_id": 1.5}]}))
    assert status == 422 and fields_of(body) == {"body.lines.0.room_type_id"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("property_id=9223372036854775808", "query.property_id"),
        ("property_id=2147483648", "query.property_id"),
        ("search=a%00b", "query.search"),
        ("date_from=9999-12-31", "query.date_from"),
    ],
)
def test_query_values_beyond_the_wall_are_422_naming_the_field(client: Client, query: str, field: str) -> None:
    response = client.http.get(f"/orders?{query}")
    assert response.status_code == 422, response.body
    assert fields_of(json.loads(response.body)) == {field}


@pytest.mark.parametrize("value", ["2147483648", "99999999999999999999", "0", "-1"])
def test_a_path_id_that_cannot_exist_is_404(client: Client, value: str) -> None:
    response = client.http.get(f"/orders/{value}")
    assert response.status_code == 404, response.body
    assert client.http.get("/orders/2147483647").status_code == 200  # negative control: the top of the range


# --- every route of the real app inherits the wall ------------------------------------------------------
HOSTILE: dict[type, Any] = {
    int: 2**31,
    str: "a\x00b",
    date: date(9999, 12, 31),
    datetime: datetime(9999, 12, 31, 23, 59),
    Decimal: Decimal("1e12"),
    float: 1e12,
    AwareDatetime: datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
}
UNCHECKED = (bool, Enum, UUID, type(None))


def leaves(annotation: Any) -> Iterator[tuple[str, Any]]:
    """(suffix, leaf type) for every scalar a value of ``annotation`` can hold."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from leaves(typing.get_args(annotation)[0])
    elif origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            yield from leaves(arg)
    elif origin is typing.Literal:
        return
    elif origin in (list, tuple, set, frozenset):
        for arg in typing.get_args(annotation):
            if arg is not Ellipsis:
                yield from ((f"[0]{suffix}", leaf) for suffix, leaf in leaves(arg))
    elif origin is dict:
        key, value = typing.get_args(annotation)
        yield from ((f"[key]{suffix}", leaf) for suffix, leaf in leaves(key))
        yield from ((f"[value]{suffix}", leaf) for suffix, leaf in leaves(value))
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, info in annotation.model_fields.items():
            yield from ((f".{info.alias or name}{suffix}", leaf) for suffix, leaf in leaves(info.annotation))
    elif annotation is SecretStr:
        yield "", str
    else:
        yield "", annotation


def hostile_instance(model: type[BaseModel], name: str, info: FieldInfo) -> tuple[BaseModel, Any] | None:
    """``model`` (unvalidated) holding a hostile value of the first scalar of field ``name``."""
    for suffix, leaf in leaves(info.annotation):
        if isinstance(leaf, type) and issubclass(leaf, UNCHECKED):
            continue
        assert leaf in HOSTILE, f"{model.__name__}.{name}{suffix}: the wall has no rule for {leaf!r}"
        return model.model_construct(**{name: build(info.annotation, suffix, HOSTILE[leaf])}), leaf
    return None


def build(annotation: Any, suffix: str, value: Any) -> Any:
    """A value of ``annotation`` whose scalar at ``suffix`` is ``value`` (the rest left out)."""
    if not suffix:
        return value
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return build(args[0], suffix, value)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            if any(s == suffix for s, _ in leaves(arg)):
                return build(arg, suffix, value)
    if suffix.startswith("[0]"):
        return [build(args[0], suffix[3:], value)]
    if suffix.startswith("[key]"):
        return {build(args[0], suffix[5:], value): None}
    if suffix.startswith("[value]"):
        return {1: build(args[1], suffix[7:], value)}
    assert isinstance(annotation, type) and issubclass(annotation, BaseModel), (annotation, suffix)
    for name, info in annotation.model_fields.items():
        head = f".{info.alias or name}"
        if suffix.startswith(head) and any(head + s == suffix for s, _ in leaves(info.annotation)):
            return annotation.model_construct(**{name: build(info.annotation, suffix[len(head) :], value)})
    raise AssertionError(f"no field at {suffix} of {annotation}")


def declared_upper(info: FieldInfo) -> Any:
    return wall._bounds(info)[1]


def route_fields() -> Iterator[tuple[str, str, type[BaseModel], str, FieldInfo]]:
    for spec in endpoints_of(real_app):
        for location, model in (("body", spec.body_model), ("query", spec.query_model)):
            if model is not None:
                for name, info in model.model_fields.items():
                    yield f"{spec.method} {spec.path}", location, model, name, info


def test_every_path_id_of_every_route_is_walled() -> None:
    walled = 0
    for spec in endpoints_of(real_app):
        for name, annotation in spec.path_params.items():
            values = {other: "1" if spec.path_params[other] is int else "x" for other in spec.path_params}
            hostile = "2147483648" if annotation is int else "a\x00b"
            with pytest.raises(ApiError) as refused:
                _parse_path_params(spec, {**values, name: hostile})
            assert refused.value.status == 404, f"{spec.method} {spec.path} path.{name}"
            walled += 1
    assert walled >= 40  # the walk really walked


def test_every_body_and_query_field_of_every_route_is_walled() -> None:
    checked = 0
    for route, location, model, name, info in route_fields():
        built = hostile_instance(model, name, info)
        if built is None:
            continue  # booleans, enums, literals: nothing hostile fits
        instance, leaf = built
        if leaf is int and declared_upper(info) is not None:
            # The field's own bound (pydantic enforces it) must sit inside the column's range.
            assert declared_upper(info) <= wall.INT32[1] or wall._extra(info, "wall_int64"), f"{route} {name}"
            continue
        if leaf in (Decimal, float) and declared_upper(info) is not None:
            assert Decimal(str(declared_upper(info))) < wall.MAX_DECIMAL, f"{route} {name}"
            continue
        found = wall.violations(instance, location)
        assert found, f"{route}: {location}.{name} ({leaf.__name__}) passes the wall with a hostile value"
        assert all(detail["field"].startswith(f"{location}.{info.alias or name}") for detail in found)
        checked += 1
    assert checked >= 100  # the walk really walked

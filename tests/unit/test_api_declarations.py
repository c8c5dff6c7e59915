"""The declaration helpers of the API layer: response models derived from views, routes of a resource."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Literal, NamedTuple

import pytest
from chalice.app import Chalice
from pydantic import BaseModel, Field, ValidationError

from chalicelib.api.pagination import Page, PageQuery, filters_from
from chalicelib.api.patching import PatchBody
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint, Endpoint, endpoints_of
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.permissions import Permission

# --- response models derived from views ---------------------------------------------------------------


@dataclass(frozen=True)
class ShelfView:
    id: int
    label: str
    kind: str
    updated_at: datetime | None
    secret: str = "never shown"


@dataclass(frozen=True)
class BookcaseView:
    id: int
    shelves: tuple[ShelfView, ...]


class ShelfOut(ViewModel, view=ShelfView, exclude=("secret",)):
    kind: Literal["wood", "steel"] = Field(description="what it is made of")


class BookcaseOut(ViewModel, view=BookcaseView):
    shelves: list[ShelfOut]


@dataclass(frozen=True)
class ShelfDetailView(ShelfView):
    notes: str = ""


class ShelfDetailOut(ShelfOut, view=ShelfDetailView, exclude=("secret",)):
    pass


def test_a_view_model_has_the_views_fields_in_order_with_overrides_in_place() -> None:
    fields = ShelfOut.model_fields
    assert list(fields) == ["id", "label", "kind", "updated_at"]  # "secret" excluded
    assert fields["id"].annotation is int
    assert fields["updated_at"].annotation == datetime | None
    assert fields["kind"].description == "what it is made of"
    assert all(field.is_required() for field in fields.values())  # the view's defaults are not the API's
    schema = ShelfOut.model_json_schema()
    assert schema["properties"]["kind"]["enum"] == ["wood", "steel"]
    assert schema["required"] == ["id", "label", "kind", "updated_at"]


def test_of_builds_the_model_from_the_view_nested_views_included() -> None:
    case = BookcaseView(id=1, shelves=(ShelfView(2, "top", "wood", None, secret="s3cret"),))
    out = BookcaseOut.of(case)
    assert out.model_dump() == {"id": 1, "shelves": [{"id": 2, "label": "top", "kind": "wood", "updated_at": None}]}
    assert "s3cret" not in out.model_dump_json()
    with pytest.raises(ValidationError, match="kind"):
        ShelfOut.of(ShelfView(3, "bottom", "plastic", None))  # the narrower type still validates


def test_a_derived_model_inherits_its_bases_overrides() -> None:
    fields = ShelfDetailOut.model_fields
    assert list(fields) == ["id", "label", "kind", "updated_at", "notes"]
    assert fields["kind"].description == "what it is made of"
    assert ShelfDetailOut.model_json_schema()["properties"]["kind"]["enum"] == ["wood", "steel"]


class SlotView(NamedTuple):
    shelf_id: int
    position: int
    width_cm: Decimal | None


class SlotOut(ViewModel, view=SlotView):
    width_cm: Decimal | None = Field(description="empty slots have no width")


def test_a_named_tuple_is_a_view_too() -> None:
    assert list(SlotOut.model_fields) == ["shelf_id", "position", "width_cm"]
    assert SlotOut.model_fields["width_cm"].description == "empty slots have no width"
    out = SlotOut.of(SlotView(7, 2, None))
    assert out.model_dump() == {"shelf_id": 7, "position": 2, "width_cm": None}
    with pytest.raises(ValidationError):
        SlotOut.of(SlotView(7, "second", None))  # type: ignore[arg-type]


def test_view_model_declarations_that_cannot_work_fail_at_import() -> None:
    with pytest.raises(TypeError, match="takes a dataclass or a named tuple"):

        class NotAView(ViewModel, view=dict):
            pass

    with pytest.raises(TypeError, match=r"does not have: \['colour'\]"):

        class BadExclude(ViewModel, view=ShelfView, exclude=("colour",)):
            pass


# --- routing reads the models from the view's annotations ---------------------------------------------


class NoteIn(BaseModel):
    text: str


class NoteQuery(PageQuery):
    author: str | None = None


def _specs(blueprint: ApiBlueprint) -> dict[tuple[str, str], Endpoint]:
    # A blueprint registers once (Chalice consumes its deferred route arguments).
    app = Chalice(app_name="declarations")
    app.register_blueprint(blueprint)
    return {(e.path, e.method): e for e in endpoints_of(app)}


def test_body_query_and_response_models_come_from_the_views_annotations() -> None:
    blueprint = ApiBlueprint(__name__, tag="t")

    @blueprint.endpoint("/notes", "POST", summary="add", public=True)
    def add_note(body: NoteIn) -> ShelfOut: ...

    @blueprint.endpoint("/notes", summary="list", public=True)
    def list_notes(query: NoteQuery) -> Page[ShelfOut]: ...

    @blueprint.endpoint("/notes/{note_id}", "DELETE", summary="drop", public=True, status=204)
    def drop_note(note_id: int) -> None: ...

    @blueprint.endpoint("/raw", summary="raw", public=True)
    def raw() -> dict[str, Any]: ...

    specs = _specs(blueprint)
    added, listed = specs[("/notes", "POST")], specs[("/notes", "GET")]
    assert (added.body_model, added.query_model, added.response_model) == (NoteIn, None, ShelfOut)
    assert (listed.body_model, listed.query_model, listed.response_model) == (None, NoteQuery, Page[ShelfOut])
    assert specs[("/notes/{note_id}", "DELETE")].response_model is None
    assert specs[("/raw", "GET")].response_model is None  # a plain dict documents no model


def test_a_body_parameter_that_is_not_a_model_fails_at_import() -> None:
    blueprint = ApiBlueprint(__name__, tag="t")

    def take_anything(body: dict[str, Any]) -> None: ...

    with pytest.raises(TypeError, match="body parameter must be annotated with a pydantic model"):
        blueprint.endpoint("/x", "POST", summary="x", public=True)(take_anything)


# --- routes of a resource ---------------------------------------------------------------------------------


class ShelfUpdate(PatchBody):
    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    label: str | None = None


@dataclass
class ShelfService:
    """Records what the generated views asked for."""

    calls: list[tuple[Any, ...]] = dataclasses.field(default_factory=list)

    def get(self, caller: Caller, shelf_id: int) -> ShelfView:
        self.calls.append(("get", caller, shelf_id))
        return ShelfView(shelf_id, "top", "wood", None)

    def update(self, caller: Caller, shelf_id: int, changes: dict[str, Any]) -> ShelfView:
        self.calls.append(("update", caller, shelf_id, changes))
        return ShelfView(shelf_id, changes["label"], "steel", None)

    def remove(self, caller: Caller, shelf_id: int) -> None:
        self.calls.append(("remove", caller, shelf_id))


def _shelf_routes() -> tuple[Chalice, ShelfService]:
    blueprint = ApiBlueprint(__name__, tag="shelves")
    shelves = Resource(
        blueprint, read=Permission.INVENTORY_READ, write=Permission.INVENTORY_WRITE, kinds={"case_id": "bookcase"}
    )

    @shelves.create("/cases/{case_id}/shelves", "Add a shelf", error_statuses=(409,))
    def add_shelf(caller: Caller, case_id: int, body: NoteIn) -> ShelfOut: ...

    @shelves.post("/cases/{case_id}/dust", "Dust the case")
    def dust_case(caller: Caller, case_id: int) -> None: ...

    @shelves.get("/cases", "Every case", permission=Permission.PROPERTIES_READ)
    def list_cases(caller: Caller) -> list[ShelfOut]: ...

    service = ShelfService()
    shelf = shelves.record("/shelves/{shelf_id}", ShelfOut)
    shelf.get(service.get, "One shelf")
    shelf.update(service.update, ShelfUpdate, "Relabel a shelf", error_statuses=(422,))
    shelf.delete(service.remove, "Take a shelf down", verb="archive")
    app = Chalice(app_name="resources")
    app.register_blueprint(blueprint)
    return app, service


def test_resource_verbs_declare_method_permission_status_and_record_kind() -> None:
    app, _ = _shelf_routes()
    specs = {(e.path, e.method): e for e in endpoints_of(app)}
    added = specs[("/cases/{case_id}/shelves", "POST")]
    assert (added.status_code, added.permission, added.error_statuses) == (
        201,
        Permission.INVENTORY_WRITE,
        (409, 401, 403),
    )
    assert added.path_resources == {"case_id": "bookcase"}
    dusted = specs[("/cases/{case_id}/dust", "POST")]
    assert (dusted.status_code, dusted.permission, dusted.response_model) == (200, Permission.INVENTORY_WRITE, None)
    listed = specs[("/cases", "GET")]
    assert (listed.permission, listed.path_resources) == (Permission.PROPERTIES_READ, {})  # the override wins


def test_record_routes_are_declared_like_handlers_would_be() -> None:
    app, _ = _shelf_routes()
    specs = {(e.path, e.method): e for e in endpoints_of(app)}
    got, updated, archived = (specs[("/shelves/{shelf_id}", m)] for m in ("GET", "PATCH", "DELETE"))
    assert [got.operation_id, updated.operation_id, archived.operation_id] == [
        "get_shelf",
        "update_shelf",
        "archive_shelf",
    ]
    assert (got.permission, updated.permission, archived.permission) == (
        Permission.INVENTORY_READ,
        Permission.INVENTORY_WRITE,
        Permission.INVENTORY_WRITE,
    )
    assert got.path_params == {"shelf_id": int}  # "abc" is a 422 naming path.shelf_id, as for a handler
    assert got.path_resources == updated.path_resources == archived.path_resources == {"shelf_id": "shelf"}
    assert (got.response_model, updated.response_model, archived.response_model) == (ShelfOut, ShelfOut, None)
    assert (updated.body_model, updated.error_statuses) == (ShelfUpdate, (422, 401, 403))
    assert (got.status_code, archived.status_code) == (200, 204)
    assert got.description == ""


def _view(app: Chalice, path: str, method: str) -> Any:
    return app.routes[path][method].view_function.__wrapped__


def test_record_views_call_the_service_with_the_caller_and_id_and_answer_the_model() -> None:
    app, service = _shelf_routes()
    caller = object()  # passed through untouched
    assert _view(app, "/shelves/{shelf_id}", "GET")(caller=caller, shelf_id=7) == ShelfOut(
        id=7, label="top", kind="wood", updated_at=None
    )
    answer = _view(app, "/shelves/{shelf_id}", "PATCH")(caller=caller, shelf_id=7, body=ShelfUpdate(label="new"))
    assert answer == ShelfOut(id=7, label="new", kind="steel", updated_at=None)
    assert _view(app, "/shelves/{shelf_id}", "DELETE")(caller=caller, shelf_id=8) is None
    assert service.calls == [
        ("get", caller, 7),
        ("update", caller, 7, {"label": "new"}),  # only the fields sent
        ("remove", caller, 8),
    ]


def test_a_record_update_body_must_say_what_changed() -> None:
    blueprint = ApiBlueprint(__name__, tag="t")
    shelf = Resource(blueprint, read=Permission.INVENTORY_READ, write=Permission.INVENTORY_WRITE).record(
        "/shelves/{shelf_id}", ShelfOut
    )
    with pytest.raises(TypeError, match="NoteIn has no changes"):
        shelf.update(ShelfService().update, NoteIn, "Relabel")


# --- list filters from a query ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseFilters:
    label: str | None = None
    kinds: tuple[str, ...] = ()
    is_open: bool | None = None


class CaseQuery(PageQuery):
    label: str | None = None
    kind: list[Literal["wood", "steel"]] = Field(default_factory=list)
    colour: str | None = None


def test_filters_from_copies_the_fields_by_name_and_takes_the_others_given() -> None:
    query = CaseQuery(page=2, label="top", kind=["wood"], colour="red")
    filters = filters_from(query, CaseFilters, kinds=tuple(query.kind))
    assert filters == CaseFilters(label="top", kinds=("wood",), is_open=None)  # no page, no colour
    assert filters_from(query, CaseFilters, label=None).label is None  # given wins over the query's

"""Property ↔ OTA connections, their room type and rate plan mappings, and mapping proposals."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, model_validator

from chalicelib.api.pagination import Page, PageQuery, filters_from
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import request_body_config
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.ota_accounts import MAX_POLL_INTERVAL_SECONDS, MIN_POLL_INTERVAL_SECONDS, ConnectionHealth
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_connections import (
    ConnectionFilters,
    ConnectionRecord,
    ProposalRecord,
    RatePlanMappingRecord,
    RoomTypeMappingRecord,
)
from chalicelib.domain.ota_mappings import ProposalStatus
from chalicelib.domain.permissions import Permission
from chalicelib.services import ota_connection_service, ota_mapping_service, ota_proposal_service
from chalicelib.services.ota_mapping_service import MappingCheck, MappingProblem
from chalicelib.services.ota_proposal_service import AcceptedProposal

blueprint = ApiBlueprint(__name__, tag="ota-connections")
connections = Resource(
    blueprint,
    read=Permission.OTA_ACCOUNTS_READ,
    write=Permission.OTA_CONNECTIONS_WRITE,
    kinds={"connection_id": "ota_connection", "mapping_id": "room_type_mapping", "proposal_id": "mapping_proposal"},
)

OtaId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
PollInterval = Annotated[int, Field(ge=MIN_POLL_INTERVAL_SECONDS, le=MAX_POLL_INTERVAL_SECONDS)]
VERIFY_DESCRIPTION = "first check with the OTA (discovery, a real call) that it reports these ids"


# --- response models ---------------------------------------------------------------------------------------


class ConnectionOut(ViewModel, view=ConnectionRecord):
    poll_interval_seconds: int | None = Field(description="override; null = the global sync_poll_interval_seconds")
    health: str = Field(description="ok, degraded or failing")


class RoomTypeMappingOut(ViewModel, view=RoomTypeMappingRecord):
    pass


class RatePlanMappingOut(ViewModel, view=RatePlanMappingRecord):
    pass


class ProposalOut(ViewModel, view=ProposalRecord):
    kind: str = Field(description="room_type or rate_plan")
    room_type_id: int | None = Field(description="suggested (or, once accepted, mapped) room type")
    match_reason: str | None = Field(description="code, name or similar_name; null = no suggestion")
    status: str = Field(description="proposed, accepted or rejected")


class AcceptedProposalOut(ViewModel, view=AcceptedProposal):
    proposal: ProposalOut
    room_type_mapping: RoomTypeMappingOut | None
    rate_plan_mapping: RatePlanMappingOut | None


class MappingProblemOut(ViewModel, view=MappingProblem):
    pass


class MappingCheckOut(ViewModel, view=MappingCheck):
    ok: bool = Field(description="every mapping names a room / rate plan the OTA reports")
    problems: list[MappingProblemOut]
    unmapped: list[MappingProblemOut] = Field(description="OTA rooms and rate plans nothing of ours maps")
    error: str | None = Field(description="the OTA could not be asked; nothing was checked")


# --- request models -------------------------------------------------------------------------------------------


class ConnectionQuery(PageQuery):
    property_id: int | None = Field(default=None, ge=1)
    ota_account_id: int | None = Field(default=None, ge=1)
    ota: OtaCode | None = None
    health: ConnectionHealth | None = None
    is_active: bool | None = None


class ConnectionCreate(BaseModel):
    model_config = request_body_config({"property_id": 1, "ota_account_id": 1, "ota_hotel_id": "1234567"})

    property_id: int = Field(ge=1)
    ota_account_id: int = Field(ge=1)
    ota_hotel_id: OtaId
    is_active: bool = True
    poll_interval_seconds: PollInterval | None = None
    verify_with_ota: bool = Field(default=False, description=VERIFY_DESCRIPTION)


class ConnectionUpdate(BaseModel):
    model_config = request_body_config({"is_active": False})

    ota_hotel_id: OtaId | None = None
    is_active: bool | None = None
    poll_interval_seconds: PollInterval | None = Field(default=None, description="null: the global setting")
    verify_with_ota: bool = Field(default=False, description=VERIFY_DESCRIPTION)

    @model_validator(mode="after")
    def _something_to_change(self) -> ConnectionUpdate:
        if not self.model_fields_set - {"verify_with_ota"}:
            raise ValueError("give at least one of ota_hotel_id, is_active, poll_interval_seconds")
        for name in ("ota_hotel_id", "is_active"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class RoomTypeMappingCreate(BaseModel):
    model_config = request_body_config({"room_type_id": 1, "ota_room_id": "DLX"})

    room_type_id: int = Field(ge=1)
    ota_room_id: OtaId
    verify_with_ota: bool = Field(default=False, description=VERIFY_DESCRIPTION)


class RoomTypeMappingUpdate(BaseModel):
    model_config = request_body_config({"ota_room_id": "DLX"})

    ota_room_id: OtaId
    verify_with_ota: bool = Field(default=False, description=VERIFY_DESCRIPTION)


class RatePlanMappingCreate(BaseModel):
    model_config = request_body_config({"rate_plan_id": 1, "ota_rate_plan_id": "BAR"})

    rate_plan_id: int = Field(ge=1)
    ota_rate_plan_id: OtaId
    ota_room_id: OtaId | None = Field(
        default=None, description="optional: must be the OTA room the rate plan's room type is mapped to"
    )
    verify_with_ota: bool = Field(default=False, description=VERIFY_DESCRIPTION)


class RatePlanMappingUpdate(BaseModel):
    model_config = request_body_config({"ota_rate_plan_id": "BAR"})

    ota_rate_plan_id: OtaId
    verify_with_ota: bool = Field(default=False, description=VERIFY_DESCRIPTION)


class ProposalQuery(PageQuery):
    status: ProposalStatus | None = None


class ProposalAccept(BaseModel):
    model_config = request_body_config({"room_type_id": 1})

    room_type_id: int | None = Field(default=None, ge=1, description="instead of the suggestion (room proposals)")
    rate_plan_id: int | None = Field(default=None, ge=1, description="instead of the suggestion (rate proposals)")


# --- connections -------------------------------------------------------------------------------------------------


@connections.get("/ota-connections", "List connections of properties in your country scope")
def list_ota_connections(caller: Caller, query: ConnectionQuery) -> Page[ConnectionOut]:
    filters = filters_from(
        query,
        ConnectionFilters,
        ota_code=query.ota.value if query.ota else None,
        health=query.health.value if query.health else None,
    )
    records, total = ota_connection_service.list_connections(
        caller, filters, offset=query.offset, limit=query.page_size
    )
    return Page.of([ConnectionOut.of(r) for r in records], total, query)


connection = connections.record("/ota-connections/{connection_id}", ConnectionOut)
connection.create(
    ota_connection_service.create_connection,
    ConnectionCreate,
    "Connect a property to an OTA account",
    build=ota_connection_service.NewConnection,
    description="A property is connected once per OTA; an OTA hotel id once per account.",
    error_statuses=(409,),
)
connection.get(ota_connection_service.get_connection, "One connection, with its sync health")
connection.update(
    ota_connection_service.update_connection,
    ConnectionUpdate,
    "Change the hotel id, activate / deactivate, or override the poll interval",
    error_statuses=(409,),
)
connection.delete(
    ota_connection_service.delete_connection, "Disconnect the property (its mappings and proposals go too)"
)


@connections.post(
    "/ota-connections/{connection_id}/mapping-check", "Check the connection's mappings against what the OTA reports now"
)
def check_ota_mappings(caller: Caller, connection_id: int) -> MappingCheckOut:
    """A real discovery call for the connection's hotel; lists mappings naming rooms or rate plans
    the OTA does not report, and OTA items nothing maps. Changes nothing."""
    return MappingCheckOut.of(ota_mapping_service.verify_mappings(caller, connection_id))


# --- room type and rate plan mappings: the same five routes each -------------------------------------------


@dataclass(frozen=True)
class _MappingRoutes:
    """What the routes of one kind of mapping differ by: the kind (``room_type_mapping``, which
    names the paths and the operation ids), its models, its service functions and the summaries."""

    kind: str
    out: type[ViewModel]
    create_body: type[BaseModel]
    update_body: type[BaseModel]
    list_page: Callable[..., tuple[Sequence[Any], int]]
    create: Callable[..., Any]
    get: Callable[[Caller, int], Any]
    update: Callable[..., Any]
    delete: Callable[[Caller, int], None]
    summaries: tuple[str, str, str, str, str]  # list, create, get, update, delete

    def declare(self) -> None:
        """``GET``/``POST /ota-connections/{connection_id}/<kind>s`` and ``GET``/``PATCH``/``DELETE
        /<kind>s/{mapping_id}`` (operation ids ``list_<kind>s``, ``create_<kind>``, ``get_<kind>`` …)."""
        path = "/" + self.kind.replace("_", "-") + "s"
        list_summary, create_summary, get_summary, update_summary, delete_summary = self.summaries
        out = self.out

        def list_view(caller: Caller, connection_id: int, query: PageQuery) -> Page[Any]:
            records, total = self.list_page(caller, connection_id, offset=query.offset, limit=query.page_size)
            return Page.of([out.of(r) for r in records], total, query)

        def create_view(caller: Caller, connection_id: int, body: BaseModel) -> ViewModel:
            return out.of(self.create(caller, connection_id, **body.model_dump()))

        def update_view(caller: Caller, mapping_id: int, body: BaseModel) -> ViewModel:
            return out.of(self.update(caller, mapping_id, **body.model_dump()))

        collection = "/ota-connections/{connection_id}" + path
        writes = {"response": out, "error_statuses": (409, 503)}
        connections.get(collection, list_summary, query=PageQuery, response=Page[out])(  # type: ignore[valid-type]
            _named(list_view, f"list_{self.kind}s")
        )
        connections.create(collection, create_summary, body=self.create_body, **writes)(
            _named(create_view, f"create_{self.kind}")
        )
        record = connections.record(path + "/{mapping_id}", out, kind=self.kind)
        record.get(self.get, get_summary)
        connections.patch(
            path + "/{mapping_id}", update_summary, body=self.update_body, scoped_resource=self.kind, **writes
        )(_named(update_view, f"update_{self.kind}"))
        record.delete(self.delete, delete_summary)


def _named(view: Callable[..., Any], name: str) -> Callable[..., Any]:
    view.__name__ = view.__qualname__ = name  # the operation id
    return view


_MappingRoutes(
    "room_type_mapping",
    RoomTypeMappingOut,
    RoomTypeMappingCreate,
    RoomTypeMappingUpdate,
    ota_mapping_service.list_room_type_mappings,
    ota_mapping_service.create_room_type_mapping,
    ota_mapping_service.get_room_type_mapping,
    ota_mapping_service.update_room_type_mapping,
    ota_mapping_service.delete_room_type_mapping,
    (
        "The connection's room type ↔ OTA room mappings",
        "Map a room type of the property to an OTA room",
        "One room type mapping",
        "Point the room type at another OTA room (its rate plan mappings follow)",
        "Unmap the room type (and its rate plans) on this connection",
    ),
).declare()
_MappingRoutes(
    "rate_plan_mapping",
    RatePlanMappingOut,
    RatePlanMappingCreate,
    RatePlanMappingUpdate,
    ota_mapping_service.list_rate_plan_mappings,
    ota_mapping_service.create_rate_plan_mapping,
    ota_mapping_service.get_rate_plan_mapping,
    ota_mapping_service.update_rate_plan_mapping,
    ota_mapping_service.delete_rate_plan_mapping,
    (
        "The connection's rate plan ↔ OTA rate plan mappings",
        "Map a rate plan to an OTA rate plan (under its room type's OTA room)",
        "One rate plan mapping",
        "Point the rate plan at another OTA rate plan of the same OTA room",
        "Unmap the rate plan on this connection",
    ),
).declare()


# --- proposals ---------------------------------------------------------------------------------------------------


@connections.get(
    "/ota-connections/{connection_id}/mapping-proposals",
    "Mappings proposed from discovery (import them at /ota-accounts/{id}/discovery/import)",
)
def list_mapping_proposals(caller: Caller, connection_id: int, query: ProposalQuery) -> Page[ProposalOut]:
    records, total = ota_proposal_service.list_proposals(
        caller,
        connection_id,
        status=query.status.value if query.status else None,
        offset=query.offset,
        limit=query.page_size,
    )
    return Page.of([ProposalOut.of(r) for r in records], total, query)


@connections.post(
    "/ota-connections/{connection_id}/mapping-proposals/accept-all",
    "Accept every open proposal that has a suggestion (rooms first)",
)
def accept_all_mapping_proposals(caller: Caller, connection_id: int) -> list[AcceptedProposalOut]:
    """Proposals that cannot be accepted (no suggestion, something already mapped) stay open."""
    return [AcceptedProposalOut.of(r) for r in ota_proposal_service.accept_all_proposals(caller, connection_id)]


connections.record("/mapping-proposals/{proposal_id}", ProposalOut).get(
    ota_proposal_service.get_proposal, "One mapping proposal"
)


@connections.post(
    "/mapping-proposals/{proposal_id}/accept",
    "Accept a proposal: create its mapping (the suggestion, or the room type / rate plan given)",
    body_required=False,
    error_statuses=(409,),
)
def accept_mapping_proposal(caller: Caller, proposal_id: int, body: ProposalAccept) -> AcceptedProposalOut:
    """A rate plan proposal needs its OTA room mapped first (accept the room proposal)."""
    result = ota_proposal_service.accept_proposal(
        caller, proposal_id, room_type_id=body.room_type_id, rate_plan_id=body.rate_plan_id
    )
    return AcceptedProposalOut.of(result)


@connections.post(
    "/mapping-proposals/{proposal_id}/reject",
    "Reject a proposal (a re-import leaves it rejected)",
    error_statuses=(409,),
)
def reject_mapping_proposal(caller: Caller, proposal_id: int) -> ProposalOut:
    return ProposalOut.of(ota_proposal_service.reject_proposal(caller, proposal_id))

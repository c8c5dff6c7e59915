"""Hardblocks: guaranteed room blocks, their amendments (previewed first), release, cancel, revert, versions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.pagination import Page, PageQuery, filtered_page
from chalicelib.api.patching import PatchBody
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import Rooms, request_body_config
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.hardblock_release import MAX_RELEASE_DAYS_BEFORE
from chalicelib.domain.hardblocks import (
    Amendment,
    AmendmentKind,
    BlockDiff,
    BlockFilters,
    BlockGuarantee,
    BlockNightRow,
    BlockPlan,
    BlockRecord,
    BlockStatus,
)
from chalicelib.domain.inventory import Shortage
from chalicelib.domain.nights import NightRange
from chalicelib.domain.permissions import Permission
from chalicelib.services import hardblock_service

blueprint = ApiBlueprint(__name__, tag="hardblocks")
blocks = Resource(
    blueprint, read=Permission.CONTRACTS_READ, write=Permission.CONTRACTS_WRITE, kinds={"block_id": "hardblock"}
)

MAX_BLOCK_NIGHTS = 731  # two years of nights per allocation or amendment
ROLLING = (
    "rolling release: each night's rooms not picked up go back to the pool this many days before the night "
    "(property's local date; 0: on the night) instead of all at the cut-off; null: all at the cut-off date"
)
_EXAMPLE_NIGHTS = {"date_from": "2030-07-01", "date_to": "2030-07-03"}


class AllocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    room_type_id: int = Field(ge=1)
    date_from: date = Field(description="first night (inclusive)")
    date_to: date = Field(description="last night (inclusive)")
    rooms: Rooms = Field(description="rooms per night")
    rate: Decimal = Field(ge=0, description="rate per room and night, in the property's currency")


class BlockCreate(BaseModel):
    model_config = request_body_config(
        {
            "property_id": 1,
            "agency_id": 1,
            "guarantee": "definite",
            "cut_off_date": "2030-06-15",
            "allocations": [{"room_type_id": 1, **_EXAMPLE_NIGHTS, "rooms": 10, "rate": "1500000"}],
        }
    )

    property_id: int = Field(ge=1)
    agency_id: int | None = Field(default=None, ge=1, description="the agency holding the block, or give group_name")
    group_name: str = Field(default="", max_length=200, description="the group (wedding, tour) the block is for")
    guarantee: BlockGuarantee = Field(description="definite: withholds its rooms at once; tentative: reserves nothing")
    cut_off_date: date = Field(description="the date unpicked rooms go back to the pool; on or before the first night")
    release_days_before: int | None = Field(default=None, ge=0, le=MAX_RELEASE_DAYS_BEFORE, description=ROLLING)
    notes: str = Field(default="", max_length=5000)
    allocations: list[AllocationIn] = Field(max_length=200, description="rooms and rate per room type and nights")


class AmendmentIn(BaseModel):
    model_config = request_body_config(
        {"kind": "overlay", **_EXAMPLE_NIGHTS, "room_type_ids": [1], "rooms": 8, "rate": "1400000"}
    )

    kind: AmendmentKind = Field(
        description="overlay (rooms/rate on a sub-range), release, guarantee, cancel, revert (to_version)"
    )
    date_from: date | None = Field(default=None, description="first night (inclusive); default every night")
    date_to: date | None = Field(default=None, description="last night (inclusive)")
    room_type_ids: list[int] | None = Field(default=None, max_length=100, description="default every room type")
    rooms: Rooms | None = Field(default=None, description="overlay: rooms per night; release: rooms given back")
    rate: Decimal | None = Field(default=None, ge=0, description="overlay: rate per room and night")
    guarantee: BlockGuarantee | None = None
    to_version: int | None = Field(default=None, ge=1, description="revert: the version to go back to")


class BlockUpdate(PatchBody):
    model_config = request_body_config({"cut_off_date": "2030-06-20", "release_days_before": 7})
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"release_days_before"})

    cut_off_date: date | None = Field(
        default=None, description="from the property's today to the block's first night (auto-release: that date)"
    )
    release_days_before: int | None = Field(default=None, ge=0, le=MAX_RELEASE_DAYS_BEFORE, description=ROLLING)
    notes: str | None = Field(default=None, max_length=5000)


class BlockNightOut(ViewModel, view=BlockNightRow):
    rooms: int = Field(description="rooms held in the block")
    released: int = Field(description="rooms released back to the pool")
    picked_up: int = Field(description="of rooms, those taken by bookings (sold in the calendar, no longer blocked)")


class BlockOut(ViewModel, view=BlockRecord):
    nights: list[BlockNightOut]


class BlockQuery(PageQuery):
    property_id: int | None = Field(default=None, ge=1)
    agency_id: int | None = Field(default=None, ge=1)
    status: BlockStatus | None = None


class BlockDiffOut(ViewModel, view=BlockDiff):
    delta: int = Field(description="rooms_after - rooms_before")
    withheld_before: int = Field(description="rooms the block withheld from the pool before")
    pool_delta: int = Field(description="how the pool (what OTAs and direct may sell) moves")
    pool_before: int | None = Field(description="the pool before (null: the calendar has no such night)")
    otas: list[str] = Field(
        default_factory=list,
        description="the OTAs whose availability of this room type and night the change moves "
        "(active connections mapping the room type; empty when the pool does not move)",
    )


class ShortageOut(ViewModel, view=Shortage):
    requested: int = Field(description="rooms the change would withhold more")
    available: int = Field(description="rooms free that night")


class AmendmentPreviewOut(BaseModel):
    block_id: int
    version: int = Field(description="the block's current version (the change would make the next)")
    changed: bool
    refused: bool = Field(description="true: applying would be refused (409) for the cells in shortages")
    shortages: list[ShortageOut]
    diff: list[BlockDiffOut] = Field(description="per room type and night the change touches")


class AmendmentOut(BaseModel):
    block: BlockOut
    diff: list[BlockDiffOut]


class BlockVersionOut(BaseModel):
    version: int
    block: dict[str, Any]


def _nights(date_from: date | None, date_to: date | None, prefix: str) -> NightRange | None:
    if date_from is None and date_to is None:
        return None
    if date_from is None or date_to is None:
        missing = f"{prefix}date_to" if date_to is None else f"{prefix}date_from"
        raise InvalidInput(
            f"{missing}: give both date_from and date_to, or neither",
            details=[{"field": missing, "message": "give both date_from and date_to, or neither"}],
        )
    if (date_to - date_from).days >= MAX_BLOCK_NIGHTS or date_to == date.max:
        raise InvalidInput(
            f"{prefix}date_to: at most {MAX_BLOCK_NIGHTS} nights from date_from",
            details=[{"field": f"{prefix}date_to", "message": f"at most {MAX_BLOCK_NIGHTS} nights from date_from"}],
        )
    return NightRange.through(date_from, date_to, start_field=f"{prefix}date_from", end_field=f"{prefix}date_to")


def _amendment(body: AmendmentIn) -> Amendment:
    return Amendment(
        body.kind,
        _nights(body.date_from, body.date_to, "body."),
        None if body.room_type_ids is None else frozenset(body.room_type_ids),
        body.rooms,
        body.rate,
        body.guarantee,
        body.to_version,
    )


def _allocation(index: int, allocation: AllocationIn) -> Amendment:
    nights = _nights(allocation.date_from, allocation.date_to, f"body.allocations.{index}.")
    return Amendment(
        AmendmentKind.OVERLAY, nights, frozenset({allocation.room_type_id}), allocation.rooms, allocation.rate
    )


def _diff(plan: BlockPlan) -> list[BlockDiffOut]:
    return [BlockDiffOut.of(row).model_copy(update={"otas": list(plan.otas_told(row))}) for row in plan.diff]


def preview_out(current: BlockRecord, plan: BlockPlan) -> AmendmentPreviewOut:
    return AmendmentPreviewOut(
        block_id=current.id,
        version=current.version,
        changed=plan.changed,
        refused=bool(plan.shortages),
        shortages=[ShortageOut.of(shortage) for shortage in plan.shortages],
        diff=_diff(plan),
    )


@blocks.get("/hardblocks", "List hardblocks in your scope")
def list_blocks(caller: Caller, query: BlockQuery) -> Page[BlockOut]:
    return filtered_page(caller, query, BlockFilters, hardblock_service.list_blocks, BlockOut)


@blocks.create(
    "/hardblocks",
    "Create a block; a definite one withholds its rooms from every other channel at once (409 naming short nights)",
    error_statuses=(409, 422),
)
def create_block(caller: Caller, body: BlockCreate) -> BlockOut:
    fields = body.model_dump(exclude={"allocations"})
    allocations = [_allocation(index, allocation) for index, allocation in enumerate(body.allocations)]
    return BlockOut.of(hardblock_service.create_block(caller, fields, allocations))


block = blocks.record("/hardblocks/{block_id}", BlockOut)
block.get(hardblock_service.get_block, "One block with its nights")
block.update(
    hardblock_service.update_block,
    BlockUpdate,
    "Edit an active block's terms (cut-off, rolling release, notes): a new version, audited; the next"
    " housekeeping run (each minute) releases what the new terms make due",
    error_statuses=(422,),
)


@blocks.delete("/hardblocks/{block_id}", "Cancel a block: its rooms go back to the pool (history stays)", status=200)
def cancel_block(caller: Caller, block_id: int) -> BlockOut:
    return BlockOut.of(hardblock_service.cancel_block(caller, block_id))


@blocks.get("/hardblocks/{block_id}/versions", "Every version of a block, oldest first")
def list_block_versions(caller: Caller, block_id: int) -> list[BlockVersionOut]:
    return [
        BlockVersionOut(version=version, block=snapshot)
        for version, snapshot in hardblock_service.block_versions(caller, block_id)
    ]


@blocks.post(
    "/hardblocks/{block_id}/amendments/preview",
    "Preview an amendment: per room type and night before, after, delta and the pool's side; writes nothing",
    error_statuses=(422,),
)
def preview_amendment(caller: Caller, block_id: int, body: AmendmentIn) -> AmendmentPreviewOut:
    return preview_out(*hardblock_service.change_block(caller, block_id, _amendment(body), apply=False))


@blocks.post(
    "/hardblocks/{block_id}/amendments",
    "Apply an amendment exactly as previewed: a new version, audited; the pool and the OTAs follow",
    error_statuses=(409, 422),
)
def apply_amendment(caller: Caller, block_id: int, body: AmendmentIn) -> AmendmentOut:
    return amendment_out(*hardblock_service.change_block(caller, block_id, _amendment(body), apply=True))


def amendment_out(record: BlockRecord, plan: BlockPlan) -> AmendmentOut:
    return AmendmentOut(block=BlockOut.of(record), diff=_diff(plan))

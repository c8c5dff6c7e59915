"""Bulk release and bulk extend of hardblocks: several blocks, or every active block of an agency, all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

from chalicelib.api.hardblocks import (
    MAX_BLOCK_NIGHTS,
    AmendmentOut,
    AmendmentPreviewOut,
    _nights,
    amendment_out,
    preview_out,
)
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import Rooms, request_body_config
from chalicelib.domain.access import Caller
from chalicelib.domain.hardblock_release import MAX_BULK_BLOCKS, BlockSelection, Extension
from chalicelib.domain.hardblocks import Amendment, AmendmentKind, BlockPlan, BlockRecord
from chalicelib.domain.permissions import Permission
from chalicelib.services import hardblock_release

MAX_RATE = Decimal("99999999999.999")  # NUMERIC(14, 3)
RecordId = Annotated[int, Field(ge=1, le=2_147_483_647)]  # an integer primary key

blueprint = ApiBlueprint(__name__, tag="hardblocks")
blocks = Resource(blueprint, read=Permission.CONTRACTS_READ, write=Permission.CONTRACTS_WRITE)

_REFUSALS = (
    " All or nothing, in one transaction: the first block refused (not active, a night short of rooms, a bad"
    " cut-off) answers 409 (insufficient_inventory, each detail with block_id, room_type_id and night) or 422"
    " (details with block_id and the field: body.block_ids.<i> or body.agency_id for the block itself), and no"
    " block is changed."
)


class BulkSelectionIn(BaseModel):
    block_ids: list[RecordId] | None = Field(
        default=None, max_length=MAX_BULK_BLOCKS, description="the blocks to change; or give agency_id"
    )
    agency_id: RecordId | None = Field(default=None, description="every active block of this agency")
    date_from: date | None = Field(default=None, description="first night (inclusive); default every night")
    date_to: date | None = Field(default=None, description="last night (inclusive)")
    room_type_ids: list[RecordId] | None = Field(default=None, max_length=100, description="default every room type")

    def selection(self) -> BlockSelection:
        return BlockSelection(None if self.block_ids is None else tuple(self.block_ids), self.agency_id)

    def amendment(self, kind: AmendmentKind, rooms: int | None, rate: Decimal | None = None) -> Amendment:
        room_type_ids = None if self.room_type_ids is None else frozenset(self.room_type_ids)
        return Amendment(kind, _nights(self.date_from, self.date_to, "body."), room_type_ids, rooms, rate)


class BulkReleaseIn(BulkSelectionIn):
    model_config = request_body_config(
        {"block_ids": [1, 2]}, {"agency_id": 1, "date_from": "2030-07-01", "date_to": "2030-07-03"}
    )

    rooms: Rooms | None = Field(
        default=None, description="rooms given back per night; default every room not picked up"
    )


class BulkExtendIn(BulkSelectionIn):
    model_config = request_body_config(
        {"agency_id": 1, "cut_off_date": "2030-06-25"},
        {"block_ids": [1, 2], "date_from": "2030-07-04", "date_to": "2030-07-05", "rooms": 5, "rate": "1500000"},
    )

    cut_off_date: date | None = Field(
        default=None, description="the new cut-off: from the property's today to each block's first night"
    )
    rooms: Rooms | None = Field(default=None, description="nights overlay: rooms per night")
    rate: Decimal | None = Field(
        default=None, ge=0, le=MAX_RATE, decimal_places=3, description="nights overlay: rate per room and night"
    )

    def extension(self) -> Extension:
        nights = any(value is not None for value in (self.date_from, self.date_to, self.rooms, self.rate))
        overlay = self.amendment(AmendmentKind.OVERLAY, self.rooms, self.rate) if nights else None
        return Extension(self.cut_off_date, overlay)


class BulkPreviewOut(BaseModel):
    refused: bool = Field(description="true: applying would be refused (409) for the cells in a block's shortages")
    blocks: list[AmendmentPreviewOut] = Field(description="per block (by id), as its own amendment preview")


class BulkOut(BaseModel):
    blocks: list[AmendmentOut] = Field(description="per block (by id): the block as it is now and what changed")


Outcomes = list[tuple[BlockRecord, BlockPlan]]


def _preview(outcomes: Outcomes) -> BulkPreviewOut:
    previews = [preview_out(record, plan) for record, plan in outcomes]
    return BulkPreviewOut(refused=any(preview.refused for preview in previews), blocks=previews)


def _applied(outcomes: Outcomes) -> BulkOut:
    return BulkOut(blocks=[amendment_out(record, plan) for record, plan in outcomes])


_RELEASE = (
    "Bulk release: give back, on every block named (block_ids) or every active block of an agency (agency_id), the"
    " rooms not picked up (or `rooms` a night) on the nights and room types given (default all): each block gets"
    " a release version, audited, and the pool and the OTAs get the rooms."
)
_EXTEND = (
    "Bulk extend: on every block named (block_ids) or every active block of an agency (agency_id), move the"
    " cut-off to `cut_off_date` and/or overlay nights: `date_from`..`date_to` (room_type_ids: default each"
    " block's own) get `rooms` and/or `rate` exactly as an overlay amendment (a night the block lacks is added"
    f" and needs both; at most {MAX_BLOCK_NIGHTS} nights). Each block changed gets one version, audited; a"
    " definite block withholds the rooms added from the pool (refused if a night lacks them)."
)


def _bulk_routes(
    verb: str, model: type[BulkSelectionIn], change: Callable[[Caller, Any, bool], Outcomes], description: str
) -> None:
    """The two routes of a bulk change: ``/hardblocks/bulk/<verb>/preview`` writes nothing (operation
    ``preview_bulk_<verb>``); ``/hardblocks/bulk/<verb>`` applies it, all or nothing (``bulk_<verb>``).
    ``change`` runs it for the caller and the body (a ``model``), applying it or not."""

    def preview(caller: Caller, body: BulkSelectionIn) -> BulkPreviewOut:
        return _preview(change(caller, body, False))

    def apply(caller: Caller, body: BulkSelectionIn) -> BulkOut:
        return _applied(change(caller, body, True))

    preview.__name__ = preview.__qualname__ = f"preview_bulk_{verb}"
    apply.__name__ = apply.__qualname__ = f"bulk_{verb}"
    path = f"/hardblocks/bulk/{verb}"
    summary = f"Preview a bulk {verb}; writes nothing"
    blocks.post(path + "/preview", summary, body=model, description=description, error_statuses=(422,))(preview)
    summary = f"{verb.capitalize()} several blocks at once, all or nothing"
    blocks.post(path, summary, body=model, description=description + _REFUSALS, error_statuses=(409, 422))(apply)


def _release(caller: Caller, body: BulkReleaseIn, apply: bool) -> Outcomes:
    amendment = body.amendment(AmendmentKind.RELEASE, body.rooms)
    return hardblock_release.bulk_release(caller, body.selection(), amendment, apply=apply)


def _extend(caller: Caller, body: BulkExtendIn, apply: bool) -> Outcomes:
    return hardblock_release.bulk_extend(caller, body.selection(), body.extension(), apply=apply)


_bulk_routes("release", BulkReleaseIn, _release, _RELEASE)
_bulk_routes("extend", BulkExtendIn, _extend, _EXTEND)

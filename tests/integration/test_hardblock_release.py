"""Hardblock release (real PostgreSQL, the HTTP app): auto-release at the property's local cut-off,
rolling release, the terms PATCH, bulk release / extend all or nothing, and overlapping housekeeping
runs (claim-safe with ``SKIP LOCKED``; the negative control without the locks must fail).

The housekeeping task is driven as the schedule runs it, with a clock set to chosen UTC instants:
the same instant is past one property's local cut-off and not the other's.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from chalicelib.db.unit_of_work import SqlUnitOfWork, unit_of_work
from chalicelib.domain.access import CountryScope
from chalicelib.domain.hardblocks import Amendment, AmendmentKind, BlockGuarantee
from chalicelib.domain.nights import NightRange
from chalicelib.domain.permissions import Permission
from chalicelib.services import hardblock_release, hardblock_service
from tests.booking_factories import Hotel, make_caller, make_hotel, point_at_moto
from tests.factories import Identity
from tests.integration.test_allotments_api import ari_availability, blocked, new_agency, staff
from tests.integration.test_hardblocks_api import block_body
from tests.support.calendar_api import Api, table_count
from tests.support.races import run_at_once


@pytest.fixture(autouse=True)
def _relays_go_to_moto(moto_server: object, monkeypatch: pytest.MonkeyPatch) -> None:
    point_at_moto(moto_server, monkeypatch)


def hotel_in(timezone: str, rooms: int = 5) -> Hotel:
    hotel = make_hotel(rooms=(rooms,))
    with unit_of_work() as uow:
        uow.session.execute(
            text("UPDATE properties SET timezone = :tz WHERE id = :id"), {"tz": timezone, "id": hotel.property_id}
        )
    return hotel


def local_instant(day: date, timezone: str, hour: int = 0, minute: int = 0) -> datetime:
    """The UTC instant of ``hour:minute`` on ``day`` in ``timezone``."""
    return datetime.combine(day, clock_time(hour, minute), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def release_at(instant: datetime) -> dict[str, int]:
    return hardblock_release.release_due_blocks(clock=lambda: instant)


def auto_released(block_id: int) -> int:
    return table_count(
        "audit_log",
        "entity_type = 'hardblock' AND entity_id = :id AND action = 'hardblock.auto_released'",
        id=str(block_id),
    )


def test_the_same_utc_instant_releases_a_block_in_auckland_at_its_cut_off_and_not_one_in_jakarta(
    identity: Identity,
) -> None:
    api = staff(identity)
    jakarta, auckland = hotel_in("Asia/Jakarta"), hotel_in("Pacific/Auckland")
    cut_off = jakarta.night(5)
    ids = {}
    for name, hotel in (("jakarta", jakarta), ("auckland", auckland)):
        body = block_body(hotel, first=6, last=7, rooms=2, cut_off_date=cut_off.isoformat())
        ids[name] = api.ok("POST", "/hardblocks", body)["id"]
    assert blocked(jakarta) == blocked(auckland) == {6: 2, 7: 2}

    # A minute before Auckland's midnight starting the cut-off date: nothing is due anywhere.
    assert release_at(local_instant(cut_off, "Pacific/Auckland") - timedelta(minutes=1))["released"] == 0
    # Half an hour into the cut-off date in Auckland (still the evening before in Jakarta).
    in_auckland = local_instant(cut_off, "Pacific/Auckland", 0, 30)
    assert in_auckland.astimezone(ZoneInfo("Asia/Jakarta")).date() == cut_off - timedelta(days=1)
    assert release_at(in_auckland) == {"released": 1, "skipped": 0, "unchanged": 0}
    block = api.ok("GET", f"/hardblocks/{ids['auckland']}")
    assert (block["status"], block["version"]) == ("released", 2)
    assert [(n["rooms"], n["released"]) for n in block["nights"]] == [(0, 2), (0, 2)]
    assert blocked(auckland) == {} and blocked(jakarta) == {6: 2, 7: 2}
    assert {k: v for k, v in ari_availability(auckland).items() if k in (6, 7)} == {6: 5, 7: 5}
    assert auto_released(ids["auckland"]) == 1 and auto_released(ids["jakarta"]) == 0
    assert api.ok("GET", f"/hardblocks/{ids['jakarta']}")["status"] == "active"

    # The same run again changes nothing (idempotent).
    assert release_at(in_auckland)["released"] == 0
    assert api.ok("GET", f"/hardblocks/{ids['auckland']}")["version"] == 2

    # Half an hour into the cut-off date in Jakarta: its block goes too.
    assert release_at(local_instant(cut_off, "Asia/Jakarta", 0, 30))["released"] == 1
    assert blocked(jakarta) == {}
    assert api.ok("GET", f"/hardblocks/{ids['jakarta']}")["status"] == "released"
    assert auto_released(ids["jakarta"]) == 1 and auto_released(ids["auckland"]) == 1


def test_a_rolling_block_releases_each_night_its_days_before_and_keeps_the_rest(identity: Identity) -> None:
    api = staff(identity)
    zone = "Asia/Ho_Chi_Minh"
    hotel = hotel_in(zone)
    body = block_body(hotel, first=2, last=5, rooms=2, release_days_before=2)
    block = api.ok("POST", "/hardblocks", body)
    assert block["release_days_before"] == 2
    path = f"/hardblocks/{block['id']}"

    # On night 1 (local), nights 2 and 3 are within 2 days: released; 4 and 5 stay.
    assert release_at(local_instant(hotel.night(1), zone, 0, 1))["released"] == 1
    assert blocked(hotel) == {4: 2, 5: 2}
    now = api.ok("GET", path)
    assert (now["status"], now["version"]) == ("active", 2)
    assert [(n["night"], n["rooms"], n["released"]) for n in now["nights"]] == [
        (hotel.night(2).isoformat(), 0, 2),
        (hotel.night(3).isoformat(), 0, 2),
        (hotel.night(4).isoformat(), 2, 0),
        (hotel.night(5).isoformat(), 2, 0),
    ]
    assert release_at(local_instant(hotel.night(1), zone, 23, 59))["released"] == 0  # same local day: nothing new
    assert release_at(local_instant(hotel.night(2), zone, 0, 1))["released"] == 1
    assert blocked(hotel) == {5: 2}
    assert release_at(local_instant(hotel.night(3), zone, 0, 1))["released"] == 1
    assert blocked(hotel) == {}
    assert api.ok("GET", path)["status"] == "released"
    assert auto_released(block["id"]) == 3

    # A cut-off block (no rolling) on the same nights is untouched by the rolling dates before its cut-off.
    other = api.ok(
        "POST", "/hardblocks", block_body(hotel, first=4, last=5, rooms=1, cut_off_date=hotel.night(4).isoformat())
    )
    assert release_at(local_instant(hotel.night(3), zone, 0, 1))["released"] == 0
    assert api.ok("GET", f"/hardblocks/{other['id']}")["status"] == "active"


def test_the_terms_patch_sets_rolling_release_and_the_cut_off_naming_bad_fields(identity: Identity) -> None:
    api = staff(identity)
    hotel = make_hotel(rooms=(5,))
    block = api.ok("POST", "/hardblocks", block_body(hotel, first=3, last=4, rooms=1))
    path = f"/hardblocks/{block['id']}"
    for body, field in [
        ({"release_days_before": 400}, "body.release_days_before"),
        ({"cut_off_date": hotel.night(4).isoformat()}, "body.cut_off_date"),
        ({"cut_off_date": hotel.night(-1).isoformat()}, "body.cut_off_date"),
        ({"cut_off_date": None}, "body"),
        ({}, "body"),
    ]:
        code, answer = api.patch(path, body)
        assert code == 422 and answer["error"]["details"][0]["field"].startswith(field), (body, answer)
    code, answer = api.post("/hardblocks", block_body(hotel, first=3, last=4, rooms=1, release_days_before=-1))
    assert code == 422 and answer["error"]["details"][0]["field"] == "body.release_days_before"
    assert api.ok("GET", path)["version"] == 1

    changed = api.ok("PATCH", path, {"release_days_before": 1, "cut_off_date": hotel.night(3).isoformat()})
    assert (changed["release_days_before"], changed["cut_off_date"], changed["version"]) == (
        1,
        hotel.night(3).isoformat(),
        2,
    )
    assert api.ok("PATCH", path, {"release_days_before": 1})["version"] == 2  # nothing changes: no version
    assert api.ok("PATCH", path, {"release_days_before": None})["release_days_before"] is None
    versions = api.ok("GET", f"{path}/versions")
    assert [v["block"]["release_days_before"] for v in versions] == [None, 1, None]
    assert table_count("audit_log", "entity_id = :id AND action = 'hardblock.updated'", id=str(block["id"])) == 2
    api.ok("DELETE", path, status=200)
    code, answer = api.patch(path, {"notes": "late"})
    assert code == 422 and answer["error"]["details"][0]["field"] == "status"


def _snapshot(api: Api, block_ids: list[int]) -> list[tuple[int, str, str]]:
    return [
        (b["version"], b["status"], b["cut_off_date"]) for b in (api.ok("GET", f"/hardblocks/{i}") for i in block_ids)
    ]


def test_bulk_release_is_all_or_nothing_and_names_the_refused_block(identity: Identity) -> None:
    api = staff(identity)
    hotel = make_hotel(rooms=(5,))
    agency = new_agency(api)
    first = api.ok("POST", "/hardblocks", block_body(hotel, first=1, last=2, rooms=2, agency_id=agency["id"]))
    second = api.ok("POST", "/hardblocks", block_body(hotel, first=3, last=4, rooms=1, agency_id=agency["id"]))
    ended = api.ok("POST", "/hardblocks", block_body(hotel, first=5, last=5, rooms=1))
    api.ok("DELETE", f"/hardblocks/{ended['id']}", status=200)
    ids = [first["id"], second["id"], ended["id"]]
    before, audit_rows, ari_rows = _snapshot(api, ids), table_count("audit_log"), table_count("ari_changes")
    assert blocked(hotel) == {1: 2, 2: 2, 3: 1, 4: 1}

    code, answer = api.post("/hardblocks/bulk/release", {"block_ids": ids})
    assert code == 422, answer
    detail = answer["error"]["details"][0]
    assert (detail["block_id"], detail["field"]) == (ended["id"], "body.block_ids.2")
    code, answer = api.post("/hardblocks/bulk/release", {"block_ids": [first["id"], 999999]})
    assert code == 422 and answer["error"]["details"][0]["field"] == "body.block_ids.1"
    code, answer = api.post("/hardblocks/bulk/release", {"block_ids": [first["id"]], "agency_id": agency["id"]})
    assert code == 422 and answer["error"]["details"][0]["field"] == "body.block_ids"
    assert _snapshot(api, ids) == before
    assert (table_count("audit_log"), table_count("ari_changes")) == (audit_rows, ari_rows)
    assert blocked(hotel) == {1: 2, 2: 2, 3: 1, 4: 1}

    # Every active block of the agency: preview, then apply exactly that.
    request = {
        "agency_id": agency["id"],
        "date_from": hotel.night(2).isoformat(),
        "date_to": hotel.night(4).isoformat(),
    }
    preview = api.ok("POST", "/hardblocks/bulk/release/preview", request, status=200)
    assert not preview["refused"] and [b["block_id"] for b in preview["blocks"]] == [first["id"], second["id"]]
    assert [(d["night"], d["pool_delta"]) for b in preview["blocks"] for d in b["diff"]] == [
        (hotel.night(2).isoformat(), 2),
        (hotel.night(3).isoformat(), 1),
        (hotel.night(4).isoformat(), 1),
    ]
    assert _snapshot(api, ids) == before
    applied = api.ok("POST", "/hardblocks/bulk/release", request, status=200)
    assert [b["diff"] for b in applied["blocks"]] == [b["diff"] for b in preview["blocks"]]
    assert [(b["block"]["version"], b["block"]["status"]) for b in applied["blocks"]] == [
        (2, "active"),
        (2, "released"),
    ]
    assert blocked(hotel) == {1: 2}
    assert {k: v for k, v in ari_availability(hotel).items() if k in (2, 3, 4)} == {2: 5, 3: 5, 4: 5}
    assert table_count("audit_log", "action = 'hardblock.release'") == 2

    code, answer = api.post("/hardblocks/bulk/release", {"agency_id": new_agency(api, "EMPTY")["id"]})
    assert code == 422 and answer["error"]["details"][0]["field"] == "body.agency_id"


def test_bulk_extend_moves_cut_offs_and_adds_nights_all_or_nothing(identity: Identity) -> None:
    api = staff(identity)
    roomy, small = make_hotel(rooms=(5,)), make_hotel(rooms=(2,))
    a = api.ok("POST", "/hardblocks", block_body(roomy, first=2, last=3, rooms=2))
    b = api.ok("POST", "/hardblocks", block_body(small, first=2, last=3, rooms=1))
    api.ok("POST", "/hardblocks", block_body(small, first=4, last=4, rooms=2))  # fills night 4 of the small hotel
    ids = [a["id"], b["id"]]
    before, audit_rows = _snapshot(api, ids), table_count("audit_log")
    extend = {
        "block_ids": ids,
        "cut_off_date": roomy.night(1).isoformat(),
        "date_from": roomy.night(4).isoformat(),
        "date_to": roomy.night(4).isoformat(),
        "rooms": 1,
        "rate": "1200000",
    }
    preview = api.ok("POST", "/hardblocks/bulk/extend/preview", extend, status=200)
    assert preview["refused"] and [bool(p["shortages"]) for p in preview["blocks"]] == [False, True]
    code, answer = api.post("/hardblocks/bulk/extend", extend)
    assert code == 409 and answer["error"]["code"] == "insufficient_inventory", answer
    assert [(d["block_id"], d["night"]) for d in answer["error"]["details"]] == [(b["id"], small.night(4).isoformat())]
    assert _snapshot(api, ids) == before and table_count("audit_log") == audit_rows
    assert blocked(roomy) == {2: 2, 3: 2}

    for body, field in [
        ({"block_ids": ids}, "body.cut_off_date"),
        ({"block_ids": ids, "cut_off_date": roomy.night(3).isoformat()}, "body.cut_off_date"),
        (
            {
                "block_ids": ids,
                "date_from": roomy.night(4).isoformat(),
                "date_to": roomy.night(4).isoformat(),
                "rooms": 1,
            },
            "body.rate",
        ),
    ]:
        code, answer = api.post("/hardblocks/bulk/extend", body)
        assert code == 422 and answer["error"]["details"][0]["field"] == field, (body, answer)
    assert _snapshot(api, ids) == before

    extend["block_ids"] = [a["id"]]
    extend["date_to"] = roomy.night(5).isoformat()
    applied = api.ok("POST", "/hardblocks/bulk/extend", extend, status=200)
    block = applied["blocks"][0]["block"]
    assert (block["version"], block["cut_off_date"]) == (2, roomy.night(1).isoformat())
    assert [(n["night"], n["rooms"]) for n in block["nights"]][2:] == [
        (roomy.night(4).isoformat(), 1),
        (roomy.night(5).isoformat(), 1),
    ]
    assert blocked(roomy) == {2: 2, 3: 2, 4: 1, 5: 1}
    assert table_count("audit_log", "action = 'hardblock.overlay'") == 1


# --- overlapping housekeeping runs --------------------------------------------------------------

RUNS = 4
BLOCKS_PER_HOTEL = 8


class _ClaimWithoutLock:
    """The negative control's hardblocks repository: ``claim`` reads the block without locking it."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def claim(self, block_id: int) -> Any:
        return self._inner.selected(_EVERYWHERE, [block_id], None, for_update=False)[0]


class _RoomTypesWithoutLock:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def lock(self, room_type_ids: Any) -> None:
        """Takes no lock."""


@contextmanager
def _unlocked_unit_of_work() -> Iterator[SqlUnitOfWork]:
    with unit_of_work() as work:
        work.__dict__["hardblocks"] = _ClaimWithoutLock(work.hardblocks)  # shadows the cached property
        work.__dict__["room_types"] = _RoomTypesWithoutLock(work.room_types)
        yield work


_EVERYWHERE = CountryScope.everywhere()


def _overlapping_runs(*, locked: bool) -> tuple[list[int], dict[str, int], list[str]]:
    caller = make_caller(permissions=Permission.CONTRACTS_READ | Permission.CONTRACTS_WRITE)
    block_ids = []
    for hotel in (make_hotel(rooms=(20,)), make_hotel(rooms=(20,))):
        fields = {
            "property_id": hotel.property_id,
            "group_name": "Overlap group",
            "guarantee": BlockGuarantee.DEFINITE,
            "cut_off_date": hotel.night(1),
            "notes": "",
        }
        span, room_types = NightRange.through(hotel.night(2), hotel.night(4)), frozenset(hotel.room_type_ids)
        nights = Amendment(AmendmentKind.OVERLAY, span, room_types, 2, Decimal(1))
        block_ids += [hardblock_service.create_block(caller, fields, [nights]).id for _ in range(BLOCKS_PER_HOTEL)]
    instant = datetime.now(UTC) + timedelta(days=3)
    totals = {"released": 0, "skipped": 0, "unchanged": 0}
    errors: list[str] = []
    guard = threading.Lock()
    uow = unit_of_work if locked else _unlocked_unit_of_work

    def run(_index: int) -> None:
        try:
            counts = hardblock_release.release_due_blocks(uow=uow, clock=lambda: instant, batch=5)
        except Exception as error:
            with guard:
                errors.append(type(error).__name__)
            return
        with guard:
            for name, count in counts.items():
                totals[name] += count

    run_at_once(RUNS, run)
    return block_ids, totals, errors


def _release_counts(block_ids: list[int]) -> tuple[int, int, int]:
    """Of ``block_ids``: (blocks released, auto-release audit rows, versions after the first)."""
    ids = ",".join(str(i) for i in block_ids)
    quoted = ",".join(f"'{i}'" for i in block_ids)
    return (
        table_count("hardblocks", f"id IN ({ids}) AND status = 'released'"),
        table_count("audit_log", f"action = 'hardblock.auto_released' AND entity_id IN ({quoted})"),
        table_count("hardblock_versions", f"block_id IN ({ids}) AND version > 1"),
    )


def test_overlapping_housekeeping_runs_release_each_block_once(identity: Identity) -> None:
    block_ids, totals, errors = _overlapping_runs(locked=True)
    assert errors == []
    assert totals["released"] == len(block_ids)
    assert _release_counts(block_ids) == (len(block_ids), len(block_ids), len(block_ids))
    with unit_of_work() as uow:
        left = uow.session.execute(text("SELECT coalesce(sum(blocked), 0) FROM inventory_days")).scalar_one()
    assert left == 0


def test_negative_control_overlapping_runs_without_the_locks_collide(identity: Identity) -> None:
    block_ids, totals, errors = _overlapping_runs(locked=False)
    _released, audited, versions = _release_counts(block_ids)
    # Without the claim and the room types' locks two runs release one block at once: a run fails on
    # the duplicate version (its work lost), or a block is released (and audited) twice.
    assert errors or totals["released"] > len(block_ids) or max(audited, versions) > len(block_ids), (totals, errors)


def test_a_bulk_change_plans_each_block_on_the_calendar_the_blocks_before_it_left(identity: Identity) -> None:
    api = staff(identity)
    hotel = make_hotel(rooms=(3,))
    ids = [api.ok("POST", "/hardblocks", block_body(hotel, first=1, last=1, rooms=1))["id"] for _ in range(2)]
    grow = {
        "block_ids": ids,
        "date_from": hotel.night(1).isoformat(),
        "date_to": hotel.night(1).isoformat(),
        "rooms": 2,
    }
    # One room is free: the first block's extra room takes it, so the second is short (each alone would fit).
    preview = api.ok("POST", "/hardblocks/bulk/extend/preview", grow, status=200)
    assert [(p["block_id"], p["refused"]) for p in preview["blocks"]] == [(ids[0], False), (ids[1], True)]
    assert [(d["pool_before"], d["pool_after"]) for p in preview["blocks"] for d in p["diff"]] == [(1, 0), (0, -1)]
    code, answer = api.post("/hardblocks/bulk/extend", grow)
    assert code == 409 and [d["block_id"] for d in answer["error"]["details"]] == [ids[1]]
    assert blocked(hotel) == {1: 2}
    grow["block_ids"] = ids[:1]
    api.ok("POST", "/hardblocks/bulk/extend", grow, status=200)
    assert blocked(hotel) == {1: 3}

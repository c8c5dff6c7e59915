"""Keeping calendars whole: the 24-month horizon, buffers, rates that follow their plans, the outbox.

The building blocks every calendar write shares (room type, rate plan, settings and calendar
services, and the housekeeping schedule). Functions taking a ``session`` expect the caller's
unit of work to hold the room types' advisory locks (``lock_room_types``) already; they load
cells, ask the domain what changes, persist exactly that and append its ARI change records.

:func:`extend_calendars` is the housekeeping task: for every active room type of every property
that is not archived, it creates the nights that entered the 24-month window since the last run
(with their rates), and re-applies the resolved buffer where the calendar disagrees with the
settings. It is idempotent and does one short transaction per room type.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chalicelib.db.locks import lock_room_types
from chalicelib.db.models import Property, RoomType
from chalicelib.db.repositories import calendar as calendar_repository
from chalicelib.db.repositories import settings as settings_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.ari_changes import ari_changes
from chalicelib.domain.catalog import PropertyStatus
from chalicelib.domain.inventory import (
    InventoryCellChange,
    apply_buffer_setting,
    missing_cells,
    pair_changes,
    resolve_buffer,
)
from chalicelib.domain.nights import ONE_DAY, NightRange, calendar_window
from chalicelib.domain.rates import RateCatalog, RateCellChange, refresh_rate_cells
from chalicelib.domain.settings import AppSettings
from chalicelib.domain.timezones import today_in_timezone
from chalicelib.observability import logger
from chalicelib.services import ari_relay


def utc_now() -> datetime:
    return datetime.now(UTC)


def property_today(prop: Property, now: datetime | None = None) -> date:
    """Today in the property's timezone: the first night that can be sold or edited."""
    return today_in_timezone(now or utc_now(), prop.timezone)


def room_type_buffer(settings: AppSettings, prop: Property, room_type: RoomType) -> int:
    """The buffer of a room type: its own, else its property's, else the global setting."""
    return resolve_buffer(settings.inventory_buffer_rooms, prop.buffer_rooms, room_type.buffer_rooms)


@dataclass
class CalendarChanges:
    """The cell changes of one write, persisted together with their ARI change records."""

    inventory: list[InventoryCellChange] = field(default_factory=list)
    rates: list[RateCellChange] = field(default_factory=list)

    def add(self, other: CalendarChanges) -> None:
        self.inventory.extend(other.inventory)
        self.rates.extend(other.rates)

    @property
    def is_empty(self) -> bool:
        return not self.inventory and not self.rates


def persist(session: Session, property_id: int, changes: CalendarChanges) -> int:
    """Write the cells and append one outbox row per channel-visible change; returns the outbox rows."""
    calendar_repository.write_inventory_changes(session, changes.inventory)
    calendar_repository.write_rate_changes(session, changes.rates)
    records = ari_changes(changes.inventory, changes.rates)
    if records:
        ari_relay.relay_after_commit(session, property_id)
    return calendar_repository.add_ari_changes(session, property_id, records)


def sync_room_type(
    session: Session,
    prop: Property,
    room_type: RoomType,
    *,
    today: date,
    buffer: int,
    catalog: RateCatalog | None = None,
) -> CalendarChanges:
    """Bring one room type's future calendar in line (lock held): every night up to the horizon
    exists, nights follow the resolved ``buffer`` (manual overrides aside), every plan has a
    rate cell for every night."""
    window = calendar_window(today)
    cells = calendar_repository.load_cells(session, [room_type.id], today)
    buffered = apply_buffer_setting(cells, buffer, from_night=today)
    created = missing_cells(
        room_type.id, (cell.night for cell in cells), window, total=room_type.total_rooms, buffer=buffer
    )
    changes = CalendarChanges(
        inventory=[*pair_changes(cells, buffered), *(InventoryCellChange(None, cell) for cell in created)]
    )
    catalog = catalog if catalog is not None else calendar_repository.load_catalog(session, [room_type.id])
    plan_ids = [plan.id for plan in catalog.plans.values() if plan.room_type_id == room_type.id]
    if plan_ids:
        changes.rates.extend(fill_missing_rates(session, catalog, plan_ids, window))
    return changes


def fill_missing_rates(
    session: Session, catalog: RateCatalog, plan_ids: Sequence[int], window: NightRange
) -> list[RateCellChange]:
    """Rate cells for the nights of ``window`` that ``plan_ids`` lack (existing cells are left alone)."""
    cells = calendar_repository.load_rate_cells(session, plan_ids, window.check_in, window.check_out)
    have = {(cell.rate_plan_id, cell.night) for cell in cells}
    nights = [night for night in window if any((plan_id, night) not in have for plan_id in plan_ids)]
    if not nights:
        return []
    changes = refresh_rate_cells(catalog, cells, nights, plan_ids=plan_ids)
    return [change for change in changes if change.before is None]


def refresh_plans(
    session: Session, catalog: RateCatalog, plan_ids: Iterable[int], nights: Iterable[date], today: date
) -> list[RateCellChange]:
    """Re-resolve ``plan_ids`` and every plan derived from them on ``nights`` (only nights in the
    calendar window count: the past keeps its rates); returns the rate cells that change."""
    window = calendar_window(today)
    wanted = sorted({night for night in nights if night in window})
    affected = catalog.with_descendants(plan_ids)
    if not wanted or not affected:
        return []
    cells = calendar_repository.load_rate_cells(session, affected, wanted[0], wanted[-1] + ONE_DAY)
    return list(refresh_rate_cells(catalog, cells, wanted, plan_ids=affected))


# --- settings-wide and scheduled upkeep ----------------------------------------------------------


def apply_global_buffer(*, now: datetime | None = None) -> int:
    """Re-apply buffers to the calendars of every property (each in its own transaction); returns
    the number of room types whose calendar changed."""
    with unit_of_work() as uow:
        property_ids = list(uow.session.scalars(select(Property.id).where(Property.status != PropertyStatus.ARCHIVED)))
    changed = 0
    for property_id in property_ids:
        changed += sync_property(property_id, now=now)
    return changed


def sync_property(property_id: int, *, now: datetime | None = None) -> int:
    """Sync every active room type of one property in one transaction; returns how many changed."""
    with unit_of_work() as uow:
        session = uow.session
        prop = session.get(Property, property_id)
        if prop is None or prop.status == PropertyStatus.ARCHIVED:
            return 0
        room_types = list(
            session.scalars(
                select(RoomType)
                .where(RoomType.property_id == prop.id, RoomType.is_active.is_(True))
                .order_by(RoomType.id)
            )
        )
        lock_room_types(session, [room_type.id for room_type in room_types])
        settings = settings_repository.load_app_settings(session)
        today = property_today(prop, now)
        catalog = calendar_repository.load_catalog(session, [room_type.id for room_type in room_types])
        all_changes = CalendarChanges()
        changed = 0
        for room_type in room_types:
            changes = sync_room_type(
                session,
                prop,
                room_type,
                today=today,
                buffer=room_type_buffer(settings, prop, room_type),
                catalog=catalog,
            )
            if not changes.is_empty:
                changed += 1
                all_changes.add(changes)
        persist(session, prop.id, all_changes)
        return changed


@dataclass(frozen=True)
class HousekeepingCounts:
    room_types_checked: int
    room_types_synced: int
    nights_created: int
    rate_cells_created: int
    cells_rebuffered: int

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def extend_calendars(*, now: datetime | None = None) -> dict[str, int]:
    """Housekeeping: top every active room type up to today + 24 months and re-apply drifted buffers.

    Idempotent: a second run finds nothing to do. Room types that need nothing cost one query in
    total (the last night of each, and a buffer-drift check); each one that needs work gets its
    own short transaction under its lock.
    """
    now = now or utc_now()
    with unit_of_work() as uow:
        session = uow.session
        settings = settings_repository.load_app_settings(session)
        rows = session.execute(
            select(RoomType, Property)
            .join(Property, Property.id == RoomType.property_id)
            .where(RoomType.is_active.is_(True), Property.status != PropertyStatus.ARCHIVED)
            .order_by(RoomType.id)
        ).all()
        expected = {
            room_type.id: (property_today(prop, now), room_type_buffer(settings, prop, room_type))
            for room_type, prop in rows
        }
        last = calendar_repository.last_nights(session, expected)
        drifted = calendar_repository.room_types_with_buffer_drift(session, expected)
        stale_rates = calendar_repository.room_types_with_short_rates(
            session, {rt_id: calendar_window(today).last_night for rt_id, (today, _) in expected.items()}
        )
    due = [
        room_type_id
        for room_type_id, (today, _) in expected.items()
        if last.get(room_type_id) is None
        or last[room_type_id] < calendar_window(today).last_night
        or room_type_id in drifted
        or room_type_id in stale_rates
    ]
    nights = rates = rebuffered = 0
    failed: list[int] = []
    for room_type_id in due:
        try:
            created, rate_cells, buffered = _sync_one(room_type_id, now)
        except Exception:  # noqa: BLE001 - one broken calendar must not stop the others; re-raised below
            logger.exception("calendar upkeep failed", extra={"room_type_id": room_type_id})
            failed.append(room_type_id)
            continue
        nights += created
        rates += rate_cells
        rebuffered += buffered
    counts = HousekeepingCounts(len(expected), len(due), nights, rates, rebuffered)
    logger.info("calendars extended", extra=counts.as_dict())
    if failed:
        raise CalendarUpkeepFailed(f"calendar upkeep failed for room types {failed}")
    return counts.as_dict()


class CalendarUpkeepFailed(RuntimeError):
    """Some room types could not be brought up to date (each is logged; the next run retries them)."""


def _sync_one(room_type_id: int, now: datetime) -> tuple[int, int, int]:
    with unit_of_work() as uow:
        session = uow.session
        lock_room_types(session, [room_type_id])
        room_type = session.get(RoomType, room_type_id)
        if room_type is None or not room_type.is_active:
            return 0, 0, 0
        prop = session.get(Property, room_type.property_id)
        if prop is None or prop.status == PropertyStatus.ARCHIVED:
            return 0, 0, 0
        settings = settings_repository.load_app_settings(session)
        changes = sync_room_type(
            session,
            prop,
            room_type,
            today=property_today(prop, now),
            buffer=room_type_buffer(settings, prop, room_type),
        )
        persist(session, prop.id, changes)
        created = sum(1 for change in changes.inventory if change.before is None)
        return created, sum(1 for c in changes.rates if c.before is None), len(changes.inventory) - created

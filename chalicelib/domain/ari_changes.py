"""ARI (availability, rates, inventory restrictions) change records and their coalescing.

Every calendar write turns its cell changes into :class:`AriChange` records (the outbox rows the
sync engine drains): one per cell whose *channel-visible* values changed, carrying the cell's
new version and the **full** set of its channel-visible values (plus which of them changed).
Carrying the full values is what lets the push side keep only the newest version of a cell
without losing a field an older version changed.

Two kinds of cells reach channels:

* a room type's night (``rate_plan_id is None``): :class:`InventoryValues` — the availability
  channels may sell, ``max(0, available)`` (a channel cannot be told "-2"), and the
  restrictions. Counter moves that leave availability alone (confirming a hold) emit nothing.
* a rate plan's night: :class:`RateValues` — the resolved rate.

:func:`coalesce` prepares one connection's push: it drops every change whose version is not
newer than what the connection acknowledged, keeps the newest version of each cell, and merges
consecutive nights with equal values into ranges (:class:`AriRange`). After the OTA accepted
them, :func:`acknowledge` records the versions sent. Per-channel rules (Expedia not decremented
for its own bookings, message size limits) belong to the sync engine and adapters;
:func:`split_long_ranges` helps with the "at most one month per request" kind of limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from chalicelib.domain.inventory import InventoryCell, InventoryCellChange, pair_changes
from chalicelib.domain.nights import NightRange
from chalicelib.domain.rates import RateCell, RateCellChange
from chalicelib.domain.views import view_from

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class InventoryValues:
    """What channels see of a room type's night."""

    availability: int
    stop_sell: bool
    closed_to_arrival: bool
    closed_to_departure: bool
    min_los: int
    min_stay_through: int
    max_los: int | None

    @classmethod
    def of(cls, cell: InventoryCell) -> InventoryValues:
        return view_from(cls, cell, availability=max(0, cell.available))  # a channel cannot be told "-2"


@dataclass(frozen=True, slots=True)
class RateValues:
    """What channels see of a rate plan's night."""

    rate: Decimal

    @classmethod
    def of(cls, cell: RateCell) -> RateValues:
        return cls(rate=cell.amount)


AriValues = InventoryValues | RateValues


@dataclass(frozen=True, slots=True, order=True)
class AriCellKey:
    """Identity of a channel-visible cell: a room type's night, or a rate plan's night."""

    room_type_id: int
    rate_plan_id: int | None
    night: date

    def sort_key(self) -> tuple[int, int, int, date]:
        return (0 if self.rate_plan_id is None else 1, self.room_type_id, self.rate_plan_id or 0, self.night)


@dataclass(frozen=True, slots=True)
class AriChange:
    """One cell's new channel-visible values at ``version``; ``changed`` names the fields that differ."""

    room_type_id: int
    rate_plan_id: int | None
    night: date
    version: int
    values: AriValues
    changed: frozenset[str]

    @property
    def key(self) -> AriCellKey:
        return AriCellKey(self.room_type_id, self.rate_plan_id, self.night)

    def to_payload(self) -> dict[str, Any]:
        """JSON-ready dict for the outbox (amounts as strings, dates ISO)."""
        return {
            "room_type_id": self.room_type_id,
            "rate_plan_id": self.rate_plan_id,
            "night": self.night.isoformat(),
            "version": self.version,
            "values": _values_payload(self.values),
            "changed": sorted(self.changed),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> AriChange:
        """The inverse of :meth:`to_payload`."""
        rate_plan_id = payload["rate_plan_id"]
        raw = payload["values"]
        values: AriValues = InventoryValues(**raw) if rate_plan_id is None else RateValues(rate=Decimal(raw["rate"]))
        return cls(
            room_type_id=int(payload["room_type_id"]),
            rate_plan_id=None if rate_plan_id is None else int(rate_plan_id),
            night=date.fromisoformat(payload["night"]),
            version=int(payload["version"]),
            values=values,
            changed=frozenset(payload["changed"]),
        )


def ari_changes(
    inventory_changes: Iterable[InventoryCellChange] = (), rate_changes: Iterable[RateCellChange] = ()
) -> tuple[AriChange, ...]:
    """The ARI change set of a write: one record per cell whose channel-visible values changed.

    Raises :class:`ValueError` if a cell's values changed but its version did not grow (a write
    that forgot to bump would be invisible to :func:`coalesce`).
    """
    records = [
        *(_record(change, None, InventoryValues.of) for change in inventory_changes),
        *(_record(change, change.after.rate_plan_id, RateValues.of) for change in rate_changes),
    ]
    return tuple(sorted((r for r in records if r is not None), key=lambda r: r.key.sort_key()))


def diff_inventory(before: Iterable[InventoryCell], after: Iterable[InventoryCell]) -> tuple[AriChange, ...]:
    """ARI records for replacing ``before`` cells with ``after`` cells (matched by room type and night)."""
    return ari_changes(pair_changes(before, after))


def diff_rates(before: Iterable[RateCell], after: Iterable[RateCell]) -> tuple[AriChange, ...]:
    """ARI records for replacing ``before`` rate cells with ``after`` ones (matched by plan and night)."""
    old = {(cell.rate_plan_id, cell.night): cell for cell in before}
    pairs = [
        RateCellChange(old.get((cell.rate_plan_id, cell.night)), cell)
        for cell in after
        if old.get((cell.rate_plan_id, cell.night)) != cell
    ]
    return ari_changes(rate_changes=pairs)


def full_snapshot(inventory: Iterable[InventoryCell] = (), rates: Iterable[RateCell] = ()) -> tuple[AriChange, ...]:
    """Records of the current state of every cell (nightly full resync); coalesce them with no acknowledgements."""
    return ari_changes(
        (InventoryCellChange(None, cell) for cell in inventory), (RateCellChange(None, cell) for cell in rates)
    )


# --- the push side -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AriRange:
    """Equal values for consecutive nights of one cell series, ready for one OTA message element.

    ``versions[i]`` is the version of the night ``nights.check_in + i`` being sent.
    """

    room_type_id: int
    rate_plan_id: int | None
    nights: NightRange
    values: AriValues
    versions: tuple[int, ...]

    def cell_versions(self) -> dict[AriCellKey, int]:
        return {
            AriCellKey(self.room_type_id, self.rate_plan_id, night): version
            for night, version in zip(self.nights, self.versions, strict=True)
        }


def coalesce(
    pending: Iterable[AriChange], acknowledged: Mapping[AriCellKey, int] | None = None
) -> tuple[AriRange, ...]:
    """The fewest updates that bring one connection up to date.

    Keeps, per cell, only the newest pending version, and only if it is newer than the version
    the connection ``acknowledged`` (so an older value is never sent after a newer one, whatever
    order the outbox delivered records in); merges consecutive nights with equal values into one
    range. Room-type updates come first, then rate updates, each ordered by ids and first night.
    """
    done = acknowledged or {}
    newest: dict[AriCellKey, AriChange] = {}
    for change in pending:
        key = change.key
        if change.version <= done.get(key, 0):
            continue
        kept = newest.get(key)
        if kept is None or change.version > kept.version:
            newest[key] = change
    updates: list[AriRange] = []
    run: list[AriChange] = []
    for key in sorted(newest, key=AriCellKey.sort_key):
        change = newest[key]
        if run and not _continues(run[-1], change):
            updates.append(_update_of(run))
            run = []
        run.append(change)
    if run:
        updates.append(_update_of(run))
    return tuple(updates)


def acknowledge(acknowledged: Mapping[AriCellKey, int], sent: Iterable[AriRange]) -> dict[AriCellKey, int]:
    """The acknowledged versions after the OTA accepted ``sent`` (versions only ever grow)."""
    result = dict(acknowledged)
    for update in sent:
        for key, version in update.cell_versions().items():
            result[key] = max(version, result.get(key, 0))
    return result


def split_long_ranges(updates: Iterable[AriRange], max_nights: int) -> tuple[AriRange, ...]:
    """Cut updates longer than ``max_nights`` nights into pieces (for OTAs that cap a message's range)."""
    if max_nights < 1:
        raise ValueError("max_nights must be at least 1")
    pieces: list[AriRange] = []
    for update in updates:
        for start in range(0, len(update.nights), max_nights):
            length = min(max_nights, len(update.nights) - start)
            first = update.nights.check_in + timedelta(days=start)
            pieces.append(
                AriRange(
                    update.room_type_id,
                    update.rate_plan_id,
                    NightRange(first, first + timedelta(days=length)),
                    update.values,
                    update.versions[start : start + length],
                )
            )
    return tuple(pieces)


def _continues(previous: AriChange, change: AriChange) -> bool:
    return (
        previous.room_type_id == change.room_type_id
        and previous.rate_plan_id == change.rate_plan_id
        and previous.night + ONE_DAY == change.night
        and previous.values == change.values
    )


def _update_of(run: list[AriChange]) -> AriRange:
    first, last = run[0], run[-1]
    return AriRange(
        first.room_type_id,
        first.rate_plan_id,
        NightRange(first.night, last.night + ONE_DAY),
        first.values,
        tuple(change.version for change in run),
    )


def _record(
    change: InventoryCellChange | RateCellChange, rate_plan_id: int | None, values_of: Callable[[Any], AriValues]
) -> AriChange | None:
    """The record of one cell change (None when nothing a channel sees changed)."""
    cell = change.after
    before = None if change.before is None else values_of(change.before)
    after = values_of(cell)
    if before == after:
        return None
    if change.before is not None and cell.version <= change.before.version:
        raise ValueError(f"cell {cell.room_type_id}/{rate_plan_id}/{cell.night} changed without a version bump")
    names = [f.name for f in fields(after)]
    changed = frozenset(name for name in names if before is None or getattr(before, name) != getattr(after, name))
    return AriChange(cell.room_type_id, rate_plan_id, cell.night, cell.version, after, changed)


def _values_payload(values: AriValues) -> dict[str, Any]:
    if isinstance(values, RateValues):
        return {"rate": str(values.rate)}
    return {f.name: getattr(values, f.name) for f in fields(values)}

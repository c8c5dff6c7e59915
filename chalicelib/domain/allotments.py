"""B2B allotments: contracts, their append-only events, and the pipeline that resolves them.

An agency's **contract** gives it, per room type and night of its seasons, a number of rooms at
a contract rate. Changes after signature arrive as **events** (:class:`AllotmentEventKind`). The
pipeline is pure and runs in three steps::

    contracts ──> apply_events ──> outstanding_allotments ──> pool_budget
                  (event applier)   (release steps, pick-up)   (per room type and night)

* :func:`apply_events` starts from the seasons and applies every effective event in one total
  order — effective time, then sequence, then the event's own content — so the result is the
  same whatever order the events were stored or delivered in.
* :func:`resolve_allotment_nights` turns each (contract, room type, night) into what is
  contracted, picked up, still *outstanding* (withheld from every other channel) and released.
  Release steps ("at 30 days keep 5") apply from the local date ``night - days`` in the
  property's time zone (the caller passes that date as ``today``). A release returns only rooms
  nobody bought: picked-up rooms are never taken back.
* :func:`chalicelib.domain.allotment_pool.pool_budget` gives, per room type and night, the rooms
  every other channel may sell::

      pool = total - buffer - sold - held - blocked - outstanding allotments

  (the buffer only withholds rooms that are free, as in :mod:`chalicelib.domain.inventory`).

Nothing here reads the clock or the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

from chalicelib.domain.nights import ALL_WEEKDAYS, NightRange, Weekday


class AgencyStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class ContractMode(StrEnum):
    """``allotment``: unsold rooms return to the pool at release; ``free_sale``: beyond its
    allotment the agency may also sell from the pool while it has rooms."""

    ALLOTMENT = "allotment"
    FREE_SALE = "free_sale"


class ContractStatus(StrEnum):
    """Only an ``active`` contract withholds rooms."""

    DRAFT = "draft"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class AllotmentEventKind(StrEnum):
    """What an event does to the (room type, night) cells it names.

    * ``BLOCK_CONTRACT``: contract ``rooms`` (and ``rate``, if given) on the nights named, whether
      or not a season covered them;
    * ``BLOCK_AMENDMENT``: set the contracted rooms (and rate) of nights already contracted;
    * ``INCREASE_ALLOTMENT`` / ``REDUCE_ALLOTMENT``: add / remove ``rooms`` (never below zero);
    * ``RATE_CHANGE``: the contract rate becomes ``rate``;
    * ``STOP_SALE`` / ``RESUME_SALE``: the agency may not / may again sell those nights (the rooms
      stay withheld for it until their release);
    * ``RELEASE``: give back ``rooms`` unsold rooms now (all unsold rooms when ``rooms`` is absent).
    """

    INCREASE_ALLOTMENT = "INCREASE_ALLOTMENT"
    REDUCE_ALLOTMENT = "REDUCE_ALLOTMENT"
    BLOCK_CONTRACT = "BLOCK_CONTRACT"
    BLOCK_AMENDMENT = "BLOCK_AMENDMENT"
    RATE_CHANGE = "RATE_CHANGE"
    STOP_SALE = "STOP_SALE"
    RESUME_SALE = "RESUME_SALE"
    RELEASE = "RELEASE"


ROOM_EVENTS = frozenset(
    {
        AllotmentEventKind.INCREASE_ALLOTMENT,
        AllotmentEventKind.REDUCE_ALLOTMENT,
        AllotmentEventKind.BLOCK_CONTRACT,
        AllotmentEventKind.BLOCK_AMENDMENT,
    }
)
"""Events that must say how many ``rooms``."""


@dataclass(frozen=True, slots=True)
class Season:
    """``rooms`` rooms of a room type at ``rate`` per night on the nights of ``nights`` falling on ``weekdays``."""

    room_type_id: int
    nights: NightRange
    rooms: int
    rate: Decimal
    weekdays: frozenset[Weekday] = ALL_WEEKDAYS
    min_stay: int = 1


@dataclass(frozen=True, slots=True)
class ReleaseStep:
    """From ``days_before`` days before a night, the agency keeps at most ``rooms_kept`` of its unsold rooms."""

    days_before: int
    rooms_kept: int


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """What the pipeline needs of one version of a contract."""

    contract_id: int
    mode: ContractMode
    status: ContractStatus
    seasons: tuple[Season, ...]
    release_steps: tuple[ReleaseStep, ...] = ()

    @property
    def room_type_ids(self) -> frozenset[int]:
        return frozenset(season.room_type_id for season in self.seasons)


@dataclass(frozen=True, slots=True)
class AllotmentEvent:
    """One append-only change to a contract. ``room_type_id`` / ``nights`` ``None`` mean all of the contract's."""

    contract_id: int
    kind: AllotmentEventKind
    effective_at: datetime
    sequence: int
    room_type_id: int | None = None
    nights: NightRange | None = None
    weekdays: frozenset[Weekday] = ALL_WEEKDAYS
    rooms: int | None = None
    rate: Decimal | None = None

    def order_key(self) -> tuple[object, ...]:
        """Effective time, sequence, then the event's content: a total order independent of arrival."""
        nights = (self.nights.check_in, self.nights.check_out) if self.nights else (date.min, date.min)
        return (
            self.effective_at,
            self.sequence,
            self.kind.value,
            self.room_type_id or 0,
            nights,
            sorted(self.weekdays),
            -1 if self.rooms is None else self.rooms,
            Decimal(-1) if self.rate is None else self.rate,
        )


CellKey = tuple[int, date]
"""(room type id, night)."""

PickUps = Mapping[tuple[int, int, date], int]
"""Rooms picked up (sold or held by agency bookings) per (contract id, room type id, night)."""


@dataclass(slots=True)
class ContractCell:
    """One (contract, room type, night) while events are applied: contracted rooms, rate, stop-sale, releases.

    Mutable on purpose: the applier updates cells in place (a year of a contract is thousands of
    cells and a thousand events); :func:`apply_events` hands the caller cells nobody else holds.
    """

    contracted: int
    rate: Decimal | None
    min_stay: int = 1
    stop_sale: bool = False
    released_by_event: int = 0
    release_all: bool = False


def season_cells(terms: ContractTerms) -> dict[CellKey, ContractCell]:
    """The contracted cells of a contract's seasons (a later season overrides an earlier one on a shared night)."""
    cells: dict[CellKey, ContractCell] = {}
    for season in terms.seasons:
        for night in season.nights.nights(season.weekdays):
            cells[(season.room_type_id, night)] = ContractCell(season.rooms, season.rate, season.min_stay)
    return cells


def _event_cells(
    event: AllotmentEvent, cells: Mapping[CellKey, ContractCell], room_type_ids: frozenset[int]
) -> list[CellKey]:
    """The cells an event names: for a BLOCK_CONTRACT every night of its range, else the contracted ones."""
    if event.nights is not None:
        room_types = [event.room_type_id] if event.room_type_id is not None else sorted(room_type_ids)
        wanted = event.nights.nights(event.weekdays)
        keys = [(room_type, night) for room_type in room_types for night in wanted]
        if event.kind is AllotmentEventKind.BLOCK_CONTRACT:
            return keys
        return [key for key in keys if key in cells]
    return [
        key
        for key in cells
        if (event.room_type_id is None or key[0] == event.room_type_id) and Weekday.of(key[1]) in event.weekdays
    ]


def _apply(event: AllotmentEvent, cells: dict[CellKey, ContractCell], room_type_ids: frozenset[int]) -> None:
    kind, rooms = event.kind, event.rooms or 0
    for key in _event_cells(event, cells, room_type_ids):
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = ContractCell(0, event.rate)
        if kind in (AllotmentEventKind.BLOCK_CONTRACT, AllotmentEventKind.BLOCK_AMENDMENT):
            cell.contracted = rooms
            cell.rate = event.rate if event.rate is not None else cell.rate
        elif kind is AllotmentEventKind.INCREASE_ALLOTMENT:
            cell.contracted += rooms
            cell.rate = cell.rate if cell.rate is not None else event.rate
        elif kind is AllotmentEventKind.REDUCE_ALLOTMENT:
            cell.contracted = max(0, cell.contracted - rooms)
        elif kind is AllotmentEventKind.RATE_CHANGE:
            cell.rate = event.rate
        elif kind in (AllotmentEventKind.STOP_SALE, AllotmentEventKind.RESUME_SALE):
            cell.stop_sale = kind is AllotmentEventKind.STOP_SALE
        elif event.rooms is None:
            cell.release_all = True
        else:
            cell.released_by_event += rooms


def apply_events(
    terms: ContractTerms, events: Iterable[AllotmentEvent], *, as_of: datetime
) -> dict[CellKey, ContractCell]:
    """The event applier: the contract's cells after every one of its events effective at ``as_of``."""
    mine = [event for event in events if event.contract_id == terms.contract_id]
    cells = season_cells(terms)
    room_type_ids = terms.room_type_ids | {event.room_type_id for event in mine if event.room_type_id is not None}
    for event in sorted((event for event in mine if event.effective_at <= as_of), key=AllotmentEvent.order_key):
        _apply(event, cells, room_type_ids)
    return cells


# --- release steps and outstanding allotments ---------------------------------------------------


class AllotmentNight(NamedTuple):
    """What one contract holds of one room type on one night.

    ``outstanding`` rooms are withheld from every other channel; ``released`` is what the contract
    gave back (by release steps or RELEASE events) — never more than was unsold.
    ``release_date``: the local date the first release step applies (``None`` without steps).
    (A named tuple rather than a dataclass: a property's year is tens of thousands of them.)
    """

    contract_id: int
    room_type_id: int
    night: date
    contracted: int
    picked_up: int
    outstanding: int
    released: int
    rate: Decimal | None
    min_stay: int
    stop_sale: bool
    release_date: date | None

    @property
    def unsold(self) -> int:
        return max(0, self.contracted - self.picked_up)


class ReleaseSchedule:
    """A contract's release steps on local date ``today``, asked night by night (answers cached per night)."""

    def __init__(self, steps: Iterable[ReleaseStep], today: date) -> None:
        self._steps = sorted(steps, key=lambda step: step.days_before)
        self._today = today
        longest = self._steps[-1].days_before if self._steps else None
        self._first_release = timedelta(days=longest) if longest is not None else None
        self._cache: dict[date, tuple[int | None, date | None]] = {}

    def at(self, night: date) -> tuple[int | None, date | None]:
        """(the fewest rooms a step in force keeps on ``night`` or None, the date the first step applies)."""
        found = self._cache.get(night)
        if found is None:
            days_ahead = (night - self._today).days
            kept = [step.rooms_kept for step in self._steps if step.days_before >= days_ahead]
            release = night - self._first_release if self._first_release is not None else None
            found = self._cache[night] = (min(kept) if kept else None, release)
        return found


def resolve_contract(
    terms: ContractTerms, cells: Mapping[CellKey, ContractCell], picked_up: PickUps, today: date
) -> list[AllotmentNight]:
    """Outstanding and released rooms of every cell of one contract on local date ``today`` (sorted).

    Only an active contract withholds rooms. What it may withhold is its contracted rooms less
    the ones released by events, capped by the release steps in force; picked-up rooms are never
    taken back, so ``outstanding + released`` is exactly the unsold rooms.
    """
    release_at = ReleaseSchedule(terms.release_steps, today).at
    active = terms.status is ContractStatus.ACTIVE
    contract_id, taken_of = terms.contract_id, picked_up.get
    resolved = []
    for key in sorted(cells):
        room_type_id, night = key
        cell = cells[key]
        contracted = cell.contracted
        taken = taken_of((contract_id, room_type_id, night), 0)
        unsold = contracted - taken if contracted > taken else 0
        outstanding = released = 0
        kept, release_date = release_at(night)
        if active:
            cap = 0 if cell.release_all else contracted - cell.released_by_event
            if kept is not None and kept < cap:
                cap = kept
            outstanding = cap - taken if cap > taken else 0
            if outstanding > unsold:
                outstanding = unsold
            released = unsold - outstanding
        resolved.append(
            AllotmentNight(
                contract_id,
                room_type_id,
                night,
                contracted,
                taken,
                outstanding,
                released,
                cell.rate,
                cell.min_stay,
                cell.stop_sale,
                release_date,
            )
        )
    return resolved


def resolve_allotment_nights(
    contracts: Iterable[ContractTerms],
    events: Iterable[AllotmentEvent],
    *,
    picked_up: PickUps,
    as_of: datetime,
    today: date,
) -> tuple[AllotmentNight, ...]:
    """Contracts → event applier → outstanding allotments, for every contracted cell (sorted)."""
    by_contract: dict[int, list[AllotmentEvent]] = {}
    for event in events:
        by_contract.setdefault(event.contract_id, []).append(event)
    resolved: list[AllotmentNight] = []
    for terms in sorted(contracts, key=lambda contract: contract.contract_id):
        cells = apply_events(terms, by_contract.get(terms.contract_id, ()), as_of=as_of)
        resolved.extend(resolve_contract(terms, cells, picked_up, today))
    return tuple(resolved)

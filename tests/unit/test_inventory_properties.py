"""Property: our own writes never make availability negative; the ones that would are refused.

A hypothesis state machine drives random sequences of sell / hold / confirm / release / cancel /
block / unblock / total change / buffer change / availability override over a week of one room
type, and (in the second machine) OTA sales that are allowed to overbook. A simple model keeps
the counters as plain sums of the accepted operations; every step checks the functions accepted
exactly what the model says fits, and that availability stays non-negative.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from chalicelib.domain.errors import DomainError
from chalicelib.domain.inventory import (
    CounterChange,
    InventoryCell,
    apply_buffer_setting,
    apply_counter_change,
    change_total,
    new_cell,
    override_availability,
    sell,
)
from tests.unit.calendar_strategies import STATEFUL, TODAY

NIGHTS = [TODAY + timedelta(days=i) for i in range(7)]
ROOM_TYPE = 3

night_sets = st.sets(st.sampled_from(NIGHTS), min_size=1, max_size=4)
room_counts = st.integers(1, 4)


class OurWrites(RuleBasedStateMachine):
    """Only the writes we make ourselves: availability must never go below zero."""

    allow_ota = False

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[date, InventoryCell] = {n: new_cell(ROOM_TYPE, n, total=4, buffer=1) for n in NIGHTS}
        # the model: plain counters, independent of the code under test
        self.sold = dict.fromkeys(NIGHTS, 0)
        self.held = dict.fromkeys(NIGHTS, 0)
        self.blocked = dict.fromkeys(NIGHTS, 0)
        self.total = dict.fromkeys(NIGHTS, 4)
        self.versions = {n: 1 for n in NIGHTS}

    # -- helpers -------------------------------------------------------------------------------

    def model_free(self, night: date) -> int:
        return self.total[night] - self.sold[night] - self.held[night] - self.blocked[night]

    def commit(self, changed: tuple[InventoryCell, ...]) -> None:
        for cell in changed:
            assert cell.version == self.cells[cell.night].version + 1, "each change bumps the version by one"
            self.cells[cell.night] = cell

    def attempt(self, change: CounterChange, nights: set[date], rooms: int, fits: bool) -> None:
        before = dict(self.cells)
        try:
            changed = apply_counter_change(self.cells, change, nights, rooms)
        except DomainError:
            assert not fits, f"{change} of {rooms} on {sorted(nights)} was refused but fits"
            assert self.cells == before
            return
        assert fits, f"{change} of {rooms} on {sorted(nights)} was accepted but does not fit"
        assert {cell.night for cell in changed} == nights
        for cell in changed:
            assert cell.available >= min(0, before[cell.night].available), "our write lowered a negative night"
        self.commit(changed)
        counter = {"sold": self.sold, "held": self.held, "blocked": self.blocked}
        for night in nights:
            if change is CounterChange.SELL:
                counter["sold"][night] += rooms
            elif change is CounterChange.HOLD:
                counter["held"][night] += rooms
            elif change is CounterChange.BLOCK:
                counter["blocked"][night] += rooms
            elif change is CounterChange.CONFIRM_HOLD:
                counter["held"][night] -= rooms
                counter["sold"][night] += rooms
            elif change is CounterChange.RELEASE_HOLD:
                counter["held"][night] -= rooms
            elif change is CounterChange.CANCEL_SALE:
                counter["sold"][night] -= rooms
            else:
                counter["blocked"][night] -= rooms

    # -- our writes ------------------------------------------------------------------------------

    @rule(
        change=st.sampled_from([CounterChange.SELL, CounterChange.HOLD, CounterChange.BLOCK]),
        nights=night_sets,
        rooms=room_counts,
    )
    def consume(self, change: CounterChange, nights: set[date], rooms: int) -> None:
        fits = all(self.cells[n].available >= rooms for n in nights)
        # the model's own view: rooms left after the buffer, which withholds only free rooms
        assert fits == all(
            self.model_free(n) - min(self.cells[n].buffer, max(0, self.model_free(n))) >= rooms for n in nights
        )
        self.attempt(change, nights, rooms, fits)

    @rule(nights=night_sets, rooms=room_counts)
    def confirm(self, nights: set[date], rooms: int) -> None:
        self.attempt(CounterChange.CONFIRM_HOLD, nights, rooms, all(self.held[n] >= rooms for n in nights))

    @rule(nights=night_sets, rooms=room_counts)
    def release(self, nights: set[date], rooms: int) -> None:
        self.attempt(CounterChange.RELEASE_HOLD, nights, rooms, all(self.held[n] >= rooms for n in nights))

    @rule(nights=night_sets, rooms=room_counts)
    def cancel(self, nights: set[date], rooms: int) -> None:
        self.attempt(CounterChange.CANCEL_SALE, nights, rooms, all(self.sold[n] >= rooms for n in nights))

    @rule(nights=night_sets, rooms=room_counts)
    def unblock(self, nights: set[date], rooms: int) -> None:
        self.attempt(CounterChange.UNBLOCK, nights, rooms, all(self.blocked[n] >= rooms for n in nights))

    @rule(new_total=st.integers(0, 8), start=st.sampled_from(NIGHTS))
    def change_total(self, new_total: int, start: date) -> None:
        future = [n for n in NIGHTS if n >= start]
        fits = all(new_total >= self.total[n] - self.model_free(n) or new_total >= self.total[n] for n in future)
        before = dict(self.cells)
        try:
            changed = change_total(self.cells.values(), new_total, from_night=start)
        except DomainError:
            assert not fits
            assert self.cells == before
            return
        assert fits
        for cell in changed:
            assert cell.available >= min(0, before[cell.night].available)
        self.commit(changed)
        for n in future:
            self.total[n] = new_total

    @rule(buffer=st.integers(0, 3), start=st.sampled_from(NIGHTS))
    def change_buffer(self, buffer: int, start: date) -> None:
        self.commit(apply_buffer_setting(self.cells.values(), buffer, from_night=start))

    @rule(night=st.sampled_from(NIGHTS), available=st.integers(0, 6))
    def override(self, night: date, available: int) -> None:
        try:
            cell = override_availability(self.cells[night], available)
        except DomainError:
            assert available > max(0, self.model_free(night))
            return
        assert cell.available == available or self.model_free(night) < 0
        if cell is not self.cells[night]:
            self.commit((cell,))

    # -- invariants ------------------------------------------------------------------------------

    @invariant()
    def counters_match_the_model(self) -> None:
        for n in NIGHTS:
            cell = self.cells[n]
            assert (cell.total, cell.sold, cell.held, cell.blocked) == (
                self.total[n],
                self.sold[n],
                self.held[n],
                self.blocked[n],
            )

    @invariant()
    def versions_never_decrease(self) -> None:
        for n in NIGHTS:
            assert self.cells[n].version >= self.versions[n]
            self.versions[n] = self.cells[n].version

    @invariant()
    def availability_is_never_negative_without_ota_overbooking(self) -> None:
        if not self.allow_ota:
            assert all(cell.available >= 0 for cell in self.cells.values())
            assert all(cell.available <= cell.total for cell in self.cells.values())


class OurWritesWithOtaSales(OurWrites):
    """OTA sales may overbook; our writes still never lower a night below zero or below where it is."""

    allow_ota = True

    @rule(nights=night_sets, rooms=room_counts)
    def ota_sale(self, nights: set[date], rooms: int) -> None:
        self.commit(sell(self.cells, nights, rooms, allow_overbooking=True))
        for night in nights:
            self.sold[night] += rooms

    @invariant()
    def negative_availability_means_physically_overbooked(self) -> None:
        for cell in self.cells.values():
            assert (cell.available < 0) == (cell.sold + cell.held + cell.blocked > cell.total)


OurWrites.TestCase.settings = STATEFUL
OurWritesWithOtaSales.TestCase.settings = STATEFUL
TestOurWritesNeverMakeAvailabilityNegative = OurWrites.TestCase
TestOtaOverbookingIsTheOnlyWayBelowZero = OurWritesWithOtaSales.TestCase

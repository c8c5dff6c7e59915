"""Properties of the allotment pipeline (contracts → event applier → outstanding allotments → pool).

Random contracts (seasons, release steps, modes) and random event streams over two weeks of three
room types; the checks:

* the resolved calendar does not depend on the order the events arrived in;
* for every night that is not overbooked,
  pool + outstanding allotments + sold + held + blocked + buffer = total;
* a release never returns more than was unsold, and moving "today" forward (releases taking
  effect) never withholds more rooms than before.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.allotment_pool import PoolInput, pool_budget, resolve_calendar
from chalicelib.domain.allotments import (
    AllotmentEvent,
    AllotmentEventKind,
    ContractMode,
    ContractStatus,
    ContractTerms,
    ReleaseStep,
    Season,
    resolve_allotment_nights,
)
from tests.unit.calendar_strategies import PROPERTY, TODAY, night_ranges, weekday_sets

ROOM_TYPES = (11, 12, 13)
NIGHTS = [TODAY + timedelta(days=offset) for offset in range(14)]
AS_OF = datetime(2026, 3, 1, 12, tzinfo=UTC)

rooms = st.integers(0, 6)
rates = st.integers(100, 500).map(Decimal)
release_steps = st.lists(
    st.builds(ReleaseStep, days_before=st.integers(0, 20), rooms_kept=st.integers(0, 4)), max_size=3
).map(tuple)


@st.composite
def contracts(draw: st.DrawFn, contract_id: int) -> ContractTerms:
    seasons = draw(
        st.lists(
            st.builds(
                Season,
                room_type_id=st.sampled_from(ROOM_TYPES),
                nights=night_ranges(TODAY, 14, 10),
                rooms=rooms,
                rate=rates,
                weekdays=weekday_sets,
            ),
            min_size=1,
            max_size=3,
        )
    )
    return ContractTerms(
        contract_id=contract_id,
        mode=draw(st.sampled_from(list(ContractMode))),
        status=draw(st.sampled_from([ContractStatus.ACTIVE, ContractStatus.ACTIVE, ContractStatus.SUSPENDED])),
        seasons=tuple(seasons),
        release_steps=draw(release_steps),
    )


def events(contract_ids: list[int]) -> st.SearchStrategy[AllotmentEvent]:
    return st.builds(
        AllotmentEvent,
        contract_id=st.sampled_from(contract_ids),
        kind=st.sampled_from(list(AllotmentEventKind)),
        # Several events share an effective time and some share a sequence too: ties must not matter.
        effective_at=st.sampled_from([AS_OF - timedelta(hours=1), AS_OF, AS_OF + timedelta(hours=1)]),
        sequence=st.integers(0, 1),
        room_type_id=st.one_of(st.none(), st.sampled_from(ROOM_TYPES)),
        nights=st.one_of(st.none(), st.none(), night_ranges(TODAY, 14, 6)),
        weekdays=weekday_sets,
        rooms=st.one_of(st.integers(1, 4), st.integers(1, 4), st.none()),
        rate=st.one_of(st.none(), rates),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[ContractTerms], list[AllotmentEvent]]:
    terms = [draw(contracts(contract_id)) for contract_id in (1, 2, 3)]
    return terms, draw(st.lists(events([1, 2, 3]), min_size=2, max_size=25))


def pick_ups(terms: list[ContractTerms], draw: st.DrawFn) -> dict[tuple[int, int, date], int]:
    return {
        (contract.contract_id, room_type, night): draw(st.integers(0, 3))
        for contract in terms
        for room_type in contract.room_type_ids
        for night in NIGHTS[:5]
    }


@PROPERTY
@given(scenarios(), st.data())
def test_event_arrival_order_does_not_change_the_calendar(
    scenario: tuple[list[ContractTerms], list[AllotmentEvent]], data: st.DataObject
) -> None:
    terms, stream = scenario
    picked = pick_ups(terms, data.draw)
    shuffled = data.draw(st.permutations(stream))
    cells = [PoolInput(room_type, night, total=12) for room_type in ROOM_TYPES for night in NIGHTS]

    first = resolve_calendar(terms, stream, cells, picked_up=picked, as_of=AS_OF, today=TODAY)
    second = resolve_calendar(list(reversed(terms)), shuffled, cells, picked_up=picked, as_of=AS_OF, today=TODAY)

    assert first == second


@PROPERTY
@given(scenarios(), st.data())
def test_pool_allotments_and_counters_add_up_to_the_total(
    scenario: tuple[list[ContractTerms], list[AllotmentEvent]], data: st.DataObject
) -> None:
    terms, stream = scenario
    allotments = resolve_allotment_nights(terms, stream, picked_up={}, as_of=AS_OF, today=TODAY)
    cells = [
        PoolInput(
            room_type,
            night,
            total=data.draw(st.integers(0, 30)),
            buffer=data.draw(st.integers(0, 3)),
            sold=data.draw(st.integers(0, 5)),
            held=data.draw(st.integers(0, 3)),
            blocked=data.draw(st.integers(0, 3)),
        )
        for room_type in ROOM_TYPES
        for night in NIGHTS
    ]
    allotted: dict[tuple[int, date], int] = {}
    for allotment in allotments:
        key = (allotment.room_type_id, allotment.night)
        allotted[key] = allotted.get(key, 0) + allotment.outstanding

    for night in pool_budget(cells, allotments):
        assert night.allotted == allotted.get((night.room_type_id, night.night), 0)
        committed = night.sold + night.held + night.blocked + night.allotted
        if committed <= night.total:  # overbooking aside
            assert night.pool >= 0
            assert night.pool + night.allotted + night.sold + night.held + night.blocked + night.buffer == night.total
        else:
            assert night.pool == night.total - committed and night.buffer == 0


@PROPERTY
@given(scenarios(), st.data(), st.integers(0, 25))
def test_a_release_never_returns_more_than_was_unsold(
    scenario: tuple[list[ContractTerms], list[AllotmentEvent]], data: st.DataObject, days_later: int
) -> None:
    terms, stream = scenario
    picked = pick_ups(terms, data.draw)
    earlier = resolve_allotment_nights(terms, stream, picked_up=picked, as_of=AS_OF, today=TODAY - timedelta(days=30))
    later = resolve_allotment_nights(
        terms, stream, picked_up=picked, as_of=AS_OF, today=TODAY - timedelta(days=30 - days_later)
    )

    for before, after in zip(earlier, later, strict=True):
        assert (before.contract_id, before.room_type_id, before.night) == (
            after.contract_id,
            after.room_type_id,
            after.night,
        )
        for night in (before, after):
            assert 0 <= night.released <= night.unsold
            assert night.outstanding + night.picked_up <= max(night.contracted, night.picked_up)
        # Time only ever gives rooms back: never more withheld later than earlier.
        assert after.outstanding <= before.outstanding

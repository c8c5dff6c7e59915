"""Examples of the allotment pipeline: what each event does, release steps, the pool."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from chalicelib.domain.allotment_pool import PoolInput, pool_budget
from chalicelib.domain.allotments import (
    AllotmentEvent,
    AllotmentEventKind,
    AllotmentNight,
    ContractMode,
    ContractStatus,
    ContractTerms,
    ReleaseStep,
    Season,
    resolve_allotment_nights,
)
from chalicelib.domain.nights import NightRange

NIGHT = date(2026, 6, 10)
AS_OF = datetime(2026, 5, 1, tzinfo=UTC)
TODAY = date(2026, 5, 1)


def contract(*, steps: tuple[ReleaseStep, ...] = (), status: ContractStatus = ContractStatus.ACTIVE) -> ContractTerms:
    return ContractTerms(
        contract_id=7,
        mode=ContractMode.ALLOTMENT,
        status=status,
        seasons=(
            Season(
                room_type_id=3, nights=NightRange.through(NIGHT, NIGHT + timedelta(days=2)), rooms=5, rate=Decimal(90)
            ),
        ),
        release_steps=steps,
    )


def event(kind: AllotmentEventKind, sequence: int, **values: object) -> AllotmentEvent:
    return AllotmentEvent(7, kind, AS_OF - timedelta(hours=1), sequence, **values)  # type: ignore[arg-type]


def first_night(nights: tuple[AllotmentNight, ...]) -> AllotmentNight:
    return next(night for night in nights if night.night == NIGHT)


def resolve(terms: ContractTerms, *events: AllotmentEvent, today: date = TODAY, picked: int = 0) -> AllotmentNight:
    return first_night(
        resolve_allotment_nights([terms], events, picked_up={(7, 3, NIGHT): picked}, as_of=AS_OF, today=today)
    )


def test_seasons_contract_rooms_at_their_rate() -> None:
    night = resolve(contract(), picked=2)
    assert (night.contracted, night.picked_up, night.outstanding, night.released, night.rate) == (
        5,
        2,
        3,
        0,
        Decimal(90),
    )


def test_events_apply_in_effective_order_then_sequence() -> None:
    increase = event(AllotmentEventKind.INCREASE_ALLOTMENT, 2, rooms=3)
    amend = event(AllotmentEventKind.BLOCK_AMENDMENT, 1, rooms=1)
    assert resolve(contract(), increase, amend).contracted == 4  # amend to 1, then + 3
    late_amend = AllotmentEvent(7, AllotmentEventKind.BLOCK_AMENDMENT, AS_OF - timedelta(minutes=1), 0, rooms=1)
    assert resolve(contract(), late_amend, increase).contracted == 1


def test_future_events_do_not_apply_yet() -> None:
    future = AllotmentEvent(7, AllotmentEventKind.REDUCE_ALLOTMENT, AS_OF + timedelta(seconds=1), 0, rooms=5)
    assert resolve(contract(), future).contracted == 5


def test_reduce_never_goes_below_zero_and_block_contract_adds_nights() -> None:
    reduce = event(AllotmentEventKind.REDUCE_ALLOTMENT, 1, rooms=9)
    assert resolve(contract(), reduce).contracted == 0
    extra = NIGHT + timedelta(days=20)
    block = event(AllotmentEventKind.BLOCK_CONTRACT, 1, room_type_id=3, nights=NightRange.single(extra), rooms=2)
    nights = resolve_allotment_nights([contract()], [block], picked_up={}, as_of=AS_OF, today=TODAY)
    assert [(n.night, n.contracted, n.rate) for n in nights if n.night == extra] == [(extra, 2, None)]


def test_rate_change_and_stop_sale() -> None:
    rate = event(AllotmentEventKind.RATE_CHANGE, 1, rate=Decimal(120))
    stop = event(AllotmentEventKind.STOP_SALE, 2, nights=NightRange.single(NIGHT))
    night = resolve(contract(), rate, stop)
    assert (night.rate, night.stop_sale, night.outstanding) == (Decimal(120), True, 5)
    resumed = resolve(contract(), rate, stop, event(AllotmentEventKind.RESUME_SALE, 3))
    assert resumed.stop_sale is False


def test_release_event_gives_back_unsold_rooms_only() -> None:
    some = resolve(contract(), event(AllotmentEventKind.RELEASE, 1, rooms=2), picked=1)
    assert (some.outstanding, some.released) == (2, 2)
    everything = resolve(contract(), event(AllotmentEventKind.RELEASE, 1), picked=4)
    assert (everything.picked_up, everything.outstanding, everything.released) == (4, 0, 1)


def test_release_steps_apply_from_their_local_date() -> None:
    steps = (ReleaseStep(days_before=30, rooms_kept=2), ReleaseStep(days_before=7, rooms_kept=0))
    terms = contract(steps=steps)
    assert resolve(terms, today=NIGHT - timedelta(days=31)).outstanding == 5
    at_30 = resolve(terms, today=NIGHT - timedelta(days=30), picked=1)
    assert (at_30.outstanding, at_30.released, at_30.release_date) == (1, 3, NIGHT - timedelta(days=30))
    at_7 = resolve(terms, today=NIGHT - timedelta(days=7), picked=1)
    assert (at_7.outstanding, at_7.released, at_7.picked_up) == (0, 4, 1)


def test_inactive_contracts_withhold_nothing() -> None:
    night = resolve(contract(status=ContractStatus.SUSPENDED))
    assert (night.contracted, night.outstanding, night.released) == (5, 0, 0)


def test_pool_subtracts_outstanding_allotments_and_applies_the_buffer_to_free_rooms() -> None:
    allotments = resolve_allotment_nights([contract()], [], picked_up={}, as_of=AS_OF, today=TODAY)
    [pool] = pool_budget([PoolInput(3, NIGHT, total=10, buffer=2, sold=1, held=1, blocked=1)], allotments)
    assert (pool.allotted, pool.buffer, pool.pool) == (5, 2, 0)
    [short] = pool_budget([PoolInput(3, NIGHT, total=8, buffer=2, sold=1, held=1)], allotments)
    assert (short.buffer, short.pool, short.sellable) == (1, 0, 0)
    [over] = pool_budget([PoolInput(3, NIGHT, total=6, buffer=2, sold=3)], allotments)
    assert (over.buffer, over.pool, over.sellable) == (0, -2, 0)

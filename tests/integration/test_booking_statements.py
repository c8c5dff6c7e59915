"""A lean booking transaction: the statements one direct booking sends, counted (no timing).

Before the locks: the property with the pending status and the hold setting in one statement,
then the room types. Under the locks: one lock per room type, the cells, and one statement that
writes everything (group, lines, nights, event, audit row, live row, counters, ARI rows). After
the commit the two outbox relays run in one transaction, a statement each, on the same one connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select

from chalicelib.db.engine import get_engine
from chalicelib.db.models import AriChangeRecord, AuditLog, BookingEvent, BookingLine, BookingNight, OutboxMessage
from chalicelib.db.repositories.bookings import counter_mismatches
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.services import booking_service
from chalicelib.services.booking_service import NewBooking, NewBookingLine
from tests.booking_factories import make_caller, make_hotel


class Trace:
    """Statements of the first transaction (up to its COMMIT) and after it, and the connections checked out at once."""

    def __init__(self) -> None:
        self.booking: list[str] = []
        self.after: list[str] = []
        self.committed = False
        self.commits = 0
        self.out = 0
        self.most_out = 0

    def statement(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        (self.after if self.committed else self.booking).append(" ".join(statement.split()))

    def commit(self, conn: Any) -> None:
        self.committed = True
        self.commits += 1

    def checkout(self, *args: Any) -> None:
        self.out += 1
        self.most_out = max(self.most_out, self.out)

    def checkin(self, *args: Any) -> None:
        self.out -= 1

    def under_lock(self) -> list[str]:
        first = next(i for i, sql in enumerate(self.booking) if "pg_advisory_xact_lock" in sql)
        return self.booking[first:]


@contextmanager
def traced() -> Iterator[Trace]:
    trace = Trace()
    engine = get_engine()
    hooks = [
        (engine, "before_cursor_execute", trace.statement),
        (engine, "commit", trace.commit),
        (engine.pool, "checkout", trace.checkout),
        (engine.pool, "checkin", trace.checkin),
    ]
    for target, name, hook in hooks:
        event.listen(target, name, hook)
    try:
        yield trace
    finally:
        for target, name, hook in hooks:
            event.remove(target, name, hook)


def _count(model: Any) -> int:
    with unit_of_work() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def test_one_direct_booking_sends_a_fixed_handful_of_statements(database_url: str) -> None:
    hotel = make_hotel(rooms=(5, 5))
    caller = make_caller()
    request = NewBooking(
        property_id=hotel.property_id,
        guest_name="Counted Guest",
        lines=(
            NewBookingLine(hotel.room_type_ids[0], hotel.night(1), hotel.night(4), rooms=2),
            NewBookingLine(hotel.room_type_ids[1], hotel.night(2), hotel.night(3)),
        ),
    )
    booking_service.create_booking(caller, request)  # warm: the connection and its session settings
    tables = (BookingLine, BookingNight, BookingEvent, AuditLog, OutboxMessage, AriChangeRecord)
    rows_before = {model: _count(model) for model in tables}

    with traced() as trace:
        created = booking_service.create_booking(caller, request)

    # 2 before the locks, 2 locks (one per room type), the cells, one write
    assert len(trace.booking) == 6, trace.booking
    assert [sql.split()[0] for sql in trace.under_lock()] == ["SELECT", "SELECT", "SELECT", "WITH"]
    assert sum("pg_advisory_xact_lock" in sql for sql in trace.booking) == 2
    assert not [sql for sql in trace.booking if sql.split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    # one transaction after the commit: the live relay (claim and mark, recipients read with them) and
    # the ARI relay (claim and mark by id, the property's connections read with them)
    assert [sql.split()[0] for sql in trace.after] == ["WITH", "WITH"], trace.after
    assert "outbox_messages" in trace.after[0] and "ari_changes" in trace.after[1]
    assert "id = ANY" in trace.after[1]  # the ARI rows the write appended, claimed by id (not the property's scan)
    assert trace.commits == 2  # the booking's, the relays'
    assert trace.most_out == 1  # one connection: the relays no longer open a second one
    # and that one write wrote everything: 2 lines, 4 nights, 1 event, audit, live, 4 ARI rows
    added = {model.__name__: _count(model) - rows_before[model] for model in tables}
    assert added == {
        "BookingLine": 2,
        "BookingNight": 4,
        "BookingEvent": 1,
        "AuditLog": 1,
        "OutboxMessage": 1,
        "AriChangeRecord": 4,
    }
    assert not counter_mismatches_of(hotel.room_type_ids)
    assert created.response["timeline"][0]["kind"] == "created"


def counter_mismatches_of(room_type_ids: list[int]) -> list[Any]:
    with unit_of_work() as uow:
        return list(counter_mismatches(uow.session, room_type_ids))

"""A lean booking transaction: the statements one direct booking sends, and its round trips, counted (no timing).

Before the locks: one statement reading the property, the pending status, the hold setting and
the room types. Under the locks: one lock per room type and the cells (sent together, one round
trip), and one statement that writes everything (group, lines, nights, event, audit row, live
row, counters, ARI rows), its COMMIT sent behind it in the same round trip. After the commit the two outbox relays run in one
transaction, a statement each, on the same one connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select

from chalicelib.db.engine import get_engine
from chalicelib.db.models import (
    AriChangeRecord,
    AuditLog,
    BookingEvent,
    BookingGroup,
    BookingLine,
    BookingNight,
    OutboxMessage,
)
from chalicelib.db.repositories.bookings import counter_mismatches
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.services import booking_service, booking_writer
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


class RoundTrips:
    """Round trips (message trains flushed) on the pooled connection, grouped: the pre-ping, the
    statements after it, the COMMIT (0: it went with the last statement)."""

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped
        self.trips: list[tuple[str, int]] = []
        self.phase = "statement"

    def flush(self) -> None:
        if not self.trips or self.trips[-1][0] != self.phase:
            self.trips.append((self.phase, 0))
        self.trips[-1] = (self.phase, self.trips[-1][1] + 1)
        self.wrapped.flush()

    def mark(self, phase: str) -> None:
        self.phase = phase
        if phase == "commit":
            self.trips.append(("commit", 0))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


@contextmanager
def counted_round_trips() -> Iterator[RoundTrips]:
    """Counts the round trips of the engine's one idle connection (the one the next unit of work
    checks out: every booking here runs on one connection at a time)."""
    engine = get_engine()
    with engine.connect() as connection:
        dbapi = connection.connection.dbapi_connection
    assert dbapi is not None
    socket = RoundTrips(dbapi._sock)  # type: ignore[attr-defined]
    original_ping = engine.dialect.do_ping

    def ping(dbapi_connection: Any) -> bool:
        socket.mark("ping")
        try:
            return original_ping(dbapi_connection)
        finally:
            socket.mark("statement")

    def commit(*args: Any) -> None:
        socket.mark("commit")

    def begin(*args: Any) -> None:
        socket.mark("statement")

    dbapi._sock = socket  # type: ignore[attr-defined]
    setattr(engine.dialect, "do_ping", ping)  # noqa: B010 - an instance override, restored below
    event.listen(engine, "commit", commit)
    event.listen(engine.pool, "checkin", begin)
    try:
        yield socket
    finally:
        event.remove(engine.pool, "checkin", begin)
        event.remove(engine, "commit", commit)
        setattr(engine.dialect, "do_ping", original_ping)  # noqa: B010
        dbapi._sock = socket.wrapped  # type: ignore[attr-defined]
    assert socket.trips, "the booking ran on another connection"


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

    with traced() as trace, counted_round_trips() as socket:
        created = booking_service.create_booking(caller, request)

    # 1 before the locks, 2 locks (one per room type), the cells, one write
    assert len(trace.booking) == 5, trace.booking
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
    # round trips: the booking's ping + BEGIN; the read; the 2 locks with the cells; the write carrying the
    # COMMIT. The relays' ping + BEGIN, 2 claims, COMMIT
    assert socket.trips == [("ping", 1), ("statement", 3), ("commit", 0), ("ping", 1), ("statement", 2), ("commit", 1)]


def test_with_an_idempotency_key_the_commit_is_a_round_trip_of_its_own(database_url: str) -> None:
    """The control: the key's answer is stored after the write, so the write is not the last statement."""
    hotel = make_hotel(rooms=(5,))
    caller = make_caller()

    def request() -> NewBooking:
        return NewBooking(
            property_id=hotel.property_id,
            guest_name="Keyed Guest",
            lines=(NewBookingLine(hotel.room_type_ids[0], hotel.night(1), hotel.night(2)),),
        )

    booking_service.create_booking(caller, request(), idempotency_key="warm-up")
    with counted_round_trips() as socket:
        booking_service.create_booking(caller, request(), idempotency_key="counted")

    # ping + BEGIN; the key's claim (expired row deleted, key inserted), 1 read, the lock with the cells,
    # the write, the key's answer; COMMIT
    assert socket.trips[:3] == [("ping", 1), ("statement", 6), ("commit", 1)]


def counter_mismatches_of(room_type_ids: list[int]) -> list[Any]:
    with unit_of_work() as uow:
        return list(counter_mismatches(uow.session, room_type_ids))


def test_a_failure_after_the_committed_write_still_relays_what_was_committed(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a key the write carries its COMMIT: a failure after it, still inside the transaction
    (here, taking the written rows into the session), cannot undo the booking, so the work registered for after the commit (the live and ARI relays)
    still runs before the error reaches the caller; the channels do not wait for the sweeper."""
    hotel = make_hotel(rooms=(5,))
    caller = make_caller()

    def request(guest: str) -> NewBooking:
        return NewBooking(
            property_id=hotel.property_id,
            guest_name=guest,
            lines=(NewBookingLine(hotel.room_type_ids[0], hotel.night(1), hotel.night(3)),),
        )

    def broken(*args: Any) -> Any:
        raise RuntimeError("the rows could not be taken")

    monkeypatch.setattr(booking_writer, "_as_written", broken)
    with traced() as trace, pytest.raises(RuntimeError, match="could not be taken"):
        booking_service.create_booking(caller, request("Committed Guest"))
    assert _guests(hotel.property_id) == ["Committed Guest"]
    # SQLAlchemy saw no COMMIT (it went with the write): the relays' statements follow the write's
    statements = trace.booking + trace.after
    after_write = statements[next(i for i, sql in enumerate(statements) if "INSERT INTO booking_groups" in sql) + 1 :]
    assert [sql.split()[0] for sql in after_write] == ["WITH", "WITH"], after_write
    assert "outbox_messages" in after_write[0] and "ari_changes" in after_write[1]
    assert not _unrelayed(hotel.property_id)

    # The control: with a key the answer is part of the transaction, so the same failure rolls it all back.
    with traced() as trace, pytest.raises(RuntimeError, match="could not be taken"):
        booking_service.create_booking(caller, request("Rolled Back Guest"), idempotency_key="rolled-back")
    assert _guests(hotel.property_id) == ["Committed Guest"]
    assert trace.commits == 0 and trace.after == []


def _guests(property_id: int) -> list[str]:
    with unit_of_work() as uow:
        return list(uow.session.scalars(select(BookingGroup.guest_name).where(BookingGroup.property_id == property_id)))


def _unrelayed(property_id: int) -> list[int]:
    with unit_of_work() as uow:
        return list(
            uow.session.scalars(
                select(AriChangeRecord.id).where(
                    AriChangeRecord.property_id == property_id, AriChangeRecord.relayed_at.is_(None)
                )
            )
        )

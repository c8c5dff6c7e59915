"""pg8000 through the app's engine sends each parameterised statement in one round trip, and answers
exactly as before: values of every type the app binds, row counts, and errors at parse or bind time."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pg8000.dbapi
import pytest
from pg8000.core import CoreConnection
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from chalicelib.db.driver import commit_behind, execute_in_one_exchange
from chalicelib.db.engine import get_engine


class CountingSocket:
    """The connection's buffered socket, counting flushes: one per message train sent, i.e. per round trip."""

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        self.wrapped.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


@contextmanager
def counted() -> Iterator[tuple[Any, CountingSocket]]:
    with get_engine().connect() as connection:
        dbapi = connection.connection.dbapi_connection
        assert dbapi is not None
        socket = CountingSocket(dbapi._sock)  # type: ignore[attr-defined]
        dbapi._sock = socket  # type: ignore[attr-defined]
        try:
            yield connection, socket
        finally:
            dbapi._sock = socket.wrapped  # type: ignore[attr-defined]


def round_trips(connection: Any, socket: CountingSocket, sql: str, **params: Any) -> tuple[int, list[Any]]:
    before = socket.flushes
    rows = list(connection.execute(text(sql), params))
    return socket.flushes - before, rows


def test_a_statement_with_parameters_is_one_round_trip(database_url: str) -> None:
    with counted() as (connection, socket):
        connection.execute(text("SELECT 1"))  # the transaction's BEGIN, sent on its own
        trips, rows = round_trips(connection, socket, "SELECT CAST(:n AS int) + 1", n=41)
        assert (trips, rows) == (1, [(42,)])
        before = socket.flushes
        connection.commit()
        assert socket.flushes - before == 1


def test_negative_control_pg8000s_own_exchange_takes_three(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    get_engine()  # installs the one-round-trip exchange
    monkeypatch.setattr(CoreConnection, "execute_unnamed", CoreConnection.execute_unnamed.original)  # type: ignore[attr-defined]
    with counted() as (connection, socket):
        connection.execute(text("SELECT 1"))
        trips, rows = round_trips(connection, socket, "SELECT CAST(:n AS int) + 1", n=41)
        assert (trips, rows) == (3, [(42,)])


def test_values_of_every_bound_type_come_back_unchanged(database_url: str) -> None:
    values: dict[str, Any] = {
        "i": 7,
        "s": 'Nguyễn\'s "room" 🏨',
        "none": None,
        "d": Decimal("1234567.89"),
        "day": date(2027, 2, 28),
        "moment": datetime(2027, 2, 28, 13, 45, 1, 250000, tzinfo=UTC),
        "doc": json.dumps({"a": [1, None, "x"]}),
        "yes": True,
    }
    sql = (
        "SELECT CAST(:i AS bigint), CAST(:s AS text), CAST(:none AS text), CAST(:d AS numeric), CAST(:day AS date),"
        " CAST(:moment AS timestamptz), CAST(:doc AS jsonb), CAST(:yes AS boolean)"
    )
    with counted() as (connection, socket):
        connection.execute(text("SELECT 1"))
        trips, rows = round_trips(connection, socket, sql, **values)
    assert trips == 1
    assert list(rows[0]) == [
        7,
        values["s"],
        None,
        values["d"],
        values["day"],
        values["moment"],
        {"a": [1, None, "x"]},
        True,
    ]


def test_row_counts_and_returning(database_url: str) -> None:
    with get_engine().begin() as connection:
        connection.execute(text("CREATE TEMP TABLE t (id serial PRIMARY KEY, name text UNIQUE)"))
        inserted = connection.execute(
            text("INSERT INTO t (name) SELECT unnest(CAST(:names AS text[])) RETURNING id"), {"names": ["a", "b", "c"]}
        ).all()
        assert len(inserted) == 3
        assert (
            connection.execute(text("UPDATE t SET name = name || :x WHERE id > :low"), {"x": "!", "low": 1}).rowcount
            == 2
        )
        assert connection.execute(text("SELECT name FROM t WHERE id = :id"), {"id": 99}).all() == []


def test_errors_at_parse_and_bind_are_raised_and_the_connection_recovers(database_url: str) -> None:
    with get_engine().connect() as connection:
        with pytest.raises(DBAPIError, match="syntax error"):
            connection.execute(text("SELEC :x"), {"x": 1})
        connection.rollback()
        with pytest.raises(DBAPIError, match="invalid input syntax for type integer"):
            connection.execute(text("SELECT CAST(:x AS int)"), {"x": "not a number"})
        connection.rollback()
        connection.execute(text("CREATE TEMP TABLE u (name text UNIQUE)"))
        connection.execute(text("INSERT INTO u VALUES (:n)"), {"n": "one"})
        with pytest.raises(IntegrityError):
            connection.execute(text("INSERT INTO u VALUES (:n)"), {"n": "one"})
        connection.rollback()
        assert connection.execute(text("SELECT CAST(:x AS int) * 2"), {"x": 21}).scalar() == 42


def test_dates_and_timestamps_read_as_pg8000_read_them(database_url: str) -> None:
    sql = (
        "SELECT DATE '2027-02-28', TIMESTAMP '2027-02-28 13:45:01.5', TIMESTAMPTZ '2027-02-28 13:45:01+07',"
        " TIMESTAMPTZ '2027-02-28 13:45:00.123456+00', DATE 'infinity', TIMESTAMPTZ '-infinity', DATE '0044-03-15 BC'"
    )
    with get_engine().connect() as connection:
        row = list(connection.execute(text(sql)).one())
    assert row == [
        date(2027, 2, 28),
        datetime(2027, 2, 28, 13, 45, 1, 500000),
        datetime(2027, 2, 28, 6, 45, 1, tzinfo=UTC),  # the session's time zone is UTC
        datetime(2027, 2, 28, 13, 45, 0, 123456, tzinfo=UTC),
        "infinity",
        "-infinity",
        "0044-03-15 BC",
    ]


def test_the_pre_ping_is_one_round_trip_and_opens_the_transaction(database_url: str) -> None:
    engine = get_engine()
    with engine.connect() as connection:
        dbapi = connection.connection.dbapi_connection
        assert dbapi is not None
        connection.rollback()
        socket = CountingSocket(dbapi._sock)  # type: ignore[attr-defined]
        dbapi._sock = socket  # type: ignore[attr-defined]
        try:
            assert engine.dialect.do_ping(dbapi) is True
            assert socket.flushes == 1
            assert dbapi._in_transaction  # type: ignore[attr-defined]
            # the checkout's work runs in that transaction: no BEGIN of its own
            assert connection.execute(text("SELECT CAST(:x AS int)"), {"x": 5}).scalar() == 5
            assert socket.flushes == 2
        finally:
            dbapi._sock = socket.wrapped  # type: ignore[attr-defined]


# --- the COMMIT sent behind a transaction's last statement -----------------------------------------


@contextmanager
def probe_table(unique: str = "") -> Iterator[str]:
    """A real table (a temporary one is invisible to a second connection), dropped afterwards."""
    name = f"commit_behind_probe_{uuid.uuid4().hex[:8]}"
    with get_engine().begin() as connection:
        connection.execute(text(f"CREATE TABLE {name} (n int {unique})"))
    try:
        yield name
    finally:
        with get_engine().begin() as connection:
            connection.execute(text(f"DROP TABLE {name}"))


def insert_trips(connection: Any, socket: CountingSocket, table: str, n: int) -> int:
    before = socket.flushes
    connection.execute(text(f"INSERT INTO {table} VALUES (:n)"), {"n": n})
    return socket.flushes - before


def committed_rows(table: str) -> list[int]:
    """The table's rows as another connection sees them (what is committed)."""
    with get_engine().connect() as other:
        return [row[0] for row in other.execute(text(f"SELECT n FROM {table} ORDER BY n"))]


def test_a_commit_behind_the_last_statement_makes_one_round_trip_of_both(database_url: str) -> None:
    with probe_table() as table, counted() as (connection, socket):
        dbapi = connection.connection.dbapi_connection
        connection.execute(text("SELECT 1"))
        # control: the statement, then the commit, as two round trips
        trips = insert_trips(connection, socket, table, 1)
        before = socket.flushes
        connection.commit()
        assert (trips, socket.flushes - before) == (1, 1)
        connection.execute(text("SELECT 1"))
        with commit_behind(dbapi):
            trips = insert_trips(connection, socket, table, 2)
        assert trips == 1
        assert not dbapi._in_transaction  # type: ignore[union-attr]
        assert committed_rows(table) == [1, 2]  # committed before the caller's own commit
        before = socket.flushes
        connection.commit()  # nothing left to commit: nothing is sent
        assert socket.flushes == before
        # the connection goes on as usual: a new transaction, committed by its own COMMIT
        insert_trips(connection, socket, table, 3)
        connection.commit()
        assert committed_rows(table) == [1, 2, 3]


def test_a_failing_last_statement_is_raised_and_nothing_is_committed(database_url: str) -> None:
    with probe_table("UNIQUE") as table, counted() as (connection, socket):
        dbapi = connection.connection.dbapi_connection
        connection.execute(text(f"INSERT INTO {table} VALUES (:n)"), {"n": 1})
        connection.execute(text(f"INSERT INTO {table} VALUES (:n)"), {"n": 2})  # same transaction
        before = socket.flushes
        with pytest.raises(IntegrityError), commit_behind(dbapi):
            connection.execute(text(f"INSERT INTO {table} VALUES (:n)"), {"n": 1})
        assert socket.flushes - before == 1
        assert not dbapi._in_transaction  # type: ignore[union-attr]  # ended: the COMMIT rolled it back
        connection.rollback()
        assert committed_rows(table) == []  # the two rows before it were not committed
        assert connection.execute(text("SELECT CAST(:x AS int) * 2"), {"x": 21}).scalar() == 42


def test_a_failing_commit_is_raised_and_nothing_is_committed(database_url: str) -> None:
    with probe_table("UNIQUE DEFERRABLE INITIALLY DEFERRED") as table, get_engine().connect() as connection:
        dbapi = connection.connection.dbapi_connection
        connection.execute(text(f"INSERT INTO {table} VALUES (:n)"), {"n": 1})
        with pytest.raises(IntegrityError, match="duplicate key"), commit_behind(dbapi):
            connection.execute(text(f"INSERT INTO {table} VALUES (:n)"), {"n": 1})  # the check runs at COMMIT
        connection.rollback()
        assert committed_rows(table) == []
        # control: without the COMMIT behind it the statement itself succeeds (the check is deferred)
        connection.execute(text(f"INSERT INTO {table} VALUES (:n)"), {"n": 1})
        connection.execute(text(f"INSERT INTO {table} VALUES (:n)"), {"n": 1})
        with pytest.raises(DBAPIError, match="duplicate key"):
            connection.commit()
        connection.rollback()
        assert committed_rows(table) == []


def test_commit_behind_applies_to_one_statement_only(database_url: str) -> None:
    with probe_table() as table, counted() as (connection, socket):
        dbapi = connection.connection.dbapi_connection
        connection.execute(text("SELECT 1"))
        with commit_behind(dbapi):
            connection.execute(text(f"INSERT INTO {table} VALUES (:n)"), {"n": 1})
            connection.execute(text(f"INSERT INTO {table} VALUES (:n)"), {"n": 2})  # a new transaction
        assert dbapi._in_transaction  # type: ignore[union-attr]
        assert committed_rows(table) == [1]
        before = socket.flushes
        connection.rollback()
        assert socket.flushes - before == 1
        assert committed_rows(table) == [1]


# --- statements sent together ----------------------------------------------------------------------


def test_statements_sent_together_make_one_round_trip_and_run_in_order(database_url: str) -> None:
    with probe_table() as table, counted() as (connection, socket):
        dbapi = connection.connection.dbapi_connection
        connection.execute(text("SELECT 1"))
        before = socket.flushes
        answers = execute_in_one_exchange(
            dbapi,
            [
                (f"INSERT INTO {table} VALUES (%s), (%s)", (1, 2)),
                (f"SELECT n * %s FROM {table} ORDER BY n", (10,)),  # sees the insert before it
            ],
        )
        assert socket.flushes - before == 1
        assert answers == [[], [[10], [20]]]
        # control: the same two one after another, two round trips
        before = socket.flushes
        connection.execute(text(f"INSERT INTO {table} VALUES (:n)"), {"n": 3})
        connection.execute(text(f"SELECT n FROM {table}"))
        assert socket.flushes - before == 2
        connection.rollback()


def test_the_first_error_is_raised_and_the_statements_after_it_do_not_run(database_url: str) -> None:
    with probe_table("UNIQUE") as table, get_engine().connect() as connection:
        dbapi = connection.connection.dbapi_connection
        connection.execute(text(f"INSERT INTO {table} VALUES (:n)"), {"n": 1})
        with pytest.raises(pg8000.dbapi.IntegrityError, match="duplicate key"):
            execute_in_one_exchange(
                dbapi,
                [
                    (f"INSERT INTO {table} VALUES (%s)", (1,)),
                    (f"INSERT INTO {table} VALUES (%s)", (2,)),
                ],
            )
        connection.rollback()
        assert connection.execute(text("SELECT CAST(:x AS int) * 2"), {"x": 21}).scalar() == 42
        connection.commit()
        assert committed_rows(table) == []


def test_a_statement_after_a_lock_waits_for_the_lock(database_url: str) -> None:
    """The read sent with the lock starts once the lock is granted: it sees what the lock's holder committed."""
    with probe_table() as table, get_engine().connect() as holder, get_engine().connect() as waiter:
        holder.execute(text("SELECT pg_advisory_xact_lock(2, 987654)"))
        holder.execute(text(f"INSERT INTO {table} VALUES (:n)"), {"n": 7})
        dbapi = waiter.connection.dbapi_connection
        # control: the same read sent alone does not wait, and sees nothing yet
        assert execute_in_one_exchange(dbapi, [(f"SELECT n FROM {table}", ())]) == [[]]
        found: list[list[list[Any]]] = []
        thread = threading.Thread(
            target=lambda: found.extend(
                execute_in_one_exchange(
                    dbapi, [("SELECT pg_advisory_xact_lock(2, 987654)", ()), (f"SELECT n FROM {table}", ())]
                )
            )
        )
        thread.start()
        waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 987654 AND NOT granted"
        with get_engine().connect() as observer:
            for _ in range(3000):  # until the waiter's backend waits on the lock (bounded)
                if observer.execute(text(waiting)).scalar():
                    break
                observer.rollback()
                thread.join(0.01)
            else:
                pytest.fail("the waiter never waited for the lock")
        holder.commit()
        thread.join(60)
        assert found == [[[""]], [[7]]]
        waiter.rollback()

"""Hot statements run on the session's own driver connection, without SQLAlchemy's per-execute work.

``session.execute`` spends about 0.2 ms of CPU per statement around the driver's own 0.07 ms
(profiled on the booking path: compiled-cache lookup, execution context, result set-up, ORM
execution hooks), a third of a booking's CPU over its handful of statements. The statements of
the booking path are fixed ``text()`` clauses whose rows are read as plain tuples, so
:func:`fetch_all` compiles each once per dialect (the very string SQLAlchemy would send) and
runs it on the DB-API cursor of the session's connection, in the session's transaction:

* the same SQL text and parameters reach the driver (no type processing is lost: ``text()``
  parameters and columns carry none);
* ``before_cursor_execute`` / ``after_cursor_execute`` listeners still see every statement (tracing,
  the tests' statement counts); with none registered nothing is dispatched;
* a driver error goes through the connection's own handler: wrapped in the same
  ``sqlalchemy.exc`` class, a dropped connection invalidated;
* ``autoflush`` flushes pending ORM changes first, as ``session.execute`` does for ORM statements.

``commit=True`` sends the transaction's COMMIT behind the statement in the same exchange
(:func:`chalicelib.db.driver.commit_behind`); the statement must be the transaction's last. The
session then remembers it (:func:`committed_behind`): the unit of work runs its after-commit work
even if the code after that statement raises, since what it wrote is already in the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from sqlalchemy import TextClause
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session

from chalicelib.db.driver import commit_behind, execute_in_one_exchange, one_exchange_available

_Compiled = tuple[TextClause, str, tuple[str, ...] | None]
_compiled: dict[tuple[int, str], _Compiled] = {}
CACHED_STATEMENTS = 256
_COMMITTED_BEHIND = "lean.committed_behind"


def _compile(statement: TextClause, dialect: Dialect) -> _Compiled:
    key = (id(statement), f"{dialect.name}+{dialect.driver}")
    found = _compiled.get(key)
    if found is None or found[0] is not statement:
        compiled = statement.compile(dialect=dialect)
        positions = tuple(compiled.positiontup) if compiled.positiontup is not None else None
        found = (statement, compiled.string, positions)
        if len(_compiled) >= CACHED_STATEMENTS:
            _compiled.clear()
        _compiled[key] = found  # the clause is kept with it: its id stays its own
    return found


def fetch_all(
    session: Session,
    statement: TextClause,
    params: Mapping[str, Any],
    *,
    autoflush: bool = False,
    commit: bool = False,
) -> list[Sequence[Any]]:
    """Run ``statement`` with ``params`` in ``session``'s transaction; its rows (empty when it returns none).

    ``autoflush``: flush pending ORM changes first (what ``session.execute`` does for an ORM
    statement). ``commit``: COMMIT the transaction in the same exchange (see the module's docstring).
    """
    if autoflush and session.autoflush:
        session.flush()
    connection, dbapi_connection = _connection_of(session)
    sql, positions = _compile(statement, connection.dialect)[1:]
    args: Any = tuple(params[name] for name in positions) if positions is not None else dict(params)
    cursor = dbapi_connection.cursor()
    observed = connection._has_events or connection.engine._has_events
    if observed:
        for before in connection.dispatch.before_cursor_execute:
            sql, args = before(connection, cursor, sql, args, None, False)
    try:
        if commit:
            with commit_behind(dbapi_connection):
                cursor.execute(sql, args)
            session.info[_COMMITTED_BEHIND] = True
        else:
            cursor.execute(sql, args)
        rows: list[Sequence[Any]] = list(cursor.fetchall()) if cursor.description is not None else []
    except connection.dialect.loaded_dbapi.Error as error:
        _raise(connection, error, sql, args, cursor)
    cursor.close()
    if observed:
        for after in connection.dispatch.after_cursor_execute:
            after(connection, cursor, sql, args, None, False)
    return rows


def committed_behind(session: Session) -> bool:
    """Whether a statement of ``session`` was sent with the transaction's COMMIT (``fetch_all(commit=True)``)."""
    return bool(session.info.get(_COMMITTED_BEHIND))


def fetch_all_in_one_exchange(
    session: Session, statements: Sequence[tuple[TextClause, Mapping[str, Any]]], *, autoflush: bool = False
) -> list[list[Sequence[Any]]]:
    """Run ``statements`` in order in ``session``'s transaction, sent in one round trip
    (:func:`chalicelib.db.driver.execute_in_one_exchange`; other drivers: one after another); the rows
    of each. Listeners see each statement; the first error is raised as :func:`fetch_all` raises it."""
    if autoflush and session.autoflush:
        session.flush()
    connection, dbapi_connection = _connection_of(session)
    if not one_exchange_available(dbapi_connection):
        return [fetch_all(session, statement, params) for statement, params in statements]
    batch = []
    for statement, params in statements:
        sql, positions = _compile(statement, connection.dialect)[1:]
        assert positions is not None, "pg8000 takes positional parameters"
        batch.append((sql, tuple(params[name] for name in positions)))
    observed = connection._has_events or connection.engine._has_events
    if observed:
        for index, (sql, args) in enumerate(batch):
            for before in connection.dispatch.before_cursor_execute:
                batch[index] = before(connection, None, sql, args, None, False)
    try:
        answers = execute_in_one_exchange(dbapi_connection, batch)
    except connection.dialect.loaded_dbapi.Error as error:
        _raise(connection, error, "; ".join(sql for sql, _ in batch), None, None)
    if observed:
        for sql, args in batch:
            for after in connection.dispatch.after_cursor_execute:
                after(connection, None, sql, args, None, False)
    return list(answers)


def _connection_of(session: Session) -> tuple[Connection, Any]:
    """The session's connection in its current transaction and the driver's connection under it,
    remembered per transaction (``session.connection()`` costs more than running a statement)."""
    transaction = session.get_transaction()
    found = session.info.get(_CONNECTION)
    if transaction is not None and found is not None and found[0] is transaction and not found[1].invalidated:
        return found[1], found[2]
    connection = session.connection()  # begins the transaction if none is open
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection is not None, "a connection in a transaction"
    session.info[_CONNECTION] = (session.get_transaction(), connection, dbapi_connection)
    return connection, dbapi_connection


_CONNECTION = "lean.connection"


def _raise(connection: Connection, error: Exception, sql: str, args: Any, cursor: Any) -> NoReturn:
    connection._handle_dbapi_exception(error, sql, args, cursor, None)

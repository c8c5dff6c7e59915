"""pg8000, made cheaper per statement: one round trip per statement, and a cached placeholder rewrite.

**One round trip.** pg8000 runs every statement with parameters (and every COMMIT and ROLLBACK)
over the extended query protocol in three round trips: Parse + Sync, then Describe (statement) +
Sync, then Bind + Execute + Sync, waiting for the server's answer after each. libpq's
``PQexecParams`` sends the same unnamed statement as one message train — Parse, Bind, Describe
(portal), Execute, Sync — and reads one answer; :func:`install_single_round_trip` makes pg8000 do
that. The server sees the same messages (the Describe is of the bound portal instead of the
statement, answering the same RowDescription); nothing is prepared or kept between statements,
so poolers and proxies see an ordinary unnamed statement. An error at any step is answered, the
rest skipped up to the Sync, and raised as before. COPY (a ``stream``) keeps pg8000's own path.
On the booking path this is two round trips fewer per statement, and under the advisory lock
the difference between 12 round trips and 4.

**The pre-ping** (:func:`ping_and_begin`): BEGIN and SELECT 1 in one simple query.

**The COMMIT behind the last statement** (:func:`commit_behind`): a transaction whose last
statement is known (a direct booking's one write) sends its COMMIT in the same message train,
one round trip for both; the caller's own COMMIT then finds nothing open and sends nothing.

**Dates.** pg8000 parses every date and timestamp with ``strptime``; :func:`install_fast_dates`
gives a connection the standard library's ``fromisoformat`` for them (same values).

**The placeholder rewrite.** SQLAlchemy hands pg8000 each statement with ``%s`` placeholders
("format" paramstyle); pg8000 rewrites them into PostgreSQL's ``$1, $2, ...`` by scanning the
statement character by character in Python, on every execute (profiled: ~0.1-0.3 ms per
statement). In the "format" style the rewritten text depends on the statement text alone (the
values pass through unchanged), so the rewrite is cached per text, bounded; other styles and
statements the scanner refuses go to pg8000's own function as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime
from functools import lru_cache
from struct import Struct
from typing import Any

CACHED_STATEMENTS = 2048

_installed: set[str] = set()
_LENGTH = Struct("!i")
_COUNT = Struct("!h")
_NULL = b"\x00"
# Describe the unnamed portal, Execute it with no row limit, Sync: the tail of every message train.
_DESCRIBE_EXECUTE_SYNC = b"D" + _LENGTH.pack(6) + b"P" + _NULL + b"E" + _LENGTH.pack(9) + _NULL + _LENGTH.pack(0)
_DESCRIBE_EXECUTE_SYNC += b"S" + _LENGTH.pack(4)


def install_placeholder_cache() -> None:
    """Replace ``pg8000.legacy.convert_paramstyle`` (what its DB-API cursor calls) by the cached one. Idempotent."""
    if "placeholders" in _installed:
        return
    import pg8000.legacy

    pg8000.legacy.convert_paramstyle = cached_converter(pg8000.legacy.convert_paramstyle)
    _installed.add("placeholders")


def install_single_round_trip() -> None:
    """Make pg8000 run each parameterised statement (and COMMIT / ROLLBACK) in one round trip, and
    remember each connection's row descriptions. Idempotent; before the first connection is made."""
    if "round trip" in _installed:
        return
    from pg8000.core import CoreConnection

    CoreConnection.execute_unnamed = single_round_trip(CoreConnection.execute_unnamed)
    CoreConnection.handle_ROW_DESCRIPTION = remembered_row_descriptions(CoreConnection.handle_ROW_DESCRIPTION)
    CoreConnection.handle_messages = whole_message_reads(CoreConnection.handle_messages)
    _installed.add("round trip")


def whole_message_reads(original: Callable[..., Any]) -> Callable[..., Any]:
    """pg8000's ``handle_messages`` reading each message's header and body with one buffered read each.

    pg8000 reads them through a helper that copies every read twice (into a bytearray, then back to
    bytes), ~110 reads per booking; the buffered socket already returns the whole size asked for
    unless the connection ends, so the helper is only needed then (a short read: it raises as before).
    """
    from pg8000.core import READY_FOR_QUERY, _read, ci_unpack

    def handle_messages(self: Any, context: Any) -> None:
        sock = self._sock
        read = sock.read
        handlers = self.message_types
        code = None
        while code != READY_FOR_QUERY:
            header = read(5)
            if len(header) != 5:
                header += _read(sock, 5 - len(header))
            code, length = ci_unpack(header)
            data = read(length - 4)
            if len(data) != length - 4:
                data += _read(sock, length - 4 - len(data))
            handlers[code](data, context)
        if context.error is not None:
            raise context.error

    handle_messages.original = original  # type: ignore[attr-defined]
    return handle_messages


ROW_DESCRIPTIONS = 512


def remembered_row_descriptions(original: Callable[..., Any]) -> Callable[..., Any]:
    """pg8000's RowDescription handler, decoding each distinct description once per connection.

    The same statement answers the same bytes every time; pg8000 decodes them column by column
    into dicts and converter lists on every execute (the largest pg8000 item on the booking path
    after the socket). The decoded pair is kept per connection (its converters are that connection's).
    """

    def handle_row_description(self: Any, data: bytes, context: Any) -> None:
        known: dict[bytes, tuple[Any, Any]] | None = self.__dict__.get("_known_row_descriptions")
        if known is None:
            known = self._known_row_descriptions = {}
        found = known.get(data)
        if found is None:
            original(self, data, context)
            if len(known) < ROW_DESCRIPTIONS:
                known[data] = (context.columns, context.input_funcs)
            return
        context.columns, context.input_funcs = found
        if context.rows is None:
            context.rows = []

    return handle_row_description


def message_train(statement: bytes, oids: tuple[int, ...] | list[int], params: tuple[Any, ...] | list[Any],
                  encoding: str) -> bytes:  # fmt: skip
    """Parse (unnamed), Bind (unnamed portal, text formats), Describe portal, Execute, Sync, as bytes.

    ``params`` are pg8000's text parameters (``make_params``: str or None); ``oids`` its input type oids
    (-1 or 0: let the server infer).
    """
    parse = bytearray(_NULL + statement + _NULL)
    parse += _COUNT.pack(len(oids))
    for oid in oids:
        parse += _LENGTH.pack(0 if oid == -1 else oid)
    bind = bytearray(_NULL + _NULL + _COUNT.pack(0) + _COUNT.pack(len(params)))
    for value in params:
        if value is None:
            bind += _LENGTH.pack(-1)
        else:
            encoded = value.encode(encoding)
            bind += _LENGTH.pack(len(encoded))
            bind += encoded
    bind += _COUNT.pack(0)  # results: every column in text format
    train = bytearray(b"P" + _LENGTH.pack(len(parse) + 4))
    train += parse
    train += b"B" + _LENGTH.pack(len(bind) + 4)
    train += bind
    train += _DESCRIBE_EXECUTE_SYNC
    return bytes(train)


def single_round_trip(original: Callable[..., Any]) -> Callable[..., Any]:
    """pg8000's ``CoreConnection.execute_unnamed`` sending one message train and reading one answer.

    A COMMIT (or ROLLBACK) of a connection that is in no transaction is not sent: the server would
    only answer a warning (the transaction was committed behind its last statement, :func:`commit_behind`).
    """
    from pg8000.converters import make_params
    from pg8000.core import IDLE, Context, _flush, _write
    from pg8000.exceptions import DatabaseError, Error

    def execute_unnamed(self: Any, statement: str, vals: Any = (), oids: Any = (), stream: Any = None) -> Any:
        if stream is not None:  # COPY: pg8000's own exchange
            return original(self, statement, vals=vals, oids=oids, stream=stream)
        context = Context(statement)
        if self._transaction_status == IDLE and statement in _ENDS:
            return context
        params = make_params(self.py_types, vals)  # before anything is sent: a value pg8000 cannot send raises here
        encoding = self._client_encoding
        train = message_train(statement.encode(encoding), oids, params, encoding)
        commit = self.__dict__.pop(_COMMIT_BEHIND, False) and statement not in _ENDS
        try:
            _write(self._sock, train + _COMMIT if commit else train)
            _flush(self._sock)
        except AttributeError:
            if self._sock is None:
                from pg8000.exceptions import InterfaceError

                raise InterfaceError("connection is closed") from None
            raise
        if not commit:
            self.handle_messages(context)
            return context
        try:
            self.handle_messages(context)
        except DatabaseError:  # the server skipped to the Sync and answers the COMMIT with a ROLLBACK
            with suppress(Error):  # pg8000 calls that answer "in failed transaction block"
                self.handle_messages(Context("COMMIT"))
            raise
        self.handle_messages(Context("COMMIT"))  # a COMMIT that fails raises, the transaction rolled back
        return context

    execute_unnamed.original = original  # type: ignore[attr-defined]  # pg8000's own, for the tests' control
    return execute_unnamed


_ENDS = frozenset({"commit", "rollback"})
_COMMIT_BEHIND = "_ptx_commit_behind"
_COMMIT = b"Q" + _LENGTH.pack(4 + len(b"COMMIT") + 1) + b"COMMIT" + _NULL  # a simple query


@contextmanager
def commit_behind(dbapi_connection: Any) -> Iterator[None]:
    """The next statement run on ``dbapi_connection`` (a pg8000 connection with
    :func:`install_single_round_trip`) inside the block has a COMMIT sent behind it, in the same
    exchange: one round trip for the transaction's last statement and its commit.

    The statement's error, if any, is raised as before and the COMMIT then ends the failed
    transaction as a ROLLBACK; a COMMIT that fails raises (the transaction is rolled back). The
    caller's own COMMIT afterwards is not sent (nothing is open); a statement run after it starts
    a new transaction, as pg8000 always does. Other drivers: nothing is sent ahead.
    """
    if "round trip" not in _installed or not hasattr(dbapi_connection, "_transaction_status"):
        yield
        return
    dbapi_connection.__dict__[_COMMIT_BEHIND] = True
    try:
        yield
    finally:
        dbapi_connection.__dict__.pop(_COMMIT_BEHIND, None)


def one_exchange_available(dbapi_connection: Any) -> bool:
    """Whether :func:`execute_in_one_exchange` can run on ``dbapi_connection`` (pg8000, this module's exchange)."""
    return "round trip" in _installed and hasattr(dbapi_connection, "_transaction_status")


def execute_in_one_exchange(dbapi_connection: Any, statements: Sequence[tuple[str, Any]]) -> list[list[Any]]:
    """Run ``statements`` ("format"-style SQL, positional values) in order in ONE round trip; their rows.

    Each statement's message train (ending with its own Sync) follows the one before without waiting
    for its answer. The server still runs them one after another, each only once the one before has
    finished: a statement after ``pg_advisory_xact_lock`` starts, and takes its snapshot, once the
    lock is granted. The first error is raised (as pg8000's cursor raises it) after every answer has
    been read; the statements after it fail with the aborted transaction and are not run.
    """
    import pg8000.legacy
    from pg8000.converters import make_params
    from pg8000.core import Context, _flush, _write
    from pg8000.dbapi import IntegrityError, ProgrammingError
    from pg8000.exceptions import DatabaseError, Error, InterfaceError

    connection = dbapi_connection
    if not connection._in_transaction and not connection.autocommit:
        connection.execute_simple("begin transaction")
    encoding = connection._client_encoding
    trains = bytearray()
    contexts = []
    for sql, values in statements:
        statement, vals = pg8000.legacy.convert_paramstyle("format", sql, values)
        trains += message_train(statement.encode(encoding), (), make_params(connection.py_types, vals), encoding)
        contexts.append(Context(statement))
    _write(connection._sock, bytes(trains))
    _flush(connection._sock)
    first: Error | None = None
    for context in contexts:
        try:
            connection.handle_messages(context)
        except Error as error:
            first = first or error
    if isinstance(first, DatabaseError):
        message = first.args[0]
        if not isinstance(message, dict):
            raise ProgrammingError(message) from first
        code = message.get("C")
        kind = InterfaceError if code == "28000" else IntegrityError if code == "23505" else ProgrammingError
        raise kind(message) from first
    if first is not None:
        raise first
    return [[] if context.rows is None else context.rows for context in contexts]


def ping_and_begin(dbapi_connection: Any) -> bool:
    """SQLAlchemy's pre-ping of a pg8000 connection in one round trip instead of two.

    SQLAlchemy pings with a cursor's ``SELECT 1``, before which pg8000 opens the transaction with
    a ``BEGIN`` of its own, waiting for each: the same two statements go here as one simple query
    (a dead connection fails it just the same), leaving the connection in the transaction the
    checkout's work then uses, as before. A connection in autocommit or already in a transaction
    gets the plain ``SELECT 1``.
    """
    if dbapi_connection.autocommit or dbapi_connection._in_transaction:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
    else:
        dbapi_connection.execute_simple("BEGIN TRANSACTION; SELECT 1")
    return True


DATE_OID, TIMESTAMP_OID, TIMESTAMPTZ_OID = 1082, 1114, 1184


def install_fast_dates(dbapi_connection: Any) -> None:
    """Parse dates and timestamps on ``dbapi_connection`` (a pg8000 connection) with the standard
    library's C ``fromisoformat`` instead of pg8000's ``strptime`` (about 20 times slower: 6 timestamps
    read per booking cost more than the statement that read them); whatever ``fromisoformat`` does not
    take (infinity, BC, years past 9999) goes to pg8000's own parser as before."""
    from pg8000 import converters

    for oid, original, parse in (
        (DATE_OID, converters.date_in, date.fromisoformat),
        (TIMESTAMP_OID, converters.timestamp_in, datetime.fromisoformat),
        (TIMESTAMPTZ_OID, converters.timestamptz_in, datetime.fromisoformat),
    ):
        dbapi_connection.register_in_adapter(oid, iso_or(parse, original))
    dbapi_connection.__dict__.pop("_known_row_descriptions", None)  # decoded with the former converters


def iso_or(parse: Callable[[str], Any], original: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(data: str) -> Any:
        try:
            return parse(data)
        except ValueError:
            return original(data)

    return convert


def cached_converter(
    original: Callable[[str, str, Any], tuple[str, Any]],
) -> Callable[[str, str, Any], tuple[str, Any]]:
    """``original`` with its "format"-style rewrites remembered per statement text."""

    @lru_cache(maxsize=CACHED_STATEMENTS)
    def rewritten(query: str) -> str:
        return original("format", query, ())[0]

    def convert(style: str, query: str, args: Any) -> tuple[str, Any]:
        if style == "format":
            return rewritten(query), args
        return original(style, query, args)

    convert.cache_info = rewritten.cache_info  # type: ignore[attr-defined]
    return convert

"""``lean.fetch_all`` answers as ``session.execute`` does: the same rows, the same errors, pending ORM
changes flushed first when asked, and every statement seen by the engine's cursor listeners."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import IntegrityError

from chalicelib.db import lean
from chalicelib.db.engine import get_engine
from chalicelib.db.models import AppSetting
from chalicelib.db.unit_of_work import unit_of_work

ROWS = text(
    "SELECT CAST(:n AS int) + x, CAST(:n AS int), CAST(:day AS date), CAST(:doc AS jsonb), '100%'"
    " FROM unnest(CAST(:xs AS integer[])) AS x ORDER BY x"
)
SETTING = text("SELECT value FROM app_settings WHERE key = :key")
INSERT_SETTING = text("INSERT INTO app_settings (key, value) VALUES (:key, CAST(:value AS jsonb))")


def test_rows_are_those_session_execute_reads(database_url: str) -> None:
    params = {"n": 40, "xs": [2, 1], "day": date(2027, 2, 28), "doc": '{"a": [1, null]}'}
    with unit_of_work() as uow:
        expected = [tuple(row) for row in uow.session.execute(ROWS, params)]
        found = [tuple(row) for row in lean.fetch_all(uow.session, ROWS, params)]
    assert (
        found
        == expected
        == [
            (41, 40, date(2027, 2, 28), {"a": [1, None]}, "100%"),
            (42, 40, date(2027, 2, 28), {"a": [1, None]}, "100%"),
        ]
    )


def test_a_statement_without_rows_answers_none(database_url: str) -> None:
    with unit_of_work() as uow:
        assert lean.fetch_all(uow.session, INSERT_SETTING, {"key": "lean_probe", "value": "1"}) == []
    with unit_of_work() as uow:
        assert lean.fetch_all(uow.session, SETTING, {"key": "lean_probe"}) == [[1]]


def test_errors_are_the_ones_session_execute_raises(database_url: str) -> None:
    with unit_of_work() as uow:
        lean.fetch_all(uow.session, INSERT_SETTING, {"key": "lean_twice", "value": "1"})
    with pytest.raises(IntegrityError), unit_of_work() as uow:
        lean.fetch_all(uow.session, INSERT_SETTING, {"key": "lean_twice", "value": "2"})
    with pytest.raises(IntegrityError), unit_of_work() as uow:  # the control: the same through SQLAlchemy
        uow.session.execute(INSERT_SETTING, {"key": "lean_twice", "value": "2"})
    with unit_of_work() as uow:  # rolled back; the connection serves the next transaction
        assert lean.fetch_all(uow.session, SETTING, {"key": "lean_twice"}) == [[1]]


def test_autoflush_sends_pending_orm_changes_first(database_url: str) -> None:
    with unit_of_work() as uow:
        uow.session.add(AppSetting(key="lean_pending", value=7))
        assert lean.fetch_all(uow.session, SETTING, {"key": "lean_pending"}) == []  # control: not flushed
        assert lean.fetch_all(uow.session, SETTING, {"key": "lean_pending"}, autoflush=True) == [[7]]


def test_cursor_listeners_see_each_statement(database_url: str) -> None:
    seen: list[tuple[str, Any]] = []

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        seen.append((statement, parameters))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", before)
    try:
        with unit_of_work() as uow:
            lean.fetch_all(uow.session, SETTING, {"key": "nothing"})
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert seen == [("SELECT value FROM app_settings WHERE key = %s", ("nothing",))]

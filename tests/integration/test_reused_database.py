"""The harness's reused test database (tests/support/reused_database.py) comes back in the template's
state before every test: rows, sequences, no stray sessions, and a new copy after a schema change."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.reused_database import ReusedDatabase, _connect


def _state(connection: Any) -> dict[str, object]:
    return {
        "countries": connection.run("SELECT json_agg(c ORDER BY code) FROM countries c")[0][0],
        "roles": connection.run("SELECT json_agg(r ORDER BY id) FROM roles r")[0][0],
        "properties": connection.run("SELECT count(*) FROM properties")[0][0],
        "tables": connection.run("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")[0][0],
    }


def _role_sequence(connection: Any) -> object:
    return connection.run("SELECT pg_sequence_last_value(pg_get_serial_sequence('roles', 'id')::regclass)")[0][0]


@pytest.fixture
def reused(postgres_admin_url: str, template_database: str) -> Iterator[ReusedDatabase]:
    database = ReusedDatabase(postgres_admin_url, template_database, "ptx_reused_database_test")
    yield database
    database.drop()


def test_a_test_s_rows_sequences_and_sessions_are_gone_before_the_next_test(reused: ReusedDatabase) -> None:
    url = reused.take()
    session = _connect(url)
    template = _state(session)
    role_sequence = _role_sequence(session)

    session.run(
        "INSERT INTO countries (code, name, default_currency, default_timezone) VALUES ('TH', 'Thailand', 'THB', 'Asia/Bangkok')"
    )
    session.run("UPDATE roles SET name = name || ' (edited)'")
    session.run("DELETE FROM roles WHERE id = (SELECT max(id) FROM roles)")
    for _ in range(3):
        session.run("SELECT nextval(pg_get_serial_sequence('roles', 'id'))")
    country = session.run("SELECT code FROM countries LIMIT 1")[0][0]
    session.run(
        "INSERT INTO properties (code, name, country_code, timezone, currency) VALUES ('P1', 'P', :c, 'UTC', 'USD')",
        c=country,
    )
    stray = _connect(url)
    stray.run("BEGIN")
    stray.run("SELECT * FROM countries FOR UPDATE")  # a session a test left holding locks
    # The control: what the test did is there until the wipe.
    dirty = _state(session)
    assert dirty["countries"] != template["countries"] and dirty["roles"] != template["roles"]
    assert dirty["properties"] == 1
    assert _role_sequence(session) != role_sequence
    session.close()

    reused.give_back()
    assert reused.take() == url
    assert reused.made == 1  # wiped, not copied again
    after = _connect(url)
    assert _state(after) == template
    assert _role_sequence(after) == role_sequence
    with pytest.raises(Exception, match=r"terminat|closed|connection|network error"):
        stray.run("SELECT 1")
    after.close()


@pytest.mark.parametrize(
    "change",
    [
        "CREATE TABLE left_behind (x int)",
        "ALTER TABLE activity_log RENAME TO activity_log_gone",  # counts and OIDs unchanged
        "ALTER TABLE countries ALTER COLUMN name SET DEFAULT 'x'",
        "ALTER TABLE countries DISABLE TRIGGER ALL",
    ],
)
def test_a_schema_change_gets_a_new_copy_of_the_template(reused: ReusedDatabase, change: str) -> None:
    url = reused.take()
    session = _connect(url)
    template = _state(session)
    session.run(change)
    session.close()

    reused.give_back()
    reused.take()
    assert reused.made == 2
    fresh = _connect(url)
    assert _state(fresh) == template
    assert (
        fresh.run("SELECT count(*) FROM pg_tables WHERE tablename IN ('left_behind', 'activity_log_gone')")[0][0] == 0
    )
    fresh.close()


def test_a_wipe_that_fails_gets_a_new_copy(reused: ReusedDatabase) -> None:
    url = reused.take()
    # Whatever a test leaves that the fingerprint does not see and the wipe trips over:
    reused._wipe = reused._wipe.replace("BEGIN;", "BEGIN; SELECT 1/0;")

    assert reused.take() == url
    assert reused.made == 2

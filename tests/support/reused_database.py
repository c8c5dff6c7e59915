"""Each test's database: made once per worker from the migrated template, then wiped back to the
template's state before every following test.

``CREATE DATABASE … TEMPLATE`` and ``DROP DATABASE`` cost PostgreSQL about 0.1 to 0.2 s of CPU per
test (copying ~11 MB and two checkpoints), a sixth of what the whole suite asks of the machine.
Wiping is one round trip: other sessions on the database are terminated (as ``DROP … WITH
(FORCE)`` did), every table is emptied (``DELETE`` with foreign-key triggers off: cheaper than
``TRUNCATE`` for the few rows a test writes; autovacuum takes the dead rows), the template's own rows (statuses,
transitions, roles, countries, the migration version) are put back and every sequence is set to
where the template had it. A test that changed the schema (the migration tests downgrade and
upgrade) is noticed by the catalogue's fingerprint, and its database is dropped and made anew.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from local.postgres import create_database, drop_database

# What a schema change moves: relations made, dropped or renamed, columns, defaults, constraints,
# triggers (and their enabling), functions, schemas, database settings.
_FINGERPRINT = """
SELECT md5(concat_ws('|',
    (SELECT string_agg(format('%s %s %s', c.oid, c.relname, c.relkind), ',' ORDER BY c.oid)
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'),
    (SELECT string_agg(format('%s %s %s %s %s', a.attrelid, a.attname, a.atttypid, a.attnotnull, a.atthasdef), ',' ORDER BY a.attrelid, a.attnum)
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped),
    (SELECT string_agg(d.oid::text, ',' ORDER BY d.oid) FROM pg_attrdef d),
    (SELECT string_agg(format('%s %s %s', k.oid, k.conname, k.convalidated), ',' ORDER BY k.oid) FROM pg_constraint k),
    (SELECT string_agg(format('%s %s %s', t.oid, t.tgname, t.tgenabled), ',' ORDER BY t.oid) FROM pg_trigger t),
    (SELECT format('%s %s', count(*), max(oid::bigint)) FROM pg_proc),
    (SELECT string_agg(nspname, ',' ORDER BY oid) FROM pg_namespace),
    (SELECT count(*)::text FROM pg_db_role_setting)
))
"""


class ReusedDatabase:
    """One worker's test database (``take`` before a test, ``give_back`` after it)."""

    def __init__(self, admin_url: str, template: str, name: str) -> None:
        self.admin_url = admin_url
        self.template = template
        self.name = name
        self._maintenance: Any = None  # a pg8000 connection of our own inside the database
        self._fingerprint = ""
        self._wipe = ""
        self.made = 0  # databases created (tests: the wipe is what runs, not a copy)

    def url(self) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{self.name}"

    def take(self) -> str:
        if self._maintenance is None:
            create_database(self.admin_url, self.name, template=self.template)
            self.made += 1
            self._maintenance = _connect(self.url())
            self._fingerprint = self._current_fingerprint()
            self._wipe = _wipe_script(self._maintenance)
        else:
            try:
                self._maintenance.run(self._wipe)
            except Exception:  # whatever the last test left that the fingerprint missed: a new copy
                self.drop()
                return self.take()
        return self.url()

    def give_back(self) -> None:
        if self._maintenance is not None and self._current_fingerprint() != self._fingerprint:
            self.drop()

    def drop(self) -> None:
        if self._maintenance is not None:
            with contextlib.suppress(Exception):  # it may be the connection that failed
                self._maintenance.close()
            self._maintenance = None
        drop_database(self.admin_url, self.name)

    def _current_fingerprint(self) -> str:
        return str(self._maintenance.run(_FINGERPRINT)[0][0])


def _connect(url: str) -> Any:
    import pg8000.native
    from sqlalchemy import make_url

    parsed = make_url(url)
    return pg8000.native.Connection(
        parsed.username or "postgres",
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        password=parsed.password,
        database=parsed.database,
        ssl_context=False,
    )


def _wipe_script(connection: Any) -> str:
    """The SQL that puts a database copied from the template back to the template's state (read
    from the fresh copy: its tables, the rows it holds, its sequences)."""
    tables = [
        row[0]
        for row in connection.run(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )
    ]
    seeded: list[tuple[str, str]] = []
    for table in tables:
        rows = connection.run(f"SELECT coalesce(json_agg(t), '[]') FROM {table} t")[0][0]
        if rows:
            seeded.append((table, json.dumps(rows)))
    sequences = connection.run(
        "SELECT format('%I.%I', schemaname, sequencename), coalesce(last_value, start_value), last_value IS NOT NULL "
        "FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
    )
    table_array = ", ".join(_literal(table) for table in tables)
    restores = "\n".join(
        f"INSERT INTO {table} SELECT * FROM json_populate_recordset(NULL::{table}, {_literal(rows)});"
        for table, rows in seeded
    )
    setvals = ", ".join(
        f"setval({_literal(name)}, {int(value)}, {'true' if called else 'false'})" for name, value, called in sequences
    )
    return f"""
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
 WHERE datname = current_database() AND pid <> pg_backend_pid();
BEGIN;
SET LOCAL session_replication_role = replica;
DO $wipe$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY[{table_array}]::text[] LOOP
        EXECUTE 'DELETE FROM ' || name;
    END LOOP;
END
$wipe$;
{restores}
SELECT {setvals};
COMMIT;
"""


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"

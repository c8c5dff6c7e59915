"""Alembic environment: runs migrations on the connection or URL that chalicelib.db.migrate gives it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from chalicelib.db.base import Base
from chalicelib.db.models import *  # noqa: F403  (registers every table for autogenerate)
from chalicelib.domain.locks import MIGRATION_LOCK  # two-int advisory lock key (namespace 1 = migrations)

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        compare_type=True,
        transaction_per_migration=False,
    )
    with context.begin_transaction():
        # Only one migrator at a time (a Lambda and a laptop, or two cold starts).
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:a, :b)"), {"a": MIGRATION_LOCK[0], "b": MIGRATION_LOCK[1]}
        )
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("chalicelib.db.migrate passes the database URL; none was given")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported; run `make migrate`")
run_migrations_online()

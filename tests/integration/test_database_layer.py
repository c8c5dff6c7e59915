"""The database layer on a real PostgreSQL: migrations, unit of work, engine configuration."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, func, select, text

from chalicelib.aws import clients
from chalicelib.config import reset_settings
from chalicelib.db import migrate
from chalicelib.db.base import Base
from chalicelib.db.engine import database_url as resolve_database_url
from chalicelib.db.engine import dispose_engines, get_engine
from chalicelib.db.models import Country, Property
from chalicelib.db.unit_of_work import unit_of_work
from tests.conftest import _with_database


def test_schema_is_at_head_and_models_match_migrations(database_url: str) -> None:
    assert migrate.current_revision(database_url) == migrate.head_revision()
    engine = create_engine(database_url)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert differences == [], f"models and migrations disagree: {differences}"


def test_migrations_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    migrate.downgrade(database_url, "base")
    assert migrate.current_revision(database_url) is None
    migrate.upgrade(database_url)
    assert migrate.current_revision(database_url) == migrate.head_revision()


def test_reference_countries_are_seeded(database_url: str) -> None:
    with unit_of_work() as uow:
        codes = set(uow.session.scalars(select(Country.code)))
    assert {"VN", "ID", "MY"} <= codes


def test_unit_of_work_commits_on_success_and_runs_hooks_after_commit(database_url: str) -> None:
    seen: list[int] = []

    def count_after_commit() -> None:
        # A new transaction sees the committed row: hooks run after the commit.
        with unit_of_work() as other:
            seen.append(other.session.scalar(select(func.count(Property.id))) or 0)

    with unit_of_work() as uow:
        uow.session.add(Property(code="T1", name="T", country_code="VN", timezone="Asia/Ho_Chi_Minh", currency="VND"))
        uow.after_commit(count_after_commit)
    assert seen == [1]


def test_unit_of_work_rolls_back_on_error_and_skips_hooks(database_url: str) -> None:
    hooks: list[str] = []
    with pytest.raises(RuntimeError), unit_of_work() as uow:
        uow.session.add(Property(code="T2", name="T", country_code="VN", timezone="Asia/Ho_Chi_Minh", currency="VND"))
        uow.session.flush()
        uow.after_commit(lambda: hooks.append("ran"))
        raise RuntimeError("boom")
    with unit_of_work() as uow:
        assert uow.session.scalar(select(func.count(Property.id))) == 0
    assert hooks == []


def test_engine_is_reused_small_and_pre_pinged(database_url: str) -> None:
    engine = get_engine()
    assert get_engine() is engine  # warm invocations reuse it
    assert engine.pool._pre_ping is True  # type: ignore[attr-defined]
    with unit_of_work() as uow:
        assert uow.session.execute(text("SHOW TIME ZONE")).scalar() == "UTC"
        assert uow.session.execute(text("SHOW statement_timeout")).scalar() == "15s"


def test_dead_pooled_connection_is_replaced_transparently(database_url: str) -> None:
    with unit_of_work() as uow:
        pid = uow.session.execute(text("SELECT pg_backend_pid()")).scalar()
    # Aurora (or a frozen Lambda's NAT) drops the idle connection...
    killer = create_engine(database_url)
    with killer.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    killer.dispose()
    # ...and the next invocation still works, on a new backend.
    with unit_of_work() as uow:
        assert uow.session.execute(text("SELECT pg_backend_pid()")).scalar() != pid


def test_url_from_secrets_manager_secret(
    database_url: str, aws: object, postgres_admin_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import make_url

    url = make_url(database_url)
    secret = {
        "engine": "postgres",
        "host": url.host,
        "port": url.port,
        "username": url.username,
        "password": "",
        "dbname": url.database,
    }
    arn = clients.secrets_manager().create_secret(Name="ptx-cm/test-db", SecretString=json.dumps(secret))["ARN"]
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("DATABASE_SECRET_ARN", arn)
    reset_settings()
    dispose_engines()
    assert resolve_database_url().database == url.database
    with unit_of_work() as uow:
        assert uow.session.execute(text("SELECT current_database()")).scalar() == url.database
    assert _with_database(postgres_admin_url, "x").endswith("/x")


def test_missing_configuration_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.config import SettingsError

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_SECRET_ARN", raising=False)
    reset_settings()
    with pytest.raises(SettingsError, match="DATABASE_URL or DATABASE_SECRET_ARN"):
        resolve_database_url()
    reset_settings()

"""The test harness: a real PostgreSQL and a real moto server, shared by integration and e2e tests.

PostgreSQL: ``TEST_DATABASE_URL`` (a superuser/CREATEDB URL) when set; otherwise a throwaway
cluster per process (per xdist worker), started here (as an unprivileged account when run as
root, fsync off) from a copy of the run's seed data directory (``tests/support/pg_seed.py``:
initdb and the migrations run once per run) and removed at the end. Every test that asks for
``database_url`` gets a database in the migrated template's state, its own while it runs, so tests
are isolated and may commit and use many connections at once (the booking race tests do): each
worker copies the template once and wipes that copy back to it before every test
(``tests/support/reused_database.py``; a copy per test cost PostgreSQL 0.1 to 0.2 s of CPU).

AWS: one moto server per process (per worker); ``aws`` hands each test the app's resources
bootstrapped and empty: queues purged, attributes restored, a fresh JWT keyring, no emails
(moto is reset and re-bootstrapped only after a test changed more than that).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib.aws.clients import reset_clients
from chalicelib.aws.queues import reset_queue_urls
from chalicelib.aws.signing_keys import reset_signing_keys
from chalicelib.config import reset_settings
from chalicelib.db.engine import dispose_engines
from tests.support import pg_seed
from tests.support.reused_database import ReusedDatabase

PROJECT_DIR = Path(__file__).resolve().parent.parent
RUN_ID = uuid.uuid4().hex[:8]
_RUN_DIR = pytest.StashKey[Path]()


def _normalise(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+pg8000://" + url[len(prefix) :]
    return url


def _with_database(admin_url: str, database: str) -> str:
    from sqlalchemy import make_url

    return make_url(admin_url).set(database=database).render_as_string(hide_password=False)


def pytest_configure(config: pytest.Config) -> None:
    """The controlling process makes the run's scratch folder; xdist workers inherit it (env)."""
    if not hasattr(config, "workerinput"):
        os.environ.pop(pg_seed.RUN_DIR_VARIABLE, None)
        config.stash[_RUN_DIR] = pg_seed.run_dir()


def pytest_unconfigure(config: pytest.Config) -> None:
    made = config.stash.get(_RUN_DIR, None)
    if made is not None:
        shutil.rmtree(made, ignore_errors=True)
        os.environ.pop(pg_seed.RUN_DIR_VARIABLE, None)


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A URL with the right to create databases."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield _normalise(external)
        return
    from local.postgres import EmbeddedPostgres, PostgresNotFound

    base = pg_seed.run_dir() / f"pg-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    try:
        server = EmbeddedPostgres(base / "data", max_connections=300)
    except PostgresNotFound as exc:
        pytest.exit(f"cannot run database tests: {exc}", returncode=2)
    server.initialise(copy_of=pg_seed.seed_data_dir())
    server.start()
    try:
        yield server.url()
    finally:
        dispose_engines()
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def template_database(postgres_admin_url: str) -> Iterator[str]:
    """A database migrated to head, copied for each test (in the seed, or made here for TEST_DATABASE_URL)."""
    if not os.environ.get("TEST_DATABASE_URL"):
        yield pg_seed.TEMPLATE_DATABASE
        return
    from chalicelib.db.migrate import upgrade
    from local.postgres import create_database, drop_database

    name = f"ptx_template_{RUN_ID}"
    create_database(postgres_admin_url, name)
    upgrade(_with_database(postgres_admin_url, name))
    dispose_engines()
    yield name
    drop_database(postgres_admin_url, name)


@pytest.fixture(scope="session")
def reused_database(postgres_admin_url: str, template_database: str) -> Iterator[ReusedDatabase]:
    """The worker's test database, made from the template once and wiped back to it before each test."""
    database = ReusedDatabase(postgres_admin_url, template_database, f"ptx_test_{RUN_ID}_{_worker_name()}")
    yield database
    dispose_engines()
    database.drop()


@pytest.fixture
def database_url(reused_database: ReusedDatabase, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A database in the migrated template's state, this test's alone; DATABASE_URL points the app at it."""
    url = reused_database.take()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DB_POOL_SIZE", "5")
    monkeypatch.setenv("DB_MAX_OVERFLOW", "60")
    reset_settings()
    try:
        yield url
    finally:
        dispose_engines()
        reset_settings()
        reused_database.give_back()


def _worker_name() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def moto_server() -> Iterator[object]:
    from local.moto_server import MotoServer

    server = MotoServer().start()
    yield server
    server.stop()


_MOTO_BASELINE = pytest.StashKey[object]()


@pytest.fixture
def aws(moto_server: object, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[object]:
    """The app's queues (empty), topic, KMS key and secrets (a fresh JWT keyring) on the process's
    moto server, no emails sent; env points at it. Cleaned in place (tests/support/moto_state.py);
    reset and bootstrapped again only when the previous test changed more than that."""
    import json
    import secrets
    import urllib.request

    from chalicelib.aws import clients
    from chalicelib.aws.resources import JWT_SIGNING_KEYS_SECRET_NAME
    from local.aws_bootstrap import bootstrap
    from tests.support import moto_state

    for name, value in moto_server.environment().items():  # type: ignore[attr-defined]
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_REGION", "ap-southeast-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-1")
    reset_settings()
    reset_clients()
    reset_queue_urls()
    reset_signing_keys()
    stash = request.session.stash
    baseline = stash.get(_MOTO_BASELINE, None)
    if baseline is not None and moto_state.restore(baseline):  # type: ignore[arg-type]
        fresh_keys = {"current": "local-1", "keys": {"local-1": secrets.token_urlsafe(48)}}
        clients.secrets_manager().put_secret_value(
            SecretId=JWT_SIGNING_KEYS_SECRET_NAME, SecretString=json.dumps(fresh_keys)
        )
    else:
        reset_request = urllib.request.Request(
            f"{moto_server.endpoint_url}/moto-api/reset",  # type: ignore[attr-defined]
            method="POST",
        )
        urllib.request.urlopen(reset_request, timeout=10).close()
        bootstrap()
        stash[_MOTO_BASELINE] = moto_state.capture("ap-southeast-1")
    yield moto_server
    reset_clients()
    reset_queue_urls()
    reset_signing_keys()
    reset_settings()


@pytest.fixture
def identity(database_url: str, moto_server: object, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Users, roles and logins on a fresh database (see tests/factories.py).

    AWS is the session's moto server with just the JWT secret and the SES sender ensured (a full
    reset costs about a second); a test that counts emails or edits the secret also asks for
    ``aws``, which empties it. bcrypt runs at cost 4 here so tests stay fast; the cost-12 default
    is asserted by its own test and measured by bench/login_latency.py.
    """
    import json
    import secrets

    from chalice.test import Client

    from app import app
    from chalicelib.aws import clients
    from chalicelib.aws.resources import JWT_SIGNING_KEYS_SECRET_NAME
    from local.aws_bootstrap import ensure_identity_resources
    from tests.factories import Identity

    for name, value in moto_server.environment().items():  # type: ignore[attr-defined]
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_REGION", "ap-southeast-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-1")
    monkeypatch.setenv("BCRYPT_ROUNDS", "4")
    reset_settings()
    # boto3 clients are kept from test to test (cached per service, region and endpoint: the
    # worker's moto server); building them was a tenth of an API test's CPU. ``aws`` still starts
    # and ends with new ones, for the tests that hook into a client's events.
    reset_signing_keys()
    ensure_identity_resources()
    # A fresh keyring per test, whatever an earlier test did to the session's secret.
    fresh_keys = {"current": "test-1", "keys": {"test-1": secrets.token_urlsafe(48)}}
    clients.secrets_manager().put_secret_value(
        SecretId=JWT_SIGNING_KEYS_SECRET_NAME, SecretString=json.dumps(fresh_keys)
    )
    with Client(app) as client:
        yield Identity(client)
    reset_signing_keys()
    reset_settings()


def sent_emails(moto_server: object, to: str | None = None) -> list[dict[str, object]]:
    """Emails SES (moto) accepted since the last reset: [{"subject", "body", "destinations", ...}]."""
    import json
    import urllib.request

    url = f"{moto_server.endpoint_url}/moto-api/data.json"  # type: ignore[attr-defined]
    with urllib.request.urlopen(url, timeout=10) as response:
        data = json.load(response)
    messages: list[dict[str, object]] = data.get("ses", {}).get("Message", [])
    if to is None:
        return messages
    return [m for m in messages if to in (m.get("destinations") or {}).get("ToAddresses", [])]  # type: ignore[union-attr]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its folder, so `-m unit` / `-m integration` / `-m e2e` select them."""
    for item in items:
        parts = Path(str(item.fspath)).relative_to(PROJECT_DIR / "tests").parts
        if parts and parts[0] in {"unit", "integration", "e2e"}:
            item.add_marker(getattr(pytest.mark, parts[0]))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """On an xdist worker under ``--dist loadgroup``, every grouped test's id ends with ``@<group>``
    (xdist schedules by that suffix). A pytest that xdist cannot suffix (9.2 with xdist 3.8) would
    spread a group over the workers without a word; refuse such a run instead."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    for item in session.items:
        groups = sorted({str(mark.args[0]) for mark in item.iter_markers("xdist_group") if mark.args})
        if groups and not item.nodeid.endswith("@" + "_".join(groups)):
            raise pytest.UsageError(
                f"--dist loadgroup is not in effect: {item.nodeid} has no @{'_'.join(groups)} suffix "
                "(pytest-xdist cannot mark this pytest's node ids; see requirements-dev.txt)"
            )

"""The SQLAlchemy engine for Lambda (the unit of work that uses it is in ``unit_of_work.py``).

The engine is built on first use, not at import, and kept for the life of the container so
warm invocations reuse their connection. A Lambda container serves one invocation at a time,
so the pool is small (``DB_POOL_SIZE``, default 1, plus a little overflow); ``pool_pre_ping``
replaces connections Aurora dropped while the container was frozen, and ``pool_recycle`` retires
them before RDS Proxy or a NAT idle timeout would.

The URL comes from ``DATABASE_URL`` or, in AWS, from the Secrets Manager secret named by
``DATABASE_SECRET_ARN`` (the JSON shape RDS writes: host, port, username, password, dbname).
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

from chalicelib.config import Settings, SettingsError, get_settings
from chalicelib.db.driver import (
    install_fast_dates,
    install_placeholder_cache,
    install_single_round_trip,
    ping_and_begin,
)
from chalicelib.tls import database_context


@dataclass
class _CachedSecretUrl:
    url: URL
    fetched_at: float


_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_session_factories: dict[str, sessionmaker[Session]] = {}
_secret_urls: dict[str, _CachedSecretUrl] = {}


def database_url(settings: Settings | None = None) -> URL:
    """The URL to connect with, from ``DATABASE_URL`` or the database secret."""
    settings = settings or get_settings()
    if settings.database_url:
        return make_url(settings.database_url)
    if settings.database_secret_arn:
        return _url_from_secret(settings)
    raise SettingsError("no database configured: set DATABASE_URL or DATABASE_SECRET_ARN")


def _url_from_secret(settings: Settings) -> URL:
    arn = settings.database_secret_arn
    assert arn is not None
    cached = _secret_urls.get(arn)
    now = time.monotonic()
    if cached and now - cached.fetched_at < settings.database_secret_cache_seconds:
        return cached.url
    from chalicelib.aws import clients  # boto3 only where the secret is used

    secret = json.loads(clients.secrets_manager().get_secret_value(SecretId=arn)["SecretString"])
    try:
        url = URL.create(
            "postgresql+pg8000",
            username=secret["username"],
            password=secret["password"],
            host=secret["host"],
            port=int(secret.get("port", 5432)),
            database=secret.get("dbname") or secret.get("database") or "postgres",
        )
    except KeyError as missing:
        raise SettingsError(f"database secret lacks the field {missing}") from None
    _secret_urls[arn] = _CachedSecretUrl(url=url, fetched_at=now)
    return url


def get_engine() -> Engine:
    settings = get_settings()
    url = database_url(settings)
    key = url.render_as_string(hide_password=False)
    engine = _engines.get(key)
    if engine is None:
        with _lock:
            engine = _engines.get(key)
            if engine is None:
                engine = _build_engine(url, settings)
                _engines[key] = engine
                _session_factories[key] = sessionmaker(engine, expire_on_commit=False)
    return engine


def _build_engine(url: URL, settings: Settings) -> Engine:
    connect_args: dict[str, Any] = {"application_name": "ptx-cm"}
    if url.get_driver_name() == "pg8000":
        install_placeholder_cache()
        install_single_round_trip()
        connect_args["ssl_context"] = _tls_for(url)
    engine = create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
        pool_recycle=settings.db_pool_recycle_seconds,
        pool_timeout=10,
        connect_args=connect_args,
        hide_parameters=True,  # bound values (hashes, guest data) never in exception messages or logs
    )
    _treat_socket_errors_as_disconnects(engine)
    timeout_ms = settings.db_statement_timeout_ms
    fast_dates = url.get_driver_name() == "pg8000"

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        if fast_dates:
            install_fast_dates(dbapi_connection)
        cursor = dbapi_connection.cursor()
        cursor.execute("SET TIME ZONE 'UTC'")
        if timeout_ms:
            cursor.execute(f"SET statement_timeout = {int(timeout_ms)}")
        cursor.close()

    return engine


_LOOPBACK_HOSTS = frozenset({None, "127.0.0.1", "localhost", "::1"})


def _tls_for(url: URL) -> ssl.SSLContext | bool:
    """No TLS to a database on this machine (the local stack, the tests); to any other host TLS is
    required, with one context for the process (pg8000 would build a context per connection)."""
    if url.host in _LOOPBACK_HOSTS:
        return False
    return database_context()


def _treat_socket_errors_as_disconnects(engine: Engine) -> None:
    """Make pre-ping replace a connection the server dropped.

    pg8000 raises a bare ``ConnectionResetError`` when the ping hits a connection Aurora closed
    while the Lambda container was frozen; SQLAlchemy only recognises DBAPI errors as
    disconnects, so without this the first query after a long idle would fail instead of
    reconnecting.
    """
    dialect = engine.dialect
    ping = ping_and_begin if engine.url.get_driver_name() == "pg8000" else dialect.do_ping
    interface_error = dialect.loaded_dbapi.InterfaceError

    def do_ping(dbapi_connection: Any) -> bool:
        try:
            return ping(dbapi_connection)
        except OSError as exc:
            raise interface_error("network error") from exc

    setattr(dialect, "do_ping", do_ping)  # noqa: B010 - an instance override, not a class patch


def session_factory() -> sessionmaker[Session]:
    settings = get_settings()
    last = _last_factory
    if last is not None and last[0] is settings and settings.database_url:
        return last[1]  # the same settings and a fixed URL: the same engine (parsing the URL costs per call)
    engine = get_engine()
    key = engine.url.render_as_string(hide_password=False)
    factory = _session_factories[key]
    _remember_factory((settings, factory))
    return factory


_last_factory: tuple[Settings, sessionmaker[Session]] | None = None


def _remember_factory(entry: tuple[Settings, sessionmaker[Session]] | None) -> None:
    global _last_factory  # one slot, replaced whole: read without the lock
    _last_factory = entry


def dispose_engines() -> None:
    """Close every pooled connection (tests switching databases, process shutdown)."""
    with _lock:
        _remember_factory(None)
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _session_factories.clear()
        _secret_urls.clear()

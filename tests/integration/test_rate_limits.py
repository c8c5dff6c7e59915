"""Login 5/min and refresh 10/min, per account and per client IP, kept in PostgreSQL."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import text

from app import app
from chalicelib.db.repositories.rate_limits import record_hit
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.rate_limits import LOGIN_PER_ACCOUNT
from tests.factories import Identity, body_of, request_from_ip


def login_from(ip: str, email: str, password: str):  # type: ignore[no-untyped-def]
    return request_from_ip(app, ip, "POST", "/auth/login", body=json.dumps({"email": email, "password": password}))


def test_brute_force_past_the_login_limit_is_429_with_retry_after(identity: Identity) -> None:
    user = identity.user()
    # An attacker spreads guesses over many addresses: the per-account limit still holds.
    answers = [login_from(f"198.51.100.{i}", user.email, f"Guess-number-{i}-x").status_code for i in range(5)]
    assert answers == [401] * 5
    blocked = login_from("198.51.100.99", user.email, user.password)  # even the right password now
    assert blocked.status_code == 429
    assert body_of(blocked)["error"]["code"] == "rate_limited"
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
    # Another account from another address is unaffected.
    other = identity.user()
    assert login_from("192.0.2.1", other.email, other.password).status_code == 200


def test_one_address_trying_many_accounts_is_limited_too(identity: Identity) -> None:
    answers = [login_from("203.0.113.7", f"someone{i}@example.com", "Wrong-Password-00").status_code for i in range(5)]
    assert answers == [401] * 5
    user = identity.user()
    assert login_from("203.0.113.7", user.email, user.password).status_code == 429
    assert login_from("203.0.113.8", user.email, user.password).status_code == 200


def test_refresh_is_limited_to_10_per_minute_per_address(identity: Identity) -> None:
    statuses = [
        request_from_ip(
            app, "198.51.100.50", "POST", "/auth/refresh", body=json.dumps({"refresh_token": f"bogus-{i}"})
        ).status_code
        for i in range(11)
    ]
    assert statuses == [401] * 10 + [429]


def test_refresh_is_limited_to_10_per_minute_per_account(identity: Identity) -> None:
    token = identity.login(identity.user()).refresh_token
    statuses = []
    for i in range(11):
        response = request_from_ip(
            app, f"198.51.100.{100 + i}", "POST", "/auth/refresh", body=json.dumps({"refresh_token": token})
        )
        statuses.append(response.status_code)
        if response.status_code == 200:
            token = body_of(response)["refresh_token"]
    assert statuses == [200] * 10 + [429]


def test_the_limit_is_exact_under_concurrent_attempts_from_many_containers(database_url: str) -> None:
    # Each thread has its own connection, as separate Lambda containers would.
    bucket = LOGIN_PER_ACCOUNT.bucket("race@example.com")

    def attempt(_: int) -> bool:
        with unit_of_work() as uow:
            return record_hit(uow.session, bucket, limit=5, window_seconds=60).allowed

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(attempt, range(24)))
    assert outcomes.count(True) == 5
    with unit_of_work() as uow:
        stored = uow.session.execute(text("SELECT cardinality(hits) FROM rate_limit_buckets")).scalar()
    assert stored == 5  # refused attempts are not recorded: the row stays small under attack


def test_the_window_slides_and_retry_after_counts_down_to_the_oldest_hit(database_url: str) -> None:
    bucket = LOGIN_PER_ACCOUNT.bucket("slide@example.com")
    with unit_of_work() as uow:
        # Five attempts: the oldest 50 s ago, the others 10 s ago.
        uow.session.execute(
            text(
                "INSERT INTO rate_limit_buckets (bucket, hits) VALUES (:b, ARRAY[now() - interval '50 seconds',"
                " now() - interval '10 seconds', now() - interval '10 seconds', now() - interval '10 seconds',"
                " now() - interval '10 seconds'])"
            ),
            {"b": bucket},
        )
    with unit_of_work() as uow:
        refused = record_hit(uow.session, bucket, limit=5, window_seconds=60)
    assert not refused.allowed and 9 <= refused.retry_after_seconds <= 11
    with unit_of_work() as uow:
        uow.session.execute(
            text("UPDATE rate_limit_buckets SET hits[1] = now() - interval '61 seconds' WHERE bucket = :b"),
            {"b": bucket},
        )
    with unit_of_work() as uow:
        assert record_hit(uow.session, bucket, limit=5, window_seconds=60).allowed

"""Pure rules of OTA accounts and connections: credentials per OTA, endpoints, health, backoff."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.ota_accounts import (
    MAX_POLL_BACKOFF_SECONDS,
    MAX_POLL_INTERVAL_SECONDS,
    MIN_POLL_INTERVAL_SECONDS,
    ConnectionHealth,
    base_url_problem,
    credential_problems,
    effective_poll_interval,
    health_after_poll,
    next_poll_delay_seconds,
)
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_results import ErrorKind


def fields(ota: OtaCode, values: dict[str, str]) -> list[str]:
    return [problem.field for problem in credential_problems(ota, values)]


def test_each_ota_takes_its_own_credential_fields() -> None:
    assert fields(OtaCode.BOOKING_COM, {"username": "u", "password": "p"}) == []
    assert fields(OtaCode.BOOKING_COM, {"client_id": "c", "client_secret": "s"}) == []
    assert fields(OtaCode.EXPEDIA, {"username": "u", "password": "p"}) == []
    assert fields(OtaCode.AGODA, {"api_key": "k"}) == []
    assert fields(OtaCode.TRAVELOKA, {"api_key": "k"}) == []


def test_missing_unknown_and_empty_credential_fields_are_named() -> None:
    assert fields(OtaCode.EXPEDIA, {"username": "u"}) == ["credentials.password"]
    assert fields(OtaCode.BOOKING_COM, {"client_id": "c"}) == ["credentials.client_secret"]
    assert fields(OtaCode.BOOKING_COM, {}) == ["credentials.username", "credentials.password"]
    assert fields(OtaCode.AGODA, {"api_key": "k", "password": "p"}) == ["credentials.password"]
    assert fields(OtaCode.AGODA, {"api_key": ""}) == ["credentials.api_key"]
    assert fields(OtaCode.TRAVELOKA, {"api_key": "k" * 1025}) == ["credentials.api_key"]


def test_credential_messages_never_carry_a_value() -> None:
    problems = credential_problems(OtaCode.AGODA, {"api_key": "", "secret-ish": "hunter22-value"})
    assert problems and all("hunter22-value" not in p.message for p in problems)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://supply-xml.booking.com", True),
        ("https://sandbox.example.com:8443/base", True),
        ("http://127.0.0.1:8101", True),
        ("http://localhost:8104", True),
        ("http://[::1]:9000", True),
        ("http://ota.example.com", False),
        ("http://10.0.0.5:8080", False),
        ("https://user:pw@ota.example.com", False),
        ("https://ota.example.com/?key=1", False),
        ("https://ota.example.com/#x", False),
        ("ftp://ota.example.com", False),
        ("https://", False),
        ("https://host:notaport", False),
        ("https://" + "a" * 600 + ".com", False),
    ],
)
def test_an_account_endpoint_is_https_or_a_local_simulator(url: str, ok: bool) -> None:
    assert (base_url_problem(OtaCode.AGODA, url, has_default=True) is None) is ok


def test_an_ota_without_a_public_endpoint_needs_a_base_url() -> None:
    assert base_url_problem(OtaCode.TRAVELOKA, None, has_default=False) is not None
    assert base_url_problem(OtaCode.BOOKING_COM, None, has_default=True) is None


def test_health_follows_the_failure_streak_and_what_failed() -> None:
    assert health_after_poll(0, None) is ConnectionHealth.OK
    assert health_after_poll(1, ErrorKind.TIMEOUT) is ConnectionHealth.DEGRADED
    assert health_after_poll(2, ErrorKind.UNAVAILABLE) is ConnectionHealth.DEGRADED
    assert health_after_poll(3, ErrorKind.RATE_LIMITED) is ConnectionHealth.FAILING
    assert health_after_poll(1, ErrorKind.AUTHENTICATION) is ConnectionHealth.FAILING
    assert health_after_poll(1, ErrorKind.CONFIGURATION) is ConnectionHealth.FAILING


@given(st.integers(MIN_POLL_INTERVAL_SECONDS, MAX_POLL_INTERVAL_SECONDS), st.integers(0, 50))
def test_backoff_never_polls_sooner_than_the_interval_nor_later_than_the_cap(interval: int, failures: int) -> None:
    delay = next_poll_delay_seconds(interval, failures)
    assert delay >= interval
    assert delay <= max(interval, MAX_POLL_BACKOFF_SECONDS)
    assert next_poll_delay_seconds(interval, failures + 1) >= delay
    assert next_poll_delay_seconds(interval, 0) == interval


def test_a_connection_override_wins_within_bounds() -> None:
    assert effective_poll_interval(None, 120) == 120
    assert effective_poll_interval(45, 120) == 45
    assert effective_poll_interval(None, 5) == MIN_POLL_INTERVAL_SECONDS
    assert effective_poll_interval(None, 99_999) == MAX_POLL_INTERVAL_SECONDS

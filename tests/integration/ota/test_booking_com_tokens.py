"""Booking.com's JWT kept across adapters (a warm container's pulls and pushes) until it is due for
renewal, renewed once when Booking.com refuses a kept one, never retried when a fresh one is refused."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chalicelib.aws.credential_vault import EncryptedCredentials
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_credentials import OtaCredentials
from chalicelib.domain.ota_results import ErrorKind
from chalicelib.ota.base import AdapterOptions, OtaAdapter
from chalicelib.ota.booking_com import JWT_LIFETIME_SECONDS, JWT_RENEW_MARGIN_SECONDS, BookingComAdapter
from chalicelib.ota.budget import FakeClock, Unlimited
from chalicelib.ota.factory import build_adapter
from chalicelib.ota.tokens import SHARED_TOKENS, TokenCache
from chalicelib.ota.transport import HttpSettings, RetryPolicy
from chalicelib.services import ota_access
from tests.integration.ota.conftest import OtaHarness, harness_for

JWT_CREDENTIALS = {"client_id": "ptx-client", "client_secret": "client-secret-1"}


@pytest.fixture
def booking_com() -> Iterator[OtaHarness]:
    yield from harness_for("booking_com")


def adapter(harness: OtaHarness, tokens: TokenCache | None, credentials: dict[str, str] | None = None) -> OtaAdapter:
    values = dict(credentials or JWT_CREDENTIALS)
    options = AdapterOptions(
        http=HttpSettings(connect_timeout=2.0, read_timeout=2.0),
        retry=RetryPolicy(max_attempts=2, base_delay=0.1, max_delay=0.2, max_retry_after=5.0),
        budget=Unlimited(),
        clock=harness.clock,
        tokens=tokens,
    )
    return build_adapter("booking_com", lambda: OtaCredentials(values), base_url=harness.simulator.url, options=options)


def requests(harness: OtaHarness, operation: str) -> list[int]:
    """The statuses Booking.com answered to ``operation`` (``token``: the JWT exchange)."""
    return [entry["status"] for entry in harness.control.requests() if entry["operation"] == operation]


def pull_ok(harness: OtaHarness, tokens: TokenCache | None, credentials: dict[str, str] | None = None) -> None:
    pulling = adapter(harness, tokens, credentials)
    try:
        result = pulling.pull_reservations(harness.hotel_id)
        assert result.ok, result.error
    finally:
        pulling.close()


def test_a_kept_jwt_serves_the_next_adapters_until_it_is_due_for_renewal(booking_com: OtaHarness) -> None:
    clock = FakeClock()
    tokens = TokenCache(clock=clock)
    # Given one adapter's pull exchanged the machine account's client id and secret for a JWT
    pull_ok(booking_com, tokens)
    assert requests(booking_com, "token") == [200]
    # When two more adapters (later invocations of the same container) pull, just before renewal
    clock.advance(JWT_LIFETIME_SECONDS - JWT_RENEW_MARGIN_SECONDS - 1)
    pull_ok(booking_com, tokens)
    pull_ok(booking_com, tokens)
    # Then no new exchange; once the token is due for renewal, the next adapter gets a new one
    assert requests(booking_com, "token") == [200]
    clock.advance(1)
    pull_ok(booking_com, tokens)
    assert requests(booking_com, "token") == [200, 200]
    # A rotated secret is another key: never the old secret's token
    booking_com.simulator.credentials["client_secret"] = "client-secret-2"
    pull_ok(booking_com, tokens, {**JWT_CREDENTIALS, "client_secret": "client-secret-2"})
    assert requests(booking_com, "token") == [200, 200, 200]


def test_without_a_shared_cache_each_adapter_exchanges_its_own_jwt(booking_com: OtaHarness) -> None:
    # Negative control: adapters built without a cache keep their token for their own life only
    pull_ok(booking_com, None)
    pull_ok(booking_com, None)
    assert requests(booking_com, "token") == [200, 200]


def test_a_kept_jwt_booking_com_refuses_is_renewed_once(booking_com: OtaHarness) -> None:
    tokens = TokenCache(clock=FakeClock())
    pull_ok(booking_com, tokens)
    # Given Booking.com revoked every token issued so far (the kept one included)
    booking_com.simulator.revoke_tokens()
    # When the next adapter pulls with the kept token
    pull_ok(booking_com, tokens)
    # Then the refusal was followed by one new exchange, and the pull's documents went through
    assert requests(booking_com, "token") == [200, 200]
    # (a pull is two documents: new reservations, then modifications; the second used the new token)
    assert requests(booking_com, "reservations") == [200, 200, 401, 200, 200]
    # ...and the renewed token is the one kept for the next adapter
    pull_ok(booking_com, tokens)
    assert requests(booking_com, "token") == [200, 200]


def test_a_refused_fresh_jwt_or_secret_is_an_authentication_failure_without_a_loop(booking_com: OtaHarness) -> None:
    tokens = TokenCache(clock=FakeClock())
    pull_ok(booking_com, tokens)
    # Given the account's secret changed at Booking.com and its tokens were revoked
    booking_com.simulator.credentials["client_secret"] = "rotated-elsewhere"
    booking_com.simulator.revoke_tokens()
    pulling = adapter(booking_com, tokens)
    result = pulling.pull_reservations(booking_com.hotel_id)
    pulling.close()
    # Then: the kept token refused, one renewal tried (refused), and the pull fails on authentication
    assert result.error is not None and result.error.kind is ErrorKind.AUTHENTICATION
    assert requests(booking_com, "token") == [200, 401]
    refused = [entry for entry in booking_com.control.requests() if entry["status"] == 401]
    assert len(refused) == 2  # the kept token's document request, and the renewal


def test_basic_auth_refused_is_not_retried(booking_com: OtaHarness) -> None:
    pulling = adapter(booking_com, TokenCache(), {"username": "ptx-machine", "password": "wrong"})
    result = pulling.pull_reservations(booking_com.hotel_id)
    pulling.close()
    assert result.error is not None and result.error.kind is ErrorKind.AUTHENTICATION
    assert len([entry for entry in booking_com.control.requests() if entry["status"] == 401]) == 1
    assert requests(booking_com, "token") == []


def test_account_adapters_keep_their_tokens_in_the_containers_cache() -> None:
    endpoint = ota_access.AccountEndpoint(
        account_id=1,
        ota=OtaCode.BOOKING_COM,
        base_url="https://supply-xml.example",
        envelope=EncryptedCredentials(key_id="k", encrypted_data_key=b"k", nonce=b"n", ciphertext=b"c"),
    )
    built = ota_access.build_account_adapter(endpoint)
    own = ota_access.build_account_adapter(endpoint, options=AdapterOptions(tokens=TokenCache()))
    try:
        assert isinstance(built, BookingComAdapter) and built.tokens is SHARED_TOKENS
        assert isinstance(own, BookingComAdapter) and own.tokens is not SHARED_TOKENS  # a caller's own stays
    finally:
        built.close()
        own.close()

"""Retries: what is retried, how long we wait (full jitter, Retry-After), what is never retried.

An in-memory httpx transport plays the OTA; the fake clock records the waits instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_results import ErrorKind
from chalicelib.ota.budget import FakeClock
from chalicelib.ota.errors import OtaError, OtaRejected, OtaRetryRequested
from chalicelib.ota.transport import HttpReply, OtaHttp, RetryPolicy, parse_retry_after
from tests.support.app_logs import captured_app_logs


def scripted(*answers: httpx.Response | Exception) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handle), seen


def client(transport: httpx.MockTransport, clock: FakeClock, *, rng: Callable[[], float] = lambda: 1.0) -> OtaHttp:
    return OtaHttp(
        OtaCode.AGODA,
        "https://ota.example",
        retry=RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=4.0, max_retry_after=30),
        clock=clock,
        rng=rng,
        transport=transport,
    )


def body(reply: HttpReply) -> bytes:
    return reply.content


def test_server_errors_are_retried_with_exponential_backoff_until_success() -> None:
    transport, seen = scripted(httpx.Response(503), httpx.Response(502), httpx.Response(200, content=b"ok"))
    clock = FakeClock()
    assert client(transport, clock).exchange("POST", "/api", operation="push", budget_key="k", parse=body) == b"ok"
    assert len(seen) == 3
    assert clock.slept == [0.5, 1.0]  # base x 2^attempt with the jitter draw at its maximum


def test_jitter_is_full_jitter_between_zero_and_the_cap() -> None:
    transport, _ = scripted(httpx.Response(500), httpx.Response(500), httpx.Response(500), httpx.Response(200))
    clock = FakeClock()
    draws = iter([0.0, 0.5, 0.25])
    client(transport, clock, rng=lambda: next(draws)).exchange("GET", "/", operation="read", budget_key="k", parse=body)
    assert clock.slept == [0.0, 0.5, 0.5]  # 0 x 0.5, 0.5 x 1.0, 0.25 x 2.0


def test_429_waits_at_least_retry_after() -> None:
    transport, seen = scripted(httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200))
    clock = FakeClock()
    client(transport, clock).exchange("GET", "/", operation="read", budget_key="k", parse=body)
    assert len(seen) == 2 and clock.slept == [7.0]


def test_a_retry_after_longer_than_we_may_wait_is_reported_not_slept() -> None:
    transport, seen = scripted(httpx.Response(429, headers={"Retry-After": "120"}))
    clock = FakeClock()
    with pytest.raises(OtaError) as failure:
        client(transport, clock).exchange("GET", "/", operation="read", budget_key="k", parse=body)
    assert failure.value.kind is ErrorKind.RATE_LIMITED
    assert failure.value.retry_after == 120
    assert len(seen) == 1 and clock.slept == []


def test_timeouts_and_connection_errors_are_retried_then_reported_in_words() -> None:
    transport, seen = scripted(httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), httpx.ReadTimeout("slow"))
    clock = FakeClock()
    with pytest.raises(OtaError) as failure:
        client(transport, clock).exchange("GET", "/x", operation="read", budget_key="k", parse=body)
    assert len(seen) == 4
    assert failure.value.kind is ErrorKind.TIMEOUT
    assert "Agoda did not answer in time" in failure.value.message


def test_wrong_credentials_are_not_retried() -> None:
    transport, seen = scripted(httpx.Response(401))
    with pytest.raises(OtaError) as failure:
        client(transport, FakeClock()).exchange("GET", "/", operation="read", budget_key="k", parse=body)
    assert len(seen) == 1
    assert failure.value.kind is ErrorKind.AUTHENTICATION
    assert failure.value.message.startswith("authentication failed at Agoda")


def test_the_parser_decides_which_ota_errors_are_retryable() -> None:
    transport, seen = scripted(httpx.Response(200, content=b"4001"), httpx.Response(200, content=b"3107"))
    clock = FakeClock()

    def parse(reply: HttpReply) -> bytes:
        if reply.content == b"4001":
            raise OtaRetryRequested(OtaCode.EXPEDIA, "retry please", code="4001")
        raise OtaRejected(OtaCode.EXPEDIA, "too many updates", code="3107")

    with pytest.raises(OtaRejected):
        client(transport, clock).exchange("POST", "/eqc/ar", operation="push", budget_key="k", parse=parse)
    assert len(seen) == 2 and len(clock.slept) == 1


def test_a_response_larger_than_the_cap_is_refused() -> None:
    transport, _ = scripted(httpx.Response(200, content=b"x" * 2048))
    http = client(transport, FakeClock())
    http.settings = type(http.settings)(max_response_bytes=1024)
    with pytest.raises(OtaError, match="larger than 1024 bytes"):
        http.exchange("GET", "/", operation="read", budget_key="k", parse=body)


def test_query_strings_are_never_logged() -> None:
    transport, _ = scripted(httpx.Response(500), httpx.Response(200))
    with captured_app_logs() as logs:
        client(transport, FakeClock()).exchange(
            "POST", "/api", operation="push", budget_key="k", parse=body, params={"apiKey": "very-secret-key"}
        )
    assert '"path":"/api"' in logs()
    assert "very-secret-key" not in logs()


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    later = (now + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after("15") == 15
    assert parse_retry_after(later, now=now) == pytest.approx(90)
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None

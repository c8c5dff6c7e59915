"""HTTP to an OTA: explicit timeouts, a bounded response size, the request budget, and retries
with exponential backoff and full jitter on retryable failures only.

The retry loop is tenacity's (``Retrying``: stop after ``max_attempts``, retry only what
:meth:`OtaHttp._worth_retrying` says, sleep through the injected clock). What stays ours, because
no library setting expresses it: the full-jitter draw from an injected random source (tests
assert exact waits), "wait at least ``Retry-After``", and "a ``Retry-After`` longer than
``max_retry_after`` is reported to the caller, not slept through".

Retryable: timeouts, connection errors, HTTP 5xx, HTTP 429 (waiting at least ``Retry-After``),
and whatever the adapter's parser classes as transient by raising an error whose ``retryable`` is
true (Expedia 4000-4099, for instance). Everything else is raised to the adapter at once.

Logged per attempt: OTA, method, path (never the query string: Agoda's API key travels there),
status, attempt and time taken. Never a header, a body or a credential.

One HTTP client per endpoint and container (:data:`SHARED_CLIENTS`): every adapter of the
container that talks to the same base URL with the same timeouts sends through the same
``httpx.Client``, so its connections (and TLS sessions) are kept alive across pulls and warm
Lambda invocations, and the CA bundle is read once per container (``chalicelib.tls``) instead of
once per adapter (an httpx client built per adapter loaded certifi's bundle each time: ~20 ms of
CPU per pull). The shared clients keep no cookies (one account's must never reach another's
request) and carry no credentials: headers are per request. An injected transport (tests) gets a
client of its own, closed with the adapter, as before.
"""

from __future__ import annotations

import email.utils
import http.cookiejar
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_pacing import OWN_BUDGET_CODE
from chalicelib.observability import logger
from chalicelib.ota.budget import BudgetExceeded, Clock, RequestBudget, SystemClock, Unlimited
from chalicelib.ota.errors import (
    BudgetExhausted,
    OtaAuthenticationFailed,
    OtaError,
    OtaMalformedResponse,
    OtaRateLimited,
    OtaTimeout,
    OtaUnavailable,
)
from chalicelib.tls import verifying_context

T = TypeVar("T")

# httpx logs every request's full URL at INFO ("HTTP Request: POST https://.../api?apiKey=...");
# Agoda's API key travels in that query string, and Lambda forwards INFO from every logger. Our
# own per-attempt line (OtaHttp.exchange) replaces it, so the HTTP client libraries may only warn.
_HTTP_CLIENT_LOGGERS = ("httpx", "httpcore")


def _quiet_http_client_logs() -> None:
    for name in _HTTP_CLIENT_LOGGERS:
        library_logger = logging.getLogger(name)
        if library_logger.level < logging.WARNING:
            library_logger.setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 4
    base_delay: float = 0.5  # seconds; attempt n waits up to base x 2^n (full jitter)
    max_delay: float = 20.0
    max_retry_after: float = 30.0  # a longer Retry-After is reported to the caller, not slept through

    def backoff(self, attempt: int, rng: Callable[[], float]) -> float:
        """Full jitter: uniform between 0 and min(max_delay, base x 2^attempt)."""
        return float(rng() * min(self.max_delay, self.base_delay * (2**attempt)))


@dataclass(frozen=True, slots=True)
class HttpSettings:
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    write_timeout: float = 10.0
    pool_timeout: float = 5.0
    max_response_bytes: int = 10 * 1024 * 1024

    def timeout(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect_timeout, read=self.read_timeout, write=self.write_timeout, pool=self.pool_timeout
        )


@dataclass(frozen=True, slots=True)
class HttpReply:
    status: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date); None if absent/invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _no_cookies() -> http.cookiejar.CookieJar:
    """A cookie jar that accepts none: a shared client must not carry one account's cookie to another.
    (Passed to httpx as the jar itself: httpx copies an ``httpx.Cookies`` into a default jar.)"""
    return http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


class SharedClients:
    """``httpx.Client`` per (base URL, timeouts) for the container's life; least recently used
    dropped beyond ``max_entries`` (not closed: another thread may still be sending through it;
    its pooled connections go with it). Thread-safe, and so are the clients."""

    def __init__(self, max_entries: int = 64) -> None:
        self.max_entries = max_entries
        self._clients: OrderedDict[tuple[str, HttpSettings], httpx.Client] = OrderedDict()
        self._lock = threading.Lock()
        self.built = 0  # clients built (tests and metrics)

    def get(self, base_url: str, settings: HttpSettings) -> httpx.Client:
        key = (base_url, settings)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                _quiet_http_client_logs()
                client = httpx.Client(
                    base_url=base_url,
                    timeout=settings.timeout(),
                    follow_redirects=False,
                    trust_env=False,
                    verify=verifying_context(),
                    cookies=_no_cookies(),
                )
                self.built += 1
                self._clients[key] = client
                while len(self._clients) > self.max_entries:
                    self._clients.popitem(last=False)
            else:
                self._clients.move_to_end(key)
            return client

    def clear(self) -> None:
        """Close and forget every client (tests; a container never needs to)."""
        with self._lock:
            clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            client.close()

    def __len__(self) -> int:
        return len(self._clients)


# The container's clients: one per OTA endpoint (and timeout settings) in practice.
SHARED_CLIENTS = SharedClients()


class OtaHttp:
    """One OTA endpoint's HTTP client: the container's shared client of its base URL (an injected
    transport: a client of its own, closed with the adapter). Build it inside an adapter."""

    def __init__(
        self,
        ota: OtaCode,
        base_url: str,
        *,
        settings: HttpSettings | None = None,
        retry: RetryPolicy | None = None,
        budget: RequestBudget | None = None,
        clock: Clock | None = None,
        rng: Callable[[], float] = random.random,
        transport: httpx.BaseTransport | None = None,
        clients: SharedClients | None = None,
    ) -> None:
        self.ota = ota
        self.base_url = base_url.rstrip("/")
        self.settings = settings or HttpSettings()
        self.retry = retry or RetryPolicy()
        self.budget = budget or Unlimited()
        self.clock = clock or SystemClock()
        self.rng = rng
        self._transport = transport
        self._clients = clients if clients is not None else SHARED_CLIENTS
        self._client: httpx.Client | None = None
        self.attempts = 0  # total HTTP attempts made (tests and metrics)

    def _http(self) -> httpx.Client:
        if self._transport is None:
            return self._clients.get(self.base_url, self.settings)
        if self._client is None:
            _quiet_http_client_logs()
            self._client = httpx.Client(
                base_url=self.base_url,
                timeout=self.settings.timeout(),
                follow_redirects=False,
                trust_env=False,
                transport=self._transport,
            )
        return self._client

    def close(self) -> None:
        """Close a client of its own; the shared one stays open for the next adapter."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def exchange(
        self,
        method: str,
        path: str,
        *,
        operation: str,
        budget_key: str,
        parse: Callable[[HttpReply], T],
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> T:
        """Send, check the status, parse; retry what is retryable (tenacity). Raises OtaError subclasses."""
        name = self.ota.display_name
        attempt = 0

        def once() -> T:
            nonlocal attempt
            attempt += 1
            started = time.monotonic()
            status: int | str = "-"
            try:
                try:
                    with self.budget.slot(operation, budget_key):
                        self.attempts += 1
                        reply = self._send(method, path, content=content, params=params, headers=headers)
                except BudgetExceeded as exc:
                    raise BudgetExhausted(
                        self.ota, f"{name}: {exc}", code=OWN_BUDGET_CODE, retry_after=exc.retry_after
                    ) from None
                status = reply.status
                self._check_status(reply)
                result = parse(reply)
            except OtaError as error:
                if isinstance(error, OtaRateLimited) and not isinstance(error, BudgetExhausted):
                    self.budget.back_off(operation, budget_key, error.retry_after)  # the whole account waits
                self._log(method, path, status, attempt, started, error)
                raise
            self._log(method, path, status, attempt, started, None)
            return result

        retrying = Retrying(
            stop=stop_after_attempt(self.retry.max_attempts),
            retry=retry_if_exception(self._worth_retrying),
            wait=self._wait,
            sleep=self.clock.sleep,
            reraise=True,
        )
        return retrying(once)

    def _worth_retrying(self, exc: BaseException) -> bool:
        """Retryable errors, unless the OTA asks us to wait longer than we may (the caller reschedules)."""
        if not isinstance(exc, OtaError) or not exc.retryable:
            return False
        return exc.retry_after is None or exc.retry_after <= self.retry.max_retry_after

    def _wait(self, state: RetryCallState) -> float:
        """Full jitter, but never less than the OTA's ``Retry-After``."""
        error = state.outcome.exception() if state.outcome is not None else None
        jitter = self.retry.backoff(state.attempt_number - 1, self.rng)
        if isinstance(error, OtaError) and error.retry_after is not None:
            return max(error.retry_after, jitter)
        return jitter

    def _log(
        self, method: str, path: str, status: int | str, attempt: int, started: float, error: OtaError | None
    ) -> None:
        fields: dict[str, object] = {
            "ota": self.ota.value,
            "method": method,
            "path": path,
            "status": status,
            "attempt": attempt,
            "elapsed_ms": round((time.monotonic() - started) * 1000, 1),
        }
        if error is None:
            logger.info("ota request", extra=fields)
            return
        fields["error_kind"] = error.kind.value
        fields["will_retry"] = self._worth_retrying(error) and attempt < self.retry.max_attempts
        logger.warning("ota request failed", extra=fields)

    def _send(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str] | None,
    ) -> HttpReply:
        name = self.ota.display_name
        try:
            with self._http().stream(
                method, path, content=content, params=dict(params or {}), headers=dict(headers or {})
            ) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > self.settings.max_response_bytes:
                        raise OtaMalformedResponse(
                            self.ota, f"{name} sent a response larger than {self.settings.max_response_bytes} bytes"
                        )
                return HttpReply(
                    status=response.status_code,
                    headers={key.lower(): value for key, value in response.headers.items()},
                    content=bytes(body),
                )
        except httpx.TimeoutException:
            raise OtaTimeout(self.ota, f"{name} did not answer in time ({method} {path})") from None
        except httpx.RemoteProtocolError:
            # The connection dropped mid-answer (a truncated response): transient.
            raise OtaUnavailable(self.ota, f"{name} closed the connection mid-response ({method} {path})") from None
        except httpx.TransportError as exc:
            raise OtaUnavailable(self.ota, f"could not reach {name} ({type(exc).__name__})") from None

    def _check_status(self, reply: HttpReply) -> None:
        name = self.ota.display_name
        retry_after = parse_retry_after(reply.headers.get("retry-after"))
        if reply.status == 429:
            raise OtaRateLimited(
                self.ota, f"{name} is rate limiting us (HTTP 429)", code="429", retry_after=retry_after
            )
        if reply.status >= 500:
            raise OtaUnavailable(
                self.ota, f"{name} answered HTTP {reply.status}", code=str(reply.status), retry_after=retry_after
            )
        if reply.status in (401, 403):
            raise OtaAuthenticationFailed(
                self.ota, f"credentials refused (HTTP {reply.status})", code=str(reply.status)
            )

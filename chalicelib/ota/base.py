"""The adapter protocol every OTA implements, and the plumbing they share.

Contract (what the sync engine and the reservation service may rely on):

- No method raises for anything the OTA or the network does: failures come back inside the
  result, in words ("authentication failed at Booking.com"), with a kind that says whether
  retrying makes sense. Programming errors still raise.
- Credentials are asked of the credentials provider at the start of each call and dropped at
  its end; they are never logged, cached on the adapter, or put in a result.
- ``pull_reservations`` returns every revision the OTA has not yet been told we received; an
  item that cannot be mapped becomes an item error naming the field, and the others go on.
- ``acknowledge`` is called only after the revisions are committed; unacknowledged ones come
  back on the next pull.
- ``push_ari`` merges, fits (dates, values, unsupported restrictions → warnings, never a silent
  drop) and splits updates within the OTA's limits, then sends them in date order.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import partial
from typing import ClassVar, Protocol, TypeVar, runtime_checkable

import httpx

from chalicelib.domain.ari import ARI_LIMITS, AriLimits, AriUpdate, Restriction, plan_push
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_credentials import CredentialsUnavailable, MissingCredential, OtaCredentials
from chalicelib.domain.ota_reservation import Acknowledgement, OtaReservation
from chalicelib.domain.ota_results import (
    AckResult,
    ConnectionTestResult,
    DiscoveredHotel,
    Discovery,
    ErrorKind,
    PullResult,
    PushResult,
    PushWarning,
    SyncError,
    WarningKind,
)
from chalicelib.ota.budget import Clock, RequestBudget, SystemClock, default_budget
from chalicelib.ota.errors import InvalidField, MissingField, OtaAuthenticationFailed, OtaError
from chalicelib.ota.tokens import TokenCache
from chalicelib.ota.transport import HttpSettings, OtaHttp, RetryPolicy

CredentialsProvider = Callable[[], OtaCredentials]
_Item = TypeVar("_Item")


@runtime_checkable
class OtaAdapter(Protocol):
    @property
    def ota(self) -> OtaCode: ...

    @property
    def unsupported_restrictions(self) -> frozenset[Restriction]:
        """Values this OTA cannot express; pushing one gives a warning, never a silent drop."""
        ...

    def test_connection(self, ota_hotel_id: str | None = None) -> ConnectionTestResult:
        """Make one real authenticated call; say in words whether it worked."""
        ...

    def discover(self, ota_hotel_ids: Sequence[str] = ()) -> Discovery:
        """Hotels → rooms → rate plans as the OTA reports them (for proposed mappings)."""
        ...

    def pull_reservations(self, ota_hotel_id: str) -> PullResult:
        """Every reservation revision the OTA holds for us and we have not acknowledged."""
        ...

    def acknowledge(self, ota_hotel_id: str, acknowledgements: Sequence[Acknowledgement]) -> AckResult:
        """Tell the OTA these revisions are safely stored (call only after the commit)."""
        ...

    def push_ari(self, ota_hotel_id: str, updates: Sequence[AriUpdate]) -> PushResult:
        """Send availability, rates and restrictions, within the OTA's limits."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class AdapterOptions:
    """Everything injectable about an adapter. Tests pass a fake clock, an httpx transport, a
    budget without the 20 s wait; production uses the defaults."""

    http: HttpSettings = field(default_factory=HttpSettings)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    budget: RequestBudget | None = None  # None: the OTA's default budget (chalicelib.ota.budget)
    clock: Clock = field(default_factory=SystemClock)
    rng: Callable[[], float] = random.random
    transport: httpx.BaseTransport | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))  # aware, UTC
    limits: AriLimits | None = None  # None: ARI_LIMITS[ota]
    # Bearer tokens exchanged for the credentials (Booking.com's JWT). None: the adapter keeps its
    # own for its life; ``ota_access`` passes the container's (chalicelib.ota.tokens.SHARED_TOKENS).
    tokens: TokenCache | None = None


@dataclass
class BatchOutcome:
    """What the message(s) for one ARI batch achieved (Booking.com sends availability and rates
    as two messages; the other OTAs one)."""

    sent: int = 1
    accepted: int = 0
    warnings: list[PushWarning] = field(default_factory=list)
    errors: list[SyncError] = field(default_factory=list)  # per-update failures inside an accepted message
    stop: bool = False  # later batches must not be sent (e.g. the OTA could not read this one)


# Errors after which sending further ARI messages in the same call is pointless or unsafe.
_STOP_PUSHING = frozenset(
    {
        ErrorKind.AUTHENTICATION,
        ErrorKind.CONFIGURATION,
        ErrorKind.UNSAFE_PAYLOAD,
        ErrorKind.MALFORMED_RESPONSE,
        ErrorKind.RATE_LIMITED,
        ErrorKind.UNAVAILABLE,
        ErrorKind.TIMEOUT,
        ErrorKind.RETRYABLE,
        ErrorKind.PROTOCOL,
    }
)


class BaseAdapter:
    ota: ClassVar[OtaCode]
    unsupported_restrictions: ClassVar[frozenset[Restriction]] = frozenset()

    def __init__(
        self, base_url: str, credentials: CredentialsProvider, *, options: AdapterOptions | None = None
    ) -> None:
        self.options = options or AdapterOptions()
        self.base_url = base_url.rstrip("/")
        self._credentials_provider = credentials
        self.budget = self.options.budget or default_budget(self.ota, clock=self.options.clock)
        self.limits = self.options.limits or ARI_LIMITS[self.ota]
        self.http = OtaHttp(
            self.ota,
            self.base_url,
            settings=self.options.http,
            retry=self.options.retry,
            budget=self.budget,
            clock=self.options.clock,
            rng=self.options.rng,
            transport=self.options.transport,
        )

    @property
    def name(self) -> str:
        return self.ota.display_name

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> BaseAdapter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    # -- credentials -------------------------------------------------------------------------------

    def _credentials(self) -> OtaCredentials:
        """Decrypt (via the provider) for this call only; the caller keeps it in a local."""
        return self._credentials_provider()

    # -- failures → results ---------------------------------------------------------------------------

    def _failure(self, exc: Exception) -> SyncError:
        if isinstance(exc, OtaError):
            return exc.to_sync_error()
        if isinstance(exc, MissingCredential):
            return SyncError(
                ota=self.ota,
                kind=ErrorKind.CONFIGURATION,
                message=f"the {self.name} account's credentials have no {exc.name!r}",
                field=exc.name,
            )
        if isinstance(exc, CredentialsUnavailable):
            return SyncError(ota=self.ota, kind=ErrorKind.CONFIGURATION, message=str(exc))
        raise exc

    # -- shapes every adapter shares ----------------------------------------------------------------------

    def _ids_required(self, message: str) -> Discovery:
        """Discovery refused: this OTA cannot list an account's hotels, so the caller must name them."""
        error = SyncError(ota=self.ota, kind=ErrorKind.CONFIGURATION, message=message, field="ota_hotel_ids")
        return Discovery(ota=self.ota, errors=(error,))

    def _discover_each(self, ota_hotel_ids: Sequence[str], read_hotel: Callable[[str], DiscoveredHotel]) -> Discovery:
        """Read each hotel in turn; a hotel the OTA refuses is an error of its own, wrong credentials end it."""
        hotels: list[DiscoveredHotel] = []
        errors: list[SyncError] = []

        def read(hotel_id: str) -> None:
            hotels.append(read_hotel(hotel_id))

        for hotel_id in ota_hotel_ids:
            self._sent(partial(read, hotel_id), errors)
        return Discovery(ota=self.ota, hotels=tuple(hotels), errors=tuple(errors))

    @staticmethod
    def _map_each(
        items: Iterable[_Item],
        read: Callable[[_Item, int], OtaReservation],
        reservations: list[OtaReservation],
        errors: list[SyncError],
    ) -> None:
        """Map each listed item (with its position) to a reservation; an unreadable one is an item error."""
        for index, item in enumerate(items):
            try:
                reservations.append(read(item, index))
            except (MissingField, InvalidField) as exc:
                errors.append(exc.to_sync_error())

    @staticmethod
    def _sent(send: Callable[[], object], errors: list[SyncError]) -> bool:
        """Send one message: True if the OTA took it; a refusal is recorded as an error (False) and the
        caller goes on with the next message; wrong credentials end the whole call."""
        try:
            send()
        except OtaAuthenticationFailed:
            raise
        except OtaError as exc:
            errors.append(exc.to_sync_error())
            return False
        return True

    def _unknown_ack_token(self, ack: Acknowledgement, what: str) -> SyncError:
        """The item error for an acknowledgement whose token this adapter did not issue (``what``:
        "acknowledge Agoda booking")."""
        return SyncError(
            ota=self.ota,
            kind=ErrorKind.INVALID_FIELD,
            message=f"cannot {what} {ack.reservation_id}: unknown ack token",
            field="ack_token",
            item_id=ack.reservation_id,
        )

    def _check_stay(self, booking_id: str, arrival: date, departure: date, field: str) -> None:
        """InvalidField (naming the departure) for a stay that does not end after it starts."""
        if departure <= arrival:
            raise InvalidField(
                self.ota,
                f"{self.name} sent booking {booking_id} departing {departure} before arriving {arrival}",
                field=field,
                item_id=booking_id,
            )

    def _acknowledged(self, ota_hotel_id: str, acknowledged: list[str], errors: list[SyncError]) -> AckResult:
        return AckResult(
            ota=self.ota, ota_hotel_id=ota_hotel_id, acknowledged=tuple(acknowledged), errors=tuple(errors)
        )

    def _pulled(self, ota_hotel_id: str, reservations: list[OtaReservation], errors: list[SyncError]) -> PullResult:
        return PullResult(
            ota=self.ota, ota_hotel_id=ota_hotel_id, reservations=tuple(reservations), item_errors=tuple(errors)
        )

    # -- template methods -------------------------------------------------------------------------------

    def test_connection(self, ota_hotel_id: str | None = None) -> ConnectionTestResult:
        try:
            message = self._test_connection(ota_hotel_id)
        except (OtaError, MissingCredential, CredentialsUnavailable) as exc:
            error = self._failure(exc)
            return ConnectionTestResult(ota=self.ota, ok=False, message=error.message, error=error)
        return ConnectionTestResult(ota=self.ota, ok=True, message=message)

    def discover(self, ota_hotel_ids: Sequence[str] = ()) -> Discovery:
        try:
            return self._discover(tuple(ota_hotel_ids))
        except (OtaError, MissingCredential, CredentialsUnavailable) as exc:
            return Discovery(ota=self.ota, errors=(self._failure(exc),))

    def pull_reservations(self, ota_hotel_id: str) -> PullResult:
        try:
            return self._pull(ota_hotel_id)
        except (OtaError, MissingCredential, CredentialsUnavailable) as exc:
            return PullResult(ota=self.ota, ota_hotel_id=ota_hotel_id, error=self._failure(exc))

    def acknowledge(self, ota_hotel_id: str, acknowledgements: Sequence[Acknowledgement]) -> AckResult:
        if not acknowledgements:
            return AckResult(ota=self.ota, ota_hotel_id=ota_hotel_id)
        try:
            return self._acknowledge(ota_hotel_id, tuple(acknowledgements))
        except (OtaError, MissingCredential, CredentialsUnavailable) as exc:
            return AckResult(ota=self.ota, ota_hotel_id=ota_hotel_id, errors=(self._failure(exc),))

    def push_ari(self, ota_hotel_id: str, updates: Sequence[AriUpdate]) -> PushResult:
        adapted, level_warnings = self._adapt_updates(list(updates))
        batches, warnings = plan_push(
            adapted,
            self.ota,
            today=self.options.now().date(),
            unsupported=self.unsupported_restrictions,
            limits=self.limits,
        )
        all_warnings: list[PushWarning] = level_warnings + warnings
        errors: list[SyncError] = []
        sent = accepted = 0
        try:
            credentials = self._credentials() if batches else None
        except (MissingCredential, CredentialsUnavailable) as exc:
            return PushResult(
                ota=self.ota, ota_hotel_id=ota_hotel_id, warnings=tuple(all_warnings), errors=(self._failure(exc),)
            )
        for index, batch in enumerate(batches):
            error: SyncError | None
            try:
                assert credentials is not None
                outcome = self._push_batch(ota_hotel_id, batch, credentials)
            except (OtaError, MissingCredential) as exc:
                sent += 1
                error = self._failure(exc)
                errors.append(_with_item(error, _describe_batch(batch)))
                stop = error.kind in _STOP_PUSHING
            else:
                sent += outcome.sent
                accepted += outcome.accepted
                all_warnings.extend(outcome.warnings)
                errors.extend(_with_item(error, _describe_batch(batch)) for error in outcome.errors)
                stop = outcome.stop
                error = outcome.errors[-1] if outcome.errors else None
            left = len(batches) - index - 1
            if stop:
                if left:
                    reason = error.message if error else "an earlier message failed"
                    errors.append(
                        SyncError(
                            ota=self.ota,
                            kind=error.kind if error else ErrorKind.REJECTED,
                            message=f"{left} further {self.name} batch(es) not sent after: {reason}",
                            retry_after_seconds=error.retry_after_seconds if error else None,
                        )
                    )
                break
        del credentials
        return PushResult(
            ota=self.ota,
            ota_hotel_id=ota_hotel_id,
            messages_sent=sent,
            messages_accepted=accepted,
            warnings=tuple(all_warnings),
            errors=tuple(errors),
        )

    # -- what each OTA implements ---------------------------------------------------------------------------

    def _test_connection(self, ota_hotel_id: str | None) -> str:
        raise NotImplementedError

    def _discover(self, ota_hotel_ids: tuple[str, ...]) -> Discovery:
        raise NotImplementedError

    def _pull(self, ota_hotel_id: str) -> PullResult:
        raise NotImplementedError

    def _acknowledge(self, ota_hotel_id: str, acknowledgements: tuple[Acknowledgement, ...]) -> AckResult:
        raise NotImplementedError

    def _push_batch(self, ota_hotel_id: str, batch: tuple[AriUpdate, ...], credentials: OtaCredentials) -> BatchOutcome:
        raise NotImplementedError

    def _adapt_updates(self, updates: list[AriUpdate]) -> tuple[list[AriUpdate], list[PushWarning]]:
        """OTA-specific reshaping before the generic plan (e.g. restrictions that need a rate plan)."""
        return updates, []


def require_rate_plan(
    ota: OtaCode, updates: list[AriUpdate], restrictions: Sequence[Restriction]
) -> tuple[list[AriUpdate], list[PushWarning]]:
    """Values an OTA only accepts per rate plan cannot be sent at room level: warn, do not drop silently."""
    kept: list[AriUpdate] = []
    warnings: list[PushWarning] = []
    for update in updates:
        present = update.restrictions & frozenset(restrictions) if update.ota_rate_plan_id is None else frozenset()
        for restriction in sorted(present):
            warnings.append(
                PushWarning(
                    kind=WarningKind.UNSUPPORTED_RESTRICTION,
                    message=(
                        f"restriction {restriction.value} is not supported by {ota.display_name} without a rate plan; "
                        f"not sent for {update.describe_target()}"
                    ),
                    ota_room_id=update.ota_room_id,
                    start=update.start,
                    end=update.end,
                )
            )
        stripped = update.without(present)
        if not stripped.is_empty:
            kept.append(stripped)
    return kept, warnings


def _describe_batch(batch: Sequence[AriUpdate]) -> str:
    start = min(update.start for update in batch)
    end = max(update.end for update in batch)
    rooms = sorted({update.ota_room_id for update in batch})
    shown = ", ".join(rooms[:5]) + (f" and {len(rooms) - 5} more" if len(rooms) > 5 else "")
    return f"rooms {shown} {start.isoformat()}..{end.isoformat()}"


def _with_item(error: SyncError, item_id: str) -> SyncError:
    if error.item_id:
        return error
    return replace(error, item_id=item_id)

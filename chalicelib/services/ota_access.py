"""Adapters for OTA accounts and connections, with credentials sealed until the adapter call.

Everything that talks to an OTA on behalf of an account goes through here:

- :func:`seal_credentials` encrypts an account's credentials through the vault (bound to the
  account's id) and stores the envelope and the mask on the row; nothing else ever sees them.
- :func:`build_account_adapter` builds the adapter for an :class:`AccountEndpoint` (a plain
  snapshot of the row: OTA, base URL, envelope) with the vault's credentials provider, so the
  plaintext exists only inside each adapter call.
- :func:`connection_adapter` does the same for a connection (what the sync engine uses): it reads
  the connection in a short transaction, closes it, and yields the adapter, which it closes after.

No database transaction is held while an OTA is being called.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from chalicelib.aws.credential_vault import CredentialVault, EncryptedCredentials
from chalicelib.db.models import OtaAccount, OtaConnection, Property
from chalicelib.db.repositories import ota as ota_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.errors import Conflict, existing
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_credentials import mask_credentials
from chalicelib.domain.ota_results import DiscoveredHotel, ErrorKind, SyncError
from chalicelib.domain.views import view_from
from chalicelib.ota.base import AdapterOptions, OtaAdapter
from chalicelib.ota.factory import DEFAULT_BASE_URLS, UnknownOta, build_adapter
from chalicelib.ota.tokens import SHARED_TOKENS
from chalicelib.ota.transport import HttpSettings, RetryPolicy
from chalicelib.services.account_pacing import paced_options


def interactive_options() -> AdapterOptions:
    """Adapter settings for calls a person is waiting on (test, discovery, verification): short
    timeouts and one retry, so the answer comes well within API Gateway's 29 seconds."""
    return AdapterOptions(
        http=HttpSettings(connect_timeout=5.0, read_timeout=8.0, write_timeout=5.0, pool_timeout=5.0),
        retry=RetryPolicy(max_attempts=2, base_delay=0.25, max_delay=1.0, max_retry_after=3.0),
    )


class AdapterUnavailable(Conflict):
    """The account cannot be turned into an adapter (no endpoint for its OTA, unknown OTA)."""

    code = "ota_account_misconfigured"


def envelope_of(account: OtaAccount) -> EncryptedCredentials:
    """The vault envelope stored on an account row."""
    return EncryptedCredentials(
        key_id=account.credentials_key_id,
        encrypted_data_key=bytes(account.credentials_encrypted_data_key),
        nonce=bytes(account.credentials_nonce),
        ciphertext=bytes(account.credentials_ciphertext),
    )


def store_envelope(account: OtaAccount, envelope: EncryptedCredentials) -> None:
    """Put a (new or re-wrapped) envelope on the account row; the mask is not touched."""
    account.credentials_key_id = envelope.key_id
    account.credentials_encrypted_data_key = envelope.encrypted_data_key
    account.credentials_nonce = envelope.nonce
    account.credentials_ciphertext = envelope.ciphertext


def seal_credentials(
    account: OtaAccount, credentials: Mapping[str, str], *, vault: CredentialVault | None = None
) -> None:
    """Encrypt ``credentials`` for ``account`` (its id must be set) and store envelope and mask."""
    envelope = (vault or CredentialVault()).encrypt(account.id, credentials)
    store_envelope(account, envelope)
    account.credentials_mask = mask_credentials(credentials)


def effective_base_url(ota: OtaCode, base_url: str | None) -> str | None:
    """Where the account's requests go: its override, else the OTA's production endpoint."""
    return base_url or DEFAULT_BASE_URLS.get(ota)


@dataclass(frozen=True)
class AccountEndpoint:
    """What building an account's adapter needs, read from its row (no secret in the clear)."""

    account_id: int
    ota: OtaCode
    base_url: str | None
    envelope: EncryptedCredentials

    @classmethod
    def of(cls, account: OtaAccount) -> AccountEndpoint:
        return cls(
            account_id=account.id,
            ota=OtaCode(account.ota_code),
            base_url=account.base_url,
            envelope=envelope_of(account),
        )


def build_account_adapter(
    endpoint: AccountEndpoint, *, options: AdapterOptions | None = None, vault: CredentialVault | None = None
) -> OtaAdapter:
    """The account's adapter; its credentials provider decrypts inside each call and keeps nothing,
    every request waits for the account's shared budget (``account_pacing``), and bearer tokens
    exchanged for the credentials are kept in the container's cache (``ota.tokens.SHARED_TOKENS``).

    Raises :class:`AdapterUnavailable` when the account has no usable endpoint.
    """
    provider = (vault or CredentialVault()).credentials_provider(endpoint.account_id, endpoint.envelope)
    chosen = options or AdapterOptions()
    if chosen.tokens is None:  # bearer tokens (Booking.com's JWT) kept for the container, not one adapter
        chosen = replace(chosen, tokens=SHARED_TOKENS)
    paced = paced_options(endpoint.ota, endpoint.account_id, chosen)
    try:
        return build_adapter(endpoint.ota, provider, base_url=endpoint.base_url, options=paced)
    except (UnknownOta, ValueError) as exc:
        raise AdapterUnavailable(f"OTA account {endpoint.account_id} cannot be used: {exc}") from None


@dataclass(frozen=True)
class ConnectionTarget:
    """One connection as the sync engine needs it: where to pull from and push to."""

    connection_id: int
    property_id: int
    country_code: str
    ota_hotel_id: str
    poll_interval_seconds: int | None  # the connection's override; None: the global setting
    is_active: bool
    endpoint: AccountEndpoint
    consecutive_failures: int = 0
    last_error_at: datetime | None = None

    @property
    def ota(self) -> OtaCode:
        return self.endpoint.ota

    @property
    def account_id(self) -> int:
        return self.endpoint.account_id

    @classmethod
    def of(cls, connection: OtaConnection, hotel: Property, account: OtaAccount) -> ConnectionTarget:
        return view_from(
            cls,
            connection,
            connection_id=connection.id,
            country_code=hotel.country_code,
            endpoint=AccountEndpoint.of(account),
        )


def target_of_row(row: Mapping[Any, Any]) -> ConnectionTarget:
    """A connection as ``ota_repository.property_sync_read`` reads it (plain columns, no ORM objects)."""
    return ConnectionTarget(
        connection_id=row["connection_id"],
        property_id=row["property_id"],
        country_code=row["country_code"],
        ota_hotel_id=row["ota_hotel_id"],
        poll_interval_seconds=row["poll_interval_seconds"],
        is_active=row["is_active"],
        endpoint=AccountEndpoint(
            account_id=row["account_id"],
            ota=OtaCode(row["ota_code"]),
            base_url=row["base_url"],
            envelope=EncryptedCredentials(
                key_id=row["credentials_key_id"],
                encrypted_data_key=bytes(row["credentials_encrypted_data_key"]),
                nonce=bytes(row["credentials_nonce"]),
                ciphertext=bytes(row["credentials_ciphertext"]),
            ),
        ),
        consecutive_failures=row["consecutive_failures"],
        last_error_at=row["last_error_at"],
    )


def load_connection_target(connection_id: int) -> ConnectionTarget:
    """The connection with its account's endpoint (every country: for the sync engine)."""
    with unit_of_work() as uow:
        found = existing(ota_repository.connection_with_account(uow.session, connection_id), "No such OTA connection.")
        return ConnectionTarget.of(*found)


@contextmanager
def connection_adapter(
    connection_id: int, *, options: AdapterOptions | None = None, vault: CredentialVault | None = None
) -> Iterator[tuple[ConnectionTarget, OtaAdapter]]:
    """``with connection_adapter(id) as (target, adapter): adapter.pull_reservations(target.ota_hotel_id)``.

    Reads the connection in its own short transaction; the adapter is closed on exit.
    """
    with target_adapter(load_connection_target(connection_id), options=options, vault=vault) as pair:
        yield pair


@contextmanager
def target_adapter(
    target: ConnectionTarget, *, options: AdapterOptions | None = None, vault: CredentialVault | None = None
) -> Iterator[tuple[ConnectionTarget, OtaAdapter]]:
    """The adapter of a connection already read (the sync worker reads all of a property's at once)."""
    adapter = build_account_adapter(target.endpoint, options=options, vault=vault)
    try:
        yield target, adapter
    finally:
        adapter.close()


@dataclass(frozen=True)
class HotelsFound:
    hotels: tuple[DiscoveredHotel, ...]
    errors: tuple[SyncError, ...]


def discover_hotels(endpoint: AccountEndpoint, hotel_ids: Sequence[str]) -> HotelsFound:
    """Discovery through the account's adapter with interactive timeouts; failures in ``errors``."""
    try:
        adapter = build_account_adapter(endpoint, options=interactive_options())
    except AdapterUnavailable as exc:
        return HotelsFound((), (SyncError(ota=endpoint.ota, kind=ErrorKind.CONFIGURATION, message=exc.message),))
    try:
        discovery = adapter.discover(hotel_ids)
    finally:
        adapter.close()
    return HotelsFound(discovery.hotels, discovery.errors)

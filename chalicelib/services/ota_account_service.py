"""OTA accounts: scoped CRUD with credentials sealed by the vault, connection tests, discovery.

Credentials come in once (create, or a replacement on update), are validated per OTA
(``chalicelib.domain.ota_accounts``), encrypted through the vault bound to the account's id, and
from then on exist in the clear only inside an adapter call. Responses, audit rows and logs
carry the mask (``username=pt***``, secrets ``***``) and nothing else.

``run_account_test`` and ``discover`` make real authenticated calls through the account's adapter;
no database transaction is open while the OTA answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from chalicelib.db.models import Country, OtaAccount
from chalicelib.db.repositories import ota as ota_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import Conflict, InvalidInput, existing
from chalicelib.domain.ota_accounts import AccountStatus, base_url_problem, credential_problems
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_results import DiscoveredHotel, ErrorKind, SyncError
from chalicelib.domain.views import view_from
from chalicelib.ota.factory import DEFAULT_BASE_URLS
from chalicelib.services import ota_access
from chalicelib.services.audit_service import audit_snapshot, record_audit

ACCOUNT_AUDIT_FIELDS = ("ota_code", "name", "country_code", "base_url", "status")
MAX_TEST_MESSAGE = 1000


@dataclass(frozen=True)
class AccountRecord:
    id: int
    ota: str
    ota_name: str
    name: str
    country_code: str
    base_url: str | None
    effective_base_url: str | None
    credentials_mask: dict[str, str]
    credentials_key_id: str
    status: str
    last_test_at: datetime | None
    last_test_ok: bool | None
    last_test_message: str | None
    connection_count: int
    created_at: datetime
    updated_at: datetime


def _record(account: OtaAccount, connections: int) -> AccountRecord:
    ota = OtaCode(account.ota_code)
    return view_from(
        AccountRecord,
        account,
        **ota.view_fields(),
        effective_base_url=ota_access.effective_base_url(ota, account.base_url),
        credentials_mask=dict(account.credentials_mask),
        connection_count=connections,
    )


def _audit_view(account: OtaAccount) -> dict[str, Any]:
    # "mask" and "kms_key_id": names the audit redaction leaves readable (nothing secret in them).
    return {
        **audit_snapshot(account, ACCOUNT_AUDIT_FIELDS),
        "mask": dict(account.credentials_mask),
        "kms_key_id": account.credentials_key_id,
    }


def scoped_account(session: Session, caller: Caller, account_id: int, *, for_update: bool = False) -> OtaAccount:
    """The account if it is within the caller's scope; NotFound (404) otherwise."""
    return existing(
        ota_repository.scoped_account(session, account_id, caller.scope, for_update=for_update), "No such OTA account."
    )


def _field_errors(problems: Sequence[tuple[str, str]], summary: str) -> InvalidInput:
    return InvalidInput(summary, details=[{"field": field, "message": message} for field, message in problems])


def _check_credentials(ota: OtaCode, credentials: Mapping[str, str]) -> None:
    problems = credential_problems(ota, credentials)
    if problems:
        raise _field_errors(
            [(f"body.{p.field}", p.message) for p in problems],
            f"These are not usable {ota.display_name} credentials: "
            + ", ".join(f"body.{p.field}" for p in problems[:5]),
        )


def _check_base_url(ota: OtaCode, base_url: str | None) -> None:
    problem = base_url_problem(ota, base_url, has_default=DEFAULT_BASE_URLS.get(ota) is not None)
    if problem:
        raise _field_errors([("body.base_url", problem)], f"Invalid body.base_url: {problem}")


def _check_country(session: Session, caller: Caller, country_code: str) -> str:
    code = country_code.upper()
    country = session.get(Country, code)
    if country is None or not country.is_active:
        raise _field_errors([("country_code", "unknown or inactive country")], "No such country.")
    if not caller.scope.includes(code):
        raise _field_errors(
            [("country_code", "outside your country scope")], "That country is outside your country scope."
        )
    return code


def _check_name_free(session: Session, country: str, ota: OtaCode, name: str, except_id: int | None = None) -> None:
    if ota_repository.account_name_taken(session, country, ota.value, name, except_id=except_id):
        raise Conflict(
            f"There is already a {ota.display_name} account named {name!r} in {country}.",
            details=[{"field": "name", "message": "already used for this OTA in this country"}],
        )


# --- CRUD -----------------------------------------------------------------------------------------------


def list_accounts(
    caller: Caller, filters: ota_repository.AccountFilters, *, offset: int, limit: int
) -> tuple[list[AccountRecord], int]:
    """Accounts in the caller's country scope matching ``filters``, one page (masks only)."""
    with unit_of_work() as uow:
        rows, total = ota_repository.list_accounts(uow.session, caller.scope, filters, offset=offset, limit=limit)
        return [_record(account, count) for account, count in rows], total


def get_account(caller: Caller, account_id: int) -> AccountRecord:
    """One account in the caller's scope, credentials masked."""
    with unit_of_work() as uow:
        account = scoped_account(uow.session, caller, account_id)
        return _record(account, ota_repository.connection_count(uow.session, account.id))


@dataclass(frozen=True)
class NewAccount:
    ota: OtaCode
    name: str
    country_code: str
    base_url: str | None
    credentials: Mapping[str, str]
    status: AccountStatus = AccountStatus.ACTIVE

    def __repr__(self) -> str:
        return f"NewAccount(ota={self.ota.value!r}, name={self.name!r}, credentials=<{len(self.credentials)} fields>)"


def create_account(caller: Caller, new: NewAccount) -> AccountRecord:
    """Create an account; its credentials are sealed to the new row's id before it is written."""
    _check_credentials(new.ota, new.credentials)
    _check_base_url(new.ota, new.base_url)
    with unit_of_work() as uow:
        session = uow.session
        country = _check_country(session, caller, new.country_code)
        _check_name_free(session, country, new.ota, new.name)
        account = OtaAccount(
            id=ota_repository.reserve_account_id(session),
            ota_code=new.ota.value,
            name=new.name,
            country_code=country,
            base_url=new.base_url,
            status=new.status,
        )
        ota_access.seal_credentials(account, new.credentials)
        session.add(account)
        ota_repository.flush_or_conflict(
            session, f"There is already a {new.ota.display_name} account named {new.name!r}.", field="name"
        )
        session.refresh(account)
        record_audit(
            session,
            caller,
            "ota_account.created",
            "ota_account",
            account.id,
            None,
            _audit_view(account),
            country_code=account.country_code,
        )
        return _record(account, 0)


def update_account(caller: Caller, account_id: int, changes: Mapping[str, Any]) -> AccountRecord:
    """Change name, base URL or status, or replace the credentials (all of them: the old ones are
    never decrypted to be merged). Only the keys given change."""
    with unit_of_work() as uow:
        session = uow.session
        account = scoped_account(session, caller, account_id, for_update=True)
        ota = OtaCode(account.ota_code)
        before = _audit_view(account)
        if "name" in changes and changes["name"] != account.name:
            _check_name_free(session, account.country_code, ota, changes["name"], except_id=account.id)
            account.name = changes["name"]
        if "base_url" in changes:
            _check_base_url(ota, changes["base_url"])
            account.base_url = changes["base_url"]
        if "status" in changes:
            account.status = AccountStatus(changes["status"])
        credentials = changes.get("credentials")
        if credentials is not None:
            _check_credentials(ota, credentials)
            ota_access.seal_credentials(account, credentials)
            # The old test result says nothing about the new credentials.
            account.last_test_at = account.last_test_ok = account.last_test_message = None
        after = _audit_view(account)
        if after != before or credentials is not None:
            session.flush()
            record_audit(
                session,
                caller,
                "ota_account.credentials_replaced" if credentials is not None else "ota_account.updated",
                "ota_account",
                account.id,
                before,
                after,
                country_code=account.country_code,
            )
            session.refresh(account)
        return _record(account, ota_repository.connection_count(session, account.id))


def delete_account(caller: Caller, account_id: int) -> None:
    """Delete an account and its sealed credentials; refused while properties are connected through it."""
    with unit_of_work() as uow:
        session = uow.session
        account = scoped_account(session, caller, account_id, for_update=True)
        connections = ota_repository.connection_count(session, account.id)
        if connections:
            raise Conflict(
                f"{connections} propert{'y is' if connections == 1 else 'ies are'} connected through this account: "
                "delete those connections first."
            )
        record_audit(
            session,
            caller,
            "ota_account.deleted",
            "ota_account",
            account.id,
            _audit_view(account),
            None,
            country_code=account.country_code,
        )
        session.delete(account)


# --- calls to the OTA ----------------------------------------------------------------------------------------


def _endpoint(caller: Caller, account_id: int) -> ota_access.AccountEndpoint:
    with unit_of_work() as uow:
        return ota_access.AccountEndpoint.of(scoped_account(uow.session, caller, account_id))


@dataclass(frozen=True)
class AccountTestResult:
    ok: bool
    message: str
    ota: str
    ota_hotel_id: str | None
    error_kind: str | None
    error_code: str | None
    tested_at: datetime


def run_account_test(caller: Caller, account_id: int, ota_hotel_id: str | None = None) -> AccountTestResult:
    """Make one real authenticated call to the OTA with the account's credentials (checking
    ``ota_hotel_id`` too when given) and store the outcome on the account.

    Failures are results, never exceptions: ``ok`` is false and ``message`` says what the OTA
    answered, in words ("authentication failed at Booking.com").
    """
    endpoint = _endpoint(caller, account_id)
    try:
        adapter = ota_access.build_account_adapter(endpoint, options=ota_access.interactive_options())
        try:
            outcome = adapter.test_connection(ota_hotel_id)
        finally:
            adapter.close()
        ok, message = outcome.ok, outcome.message
        kind = outcome.error.kind.value if outcome.error else None
        code = outcome.error.code if outcome.error else None
    except ota_access.AdapterUnavailable as exc:
        ok, message, kind, code = False, exc.message, ErrorKind.CONFIGURATION.value, None
    tested_at = datetime.now(UTC)
    message = message[:MAX_TEST_MESSAGE]
    with unit_of_work() as uow:
        # Still there and still in scope? (It may have been deleted while the OTA answered.)
        account = ota_repository.scoped_account(uow.session, account_id, caller.scope, for_update=True)
        if account is not None:
            account.last_test_at, account.last_test_ok, account.last_test_message = tested_at, ok, message
    return AccountTestResult(
        ok=ok,
        message=message,
        ota=endpoint.ota.value,
        ota_hotel_id=ota_hotel_id,
        error_kind=kind,
        error_code=code,
        tested_at=tested_at,
    )


@dataclass(frozen=True)
class DiscoveryRecord:
    ota: str
    hotels: tuple[DiscoveredHotel, ...]
    errors: tuple[SyncError, ...]
    # OTA hotel id -> (connection id, property id) for hotels already connected through the account.
    connected: dict[str, tuple[int, int]]


def discover(caller: Caller, account_id: int, hotel_ids: Sequence[str] = ()) -> DiscoveryRecord:
    """What the OTA reports for the account: hotels → rooms → rate plans.

    Without ``hotel_ids``, the hotels of the account's connections; without those either, the
    OTA's own list where it has one (Traveloka). OTAs that list per hotel only (Booking.com,
    Expedia, Agoda) then need ids: InvalidInput naming ``query.hotel_id``.
    """
    with unit_of_work() as uow:
        account = scoped_account(uow.session, caller, account_id)
        endpoint = ota_access.AccountEndpoint.of(account)
        # Scope every part of the answer, not only the account: a hotel connected to a property of
        # another country is neither asked for nor shown (nor its connection, property, rooms).
        connected, foreign = ota_repository.account_hotels_by_scope(uow.session, account.id, caller.scope)
        wanted = [h for h in dict.fromkeys(hotel_ids) if h not in foreign] if hotel_ids else list(connected)
    if hotel_ids and not wanted:
        return DiscoveryRecord(ota=endpoint.ota.value, hotels=(), errors=(), connected={})
    found = ota_access.discover_hotels(endpoint, wanted)
    discovery = ota_access.HotelsFound(
        hotels=tuple(hotel for hotel in found.hotels if hotel.ota_hotel_id not in foreign),
        errors=tuple(error for error in found.errors if error.item_id not in foreign),
    )
    needs_ids = [error for error in discovery.errors if error.field == "ota_hotel_ids"]
    if needs_ids and not discovery.hotels:
        raise InvalidInput(
            needs_ids[0].message, details=[{"field": "query.hotel_id", "message": "give the OTA's hotel id(s)"}]
        )
    return DiscoveryRecord(
        ota=endpoint.ota.value, hotels=discovery.hotels, errors=discovery.errors, connected=connected
    )

"""API keys of agency systems: create (shown once), list, revoke, and authenticate ``X-API-Key``.

Staff and the agency's admin (PARTNER_ADMIN) manage an agency's keys; the agency must be in the
caller's scope (an agency admin: its own). A key holds a subset of its creator's permissions
(and of :data:`~chalicelib.domain.permissions.API_KEY_PERMISSIONS`); on every request it gets at
most what its creator still holds, so taking a right from the creator takes it from the key.
Every write is audited; the secret is never stored, logged nor audited (its SHA-256 is stored).
"""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.db.models import ApiKey, Role
from chalicelib.db.repositories import api_keys as key_repository
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.access import Caller
from chalicelib.domain.api_keys import ApiKeyRecord, IssuedKey, hash_key, issue_key, key_permissions, well_formed
from chalicelib.domain.errors import AuthenticationFailed, NotFound, existing
from chalicelib.domain.permissions import API_KEY_PERMISSIONS, Permission, as_permission
from chalicelib.domain.rate_limits import api_key_limit
from chalicelib.services import rate_limiter
from chalicelib.services.agency_service import find_agency
from chalicelib.services.audit_service import audit_change, audit_entry

KEY_AUDIT_FIELDS = ("agency_id", "name", "prefix", "permissions", "rate_limit_per_minute", "revoked_at")


class InvalidApiKey(AuthenticationFailed):
    code = "invalid_api_key"


def _audit_view(record: ApiKeyRecord) -> dict[str, object]:
    values = {name: getattr(record, name) for name in KEY_AUDIT_FIELDS}
    values["revoked_at"] = record.revoked_at.isoformat() if record.revoked_at else None
    return values


def create_key(
    caller: Caller, agency_id: int, name: str, permissions: Permission, rate_limit_per_minute: int
) -> tuple[ApiKeyRecord, IssuedKey]:
    """A new key of the agency; the :class:`IssuedKey`'s plaintext is the only copy there will be."""
    granted = key_permissions(permissions, caller.permissions)
    issued = issue_key()
    with unit_of_work() as work:
        agency = find_agency(work, caller, agency_id)
        row = ApiKey(
            agency_id=agency.id,
            name=name.strip(),
            prefix=issued.prefix,
            secret_hash=issued.secret_hash,
            permissions=int(granted),
            rate_limit_per_minute=rate_limit_per_minute,
            created_by_user_id=caller.user_id,
        )
        record = key_repository.api_key_record(key_repository.add(work.session, row))
        audit_change(
            work.audit, caller, "api_key", record.id, None, _audit_view(record), country_code=agency.country_code
        )
        return record, issued


def list_keys(caller: Caller, agency_id: int) -> list[ApiKeyRecord]:
    """The agency's keys, revoked ones included (never their secrets)."""
    with unit_of_work() as work:
        agency = find_agency(work, caller, agency_id)
        return [key_repository.api_key_record(row) for row in key_repository.of_agency(work.session, agency.id)]


def revoke_key(caller: Caller, key_id: int, *, now: datetime | None = None) -> ApiKeyRecord:
    """Revoke a key of an agency in scope at once (the next request with it is a 401); revoking twice
    changes nothing."""
    with unit_of_work() as work:
        row = existing(work.session.get(ApiKey, key_id, with_for_update=True), "No such API key.")
        try:
            agency = find_agency(work, caller, row.agency_id)
        except NotFound:
            raise NotFound("No such API key.") from None
        if row.revoked_at is not None:
            return key_repository.api_key_record(row)
        before = _audit_view(key_repository.api_key_record(row))
        row.revoked_at = now or datetime.now(UTC)
        work.session.flush()
        record = key_repository.api_key_record(row)
        work.audit.add(
            audit_entry(
                caller,
                "api_key.revoked",
                "api_key",
                record.id,
                before,
                _audit_view(record),
                country_code=agency.country_code,
            )
        )
        return record


def authenticate(plaintext: str, *, client_ip: str | None, request_id: str | None) -> Caller:
    """The agency caller behind ``X-API-Key``: 401 (one message) for a malformed, unknown or revoked
    key, 429 once the key's own per-minute limit is used up; records when the key was last used."""
    key = plaintext.strip()
    if not well_formed(key):
        raise InvalidApiKey("Invalid API key.")
    with unit_of_work() as work:
        found = key_repository.live_key(work.session, hash_key(key))
        if found is None:
            raise InvalidApiKey("Invalid API key.")
        row, creator, agency = found
        role = work.session.get(Role, creator.role_id)
        creator_permissions = as_permission(role.permissions) if role is not None else Permission(0)
        key_repository.touch(work.session, row.id, datetime.now(UTC))
        caller = Caller(
            user_id=creator.id,
            email=f"api-key:{row.prefix}",
            full_name=row.name,
            role_id=creator.role_id,
            role_name="API key",
            permissions=as_permission(row.permissions) & creator_permissions & API_KEY_PERMISSIONS,
            home_country=agency.country_code,
            active_country=None,
            may_switch_country=False,
            session_id=f"api-key:{row.id}",
            client_ip=client_ip,
            request_id=request_id,
            agency_id=agency.id,
            api_key_id=row.id,
        )
        limit = api_key_limit(row.rate_limit_per_minute)
    rate_limiter.enforce((limit, str(row.id)))
    return caller

"""An agency's own access: its users (invited by staff or its admin) and the API keys of its systems.

Every route needs PARTNER_ADMIN and an agency in the caller's scope: staff see the agencies of
their countries, an agency admin only its own (another agency's id is 404).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import Email, Password, PersonName, RecordName, request_body_config
from chalicelib.api.users import UserOut
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.api_keys import DEFAULT_RATE_LIMIT_PER_MINUTE, ApiKeyRecord
from chalicelib.domain.permissions import API_KEY_PERMISSIONS, Permission, mask_of, permission_names
from chalicelib.services import agency_user_service, api_key_service

blueprint = ApiBlueprint(__name__, tag="agency access")
access = Resource(blueprint, read=Permission.PARTNER_ADMIN, write=Permission.PARTNER_ADMIN)


class AgencyUserInvite(BaseModel):
    model_config = request_body_config(
        {"email": "reservations@saigontravel.example", "full_name": "Le Van Cuong", "admin": False}
    )

    email: Email
    full_name: PersonName
    admin: bool = Field(
        default=False, description="Agency Admin (invites users, manages API keys), else Agency Partner"
    )
    password: Password | None = Field(
        default=None, description="initial password; omit to email the user an invitation link instead"
    )


class ApiKeyCreate(BaseModel):
    model_config = request_body_config(
        {"name": "Booking engine", "permissions": ["CONTRACTS_READ", "BOOKINGS_CREATE"], "rate_limit_per_minute": 60}
    )

    name: RecordName
    permissions: list[str] = Field(
        min_length=1,
        max_length=10,
        description=f"a subset of yours and of {', '.join(permission_names(API_KEY_PERMISSIONS))}",
    )
    rate_limit_per_minute: int = Field(default=DEFAULT_RATE_LIMIT_PER_MINUTE, ge=1, le=10_000)


class ApiKeyOut(ViewModel, view=ApiKeyRecord):
    prefix: str = Field(description="the key's first characters (ptx_<prefix>_...), to recognise it")


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="the key: send it as X-API-Key. Shown this once; only its SHA-256 is kept")


access.collection("/agencies/{agency_id}/users", UserOut, noun="agency_user").list(
    agency_user_service.list_users, "The agency's user accounts", partner=True
)


@access.create(
    "/agencies/{agency_id}/users",
    "Invite a user of the agency (emailed a link to choose a password)",
    partner=True,
    error_statuses=(409, 422),
)
def invite_agency_user(caller: Caller, agency_id: int, body: AgencyUserInvite) -> UserOut:
    invited = agency_user_service.invite_user(
        caller, agency_id, body.email, body.full_name, admin=body.admin, password=body.password
    )
    return UserOut.of(invited)


access.collection("/agencies/{agency_id}/api-keys", ApiKeyOut, noun="api_key").list(
    api_key_service.list_keys, "The agency's API keys (never their secrets)", partner=True
)


@access.create(
    "/agencies/{agency_id}/api-keys",
    "Create an API key for the agency's systems: the key is in this response only",
    partner=True,
    error_statuses=(422,),
)
def create_api_key(caller: Caller, agency_id: int, body: ApiKeyCreate) -> ApiKeyCreated:
    permissions = mask_of(body.permissions, field="body.permissions")
    record, issued = api_key_service.create_key(caller, agency_id, body.name, permissions, body.rate_limit_per_minute)
    return ApiKeyCreated.model_validate({**ApiKeyOut.of(record).model_dump(), "key": issued.plaintext})


@access.delete(
    "/api-keys/{api_key_id}",
    "Revoke an API key (at once; it answers 401 from now on)",
    status=200,
    partner=True,
)
def revoke_api_key(caller: Caller, api_key_id: int) -> ApiKeyOut:
    return ApiKeyOut.of(api_key_service.revoke_key(caller, api_key_id))

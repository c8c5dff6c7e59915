"""Staff accounts: list, read, create, edit (role, country), enable/disable, delete, reset 2FA."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, Field

from chalicelib.api.pagination import Page, PageQuery, filtered_page
from chalicelib.api.patching import PatchBody
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import CountryCode, Email, Password, PersonName, request_body_config
from chalicelib.api.view_models import ViewModel
from chalicelib.db.repositories.users import UserFilters
from chalicelib.domain.access import Caller
from chalicelib.domain.permissions import Permission
from chalicelib.services import mfa_service, user_service
from chalicelib.services.user_service import UserRecord

blueprint = ApiBlueprint(__name__, tag="users")
users = Resource(blueprint, read=Permission.USERS_READ, write=Permission.USERS_WRITE)


class UserOut(ViewModel, view=UserRecord):
    pass


class UserQuery(PageQuery):
    search: str | None = Field(default=None, max_length=100, description="part of the email or name")
    role_id: int | None = Field(default=None, ge=1)
    country_code: CountryCode | None = None
    is_active: bool | None = None


class UserCreate(BaseModel):
    model_config = request_body_config(
        {"email": "new.staff@example.com", "full_name": "New Staff", "role_id": 2, "country_code": "VN"}
    )

    email: Email
    full_name: PersonName
    role_id: int = Field(ge=1)
    country_code: CountryCode | None = Field(default=None, description="required unless the role may switch country")
    password: Password | None = Field(
        default=None, description="initial password; omit to email the user an invitation link instead"
    )


class UserUpdate(PatchBody):
    model_config = request_body_config({"full_name": "Renamed Person"})
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"country_code"})

    email: Email | None = None
    full_name: PersonName | None = None
    role_id: int | None = Field(default=None, ge=1)
    country_code: CountryCode | None = None


@users.get("/users", "List staff accounts in your country scope")
def list_users(caller: Caller, query: UserQuery) -> Page[UserOut]:
    return filtered_page(caller, query, UserFilters, user_service.list_users, UserOut)


@users.create("/users", "Create a staff account", error_statuses=(409,))
def create_user(caller: Caller, body: UserCreate) -> UserOut:
    """Without ``password``, the user is emailed a link (valid 72 hours) to choose one. You may
    only assign roles whose permissions you hold yourself, in countries you can see."""
    new = user_service.NewUser(**body.model_dump())
    return UserOut.of(user_service.create_user(caller, new))


user = users.record("/users/{user_id}", UserOut)
user.get(user_service.get_user, "One staff account")
user.update(
    user_service.update_user, UserUpdate, "Edit a staff account (email, name, role, country)", error_statuses=(409,)
)
user.delete(user_service.delete_user, "Delete a staff account", error_statuses=(409,))


@users.post("/users/{user_id}/disable", "Disable an account (its sessions end at once)", error_statuses=(409,))
def disable_user(caller: Caller, user_id: int) -> UserOut:
    return UserOut.of(user_service.set_active(caller, user_id, False))


@users.post("/users/{user_id}/enable", "Enable an account")
def enable_user(caller: Caller, user_id: int) -> UserOut:
    return UserOut.of(user_service.set_active(caller, user_id, True))


@users.post("/users/{user_id}/2fa/reset", "Remove a user's second factor (lost device)", status=204)
def reset_user_2fa(caller: Caller, user_id: int) -> None:
    """The user's sessions end; if their role requires 2FA they must enroll again."""
    mfa_service.reset_for_user(caller, user_id)

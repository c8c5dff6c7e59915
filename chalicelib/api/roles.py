"""Roles and the permission catalogue (the permission-bitmask editor)."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from chalicelib.api.pagination import Page, PageQuery
from chalicelib.api.patching import PatchBody
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import request_body_config
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.permissions import DESCRIPTIONS, Permission, mask_of
from chalicelib.services import role_service
from chalicelib.services.role_service import RoleRecord

blueprint = ApiBlueprint(__name__, tag="roles")
roles = Resource(blueprint, read=Permission.USERS_READ, write=Permission.ROLES_WRITE)


def _known_permission(name: str) -> str:
    if name not in Permission.__members__:
        raise ValueError(f"unknown permission {name[:60]!r}; GET /permissions lists them")
    return name


PermissionName = Annotated[
    str,
    Field(max_length=60, json_schema_extra={"enum": list(Permission.__members__)}),
    AfterValidator(_known_permission),
]
RoleName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class PermissionOut(BaseModel):
    name: str
    bit: int
    value: int
    description: str


class RoleOut(ViewModel, view=RoleRecord):
    permission_mask: int = Field(description="the bitmask stored for the role")
    is_system: bool = Field(description="preset role: cannot be renamed or deleted")


class RoleCreate(BaseModel):
    model_config = request_body_config({"name": "Night Auditor", "description": "", "permissions": ["BOOKINGS_READ"]})

    name: RoleName
    description: str = Field(default="", max_length=500)
    permissions: list[PermissionName] = Field(max_length=64)


class RoleUpdate(PatchBody):
    model_config = request_body_config({"permissions": ["BOOKINGS_READ", "ALERTS_READ"]})
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"name", "description", "permissions"})

    name: RoleName | None = None
    description: str | None = Field(default=None, max_length=500)
    permissions: list[PermissionName] | None = Field(default=None, max_length=64)


@blueprint.endpoint(
    "/permissions", summary="Every permission bit, with its name and meaning", response=list[PermissionOut]
)
def list_permissions() -> list[PermissionOut]:
    return [
        PermissionOut(
            name=member.name or "",
            bit=member.value.bit_length() - 1,
            value=member.value,
            description=DESCRIPTIONS[member],
        )
        for member in Permission
    ]


@roles.get("/roles", "List roles with their permissions")
def list_roles(query: PageQuery) -> Page[RoleOut]:
    records, total = role_service.list_roles(offset=query.offset, limit=query.page_size)
    return Page.of([RoleOut.of(r) for r in records], total, query)


@roles.get("/roles/{role_id}", "One role")
def get_role(role_id: int) -> RoleOut:
    return RoleOut.of(role_service.get_role(role_id))


@roles.create("/roles", "Create a role", error_statuses=(409,))
def create_role(caller: Caller, body: RoleCreate) -> RoleOut:
    return RoleOut.of(role_service.create_role(caller, body.name, body.description, mask_of(body.permissions)))


@roles.patch("/roles/{role_id}", "Rename a role or edit its permissions", error_statuses=(409,))
def update_role(caller: Caller, role_id: int, body: RoleUpdate) -> RoleOut:
    """Users holding the role get the new permissions on their next request."""
    permissions = mask_of(body.permissions) if body.permissions is not None else None
    return RoleOut.of(
        role_service.update_role(caller, role_id, name=body.name, description=body.description, permissions=permissions)
    )


roles.record("/roles/{role_id}", RoleOut).delete(
    role_service.delete_role, "Delete a custom role nobody holds", error_statuses=(409,)
)

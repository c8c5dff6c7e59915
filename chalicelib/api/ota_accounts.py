"""OTA accounts: CRUD with write-only credentials, a real connection test, discovery and import."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from chalicelib.api.ota_connections import ConnectionOut, ProposalOut
from chalicelib.api.pagination import Page, PageQuery, filters_from
from chalicelib.api.patching import PatchBody
from chalicelib.api.resources import Resource
from chalicelib.api.routing import ApiBlueprint
from chalicelib.api.schemas import CountryCode, request_body_config
from chalicelib.api.view_models import ViewModel
from chalicelib.db.repositories.ota import AccountFilters
from chalicelib.domain.access import Caller
from chalicelib.domain.ota_accounts import MAX_BASE_URL_LENGTH, MAX_CREDENTIAL_VALUE_LENGTH, AccountStatus
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_results import DiscoveredRatePlan, DiscoveredRoom
from chalicelib.domain.permissions import Permission
from chalicelib.services import ota_account_service, ota_proposal_service
from chalicelib.services.ota_account_service import AccountRecord, AccountTestResult
from chalicelib.services.ota_proposal_service import ImportResult

blueprint = ApiBlueprint(__name__, tag="ota-accounts")
accounts = Resource(
    blueprint,
    read=Permission.OTA_ACCOUNTS_READ,
    write=Permission.OTA_ACCOUNTS_WRITE,
    kinds={"account_id": "ota_account"},
)

AccountName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OtaId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
BaseUrl = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BASE_URL_LENGTH)]
CredentialName = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]
CredentialValue = Annotated[str, Field(max_length=MAX_CREDENTIAL_VALUE_LENGTH)]
Credentials = Annotated[
    dict[CredentialName, CredentialValue],
    Field(
        min_length=1,
        max_length=8,
        description="write-only: Booking.com username+password or client_id+client_secret; Expedia "
        "username+password; Agoda and Traveloka api_key. Responses show only a mask.",
    ),
]


class OtaAccountOut(ViewModel, view=AccountRecord):
    ota: str = Field(description="booking_com, expedia, agoda or traveloka")
    base_url: str | None = Field(description="the override; null = the OTA's production endpoint")
    credentials_mask: dict[str, str] = Field(description="e.g. {'username': 'pt***', 'password': '***'}")
    credentials_key_id: str = Field(description="the KMS key wrapping the credentials' data key")


class AccountQuery(PageQuery):
    ota: OtaCode | None = None
    country_code: CountryCode | None = None
    status: AccountStatus | None = None
    search: str | None = Field(default=None, max_length=100, description="part of the name")


class AccountCreate(BaseModel):
    model_config = request_body_config(
        {
            "ota": "booking_com",
            "name": "Booking.com machine account",
            "country_code": "VN",
            "credentials": {"username": "ptx-machine", "password": "machine-pass-1"},
        }
    )

    ota: OtaCode
    name: AccountName
    country_code: CountryCode
    base_url: BaseUrl | None = Field(
        default=None, description="sandbox or simulator endpoint; omit for production (required for Traveloka)"
    )
    credentials: Credentials
    status: AccountStatus = AccountStatus.ACTIVE


class AccountUpdate(PatchBody):
    model_config = request_body_config({"name": "Renamed account"})
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"base_url"})

    name: AccountName | None = None
    base_url: BaseUrl | None = Field(default=None, description="null: back to the OTA's production endpoint")
    status: AccountStatus | None = None
    credentials: Credentials | None = Field(default=None, description="replaces all the credentials")


class AccountTest(BaseModel):
    model_config = request_body_config({"ota_hotel_id": "1234567"})

    ota_hotel_id: OtaId | None = Field(default=None, description="also check this hotel (its rooms are listed)")


class AccountTestOut(ViewModel, view=AccountTestResult):
    message: str = Field(description="what the OTA answered, in words")
    error_kind: str | None = Field(description="authentication, unavailable, timeout, rate_limited, ...")
    error_code: str | None = Field(description="the OTA's own error code, when it gave one")


class DiscoveredRatePlanOut(ViewModel, view=DiscoveredRatePlan):
    pass


class DiscoveredRoomOut(ViewModel, view=DiscoveredRoom):
    rate_plans: list[DiscoveredRatePlanOut]


class DiscoveredHotelOut(BaseModel):
    ota_hotel_id: str
    name: str
    rooms: list[DiscoveredRoomOut]
    connection_id: int | None = Field(description="this account's connection for the hotel, if any")
    property_id: int | None


class OtaErrorOut(BaseModel):
    kind: str
    message: str
    code: str | None
    field: str | None
    item_id: str | None


class DiscoveryOut(BaseModel):
    ota: str
    hotels: list[DiscoveredHotelOut]
    errors: list[OtaErrorOut] = Field(description="hotels the OTA could not report, and why")


class DiscoveryQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hotel_id: list[OtaId] = Field(
        default_factory=list, max_length=20, description="the OTA's hotel ids (repeat the parameter)"
    )


class DiscoveryImport(BaseModel):
    model_config = request_body_config({"property_id": 1, "ota_hotel_id": "1234567"})

    property_id: int = Field(ge=1)
    ota_hotel_id: OtaId


class DiscoveryImportOut(ViewModel, view=ImportResult):
    connection: ConnectionOut
    proposals: list[ProposalOut]
    already_mapped: int = Field(description="OTA rooms and rate plans the connection already maps")


@accounts.get("/ota-accounts", "List OTA accounts in your country scope (credentials masked)")
def list_ota_accounts(caller: Caller, query: AccountQuery) -> Page[OtaAccountOut]:
    filters = filters_from(
        query,
        AccountFilters,
        ota_code=query.ota.value if query.ota else None,
        status=query.status.value if query.status else None,
    )
    records, total = ota_account_service.list_accounts(caller, filters, offset=query.offset, limit=query.page_size)
    return Page.of([OtaAccountOut.of(r) for r in records], total, query)


account = accounts.record("/ota-accounts/{account_id}", OtaAccountOut)
account.create(
    ota_account_service.create_account,
    AccountCreate,
    "Create an OTA account (credentials are encrypted, never shown again)",
    build=ota_account_service.NewAccount,
    description="The credentials are sealed with KMS envelope encryption bound to the new account; every\n"
    "answer after this one shows their mask only.",
    error_statuses=(409,),
)
account.get(ota_account_service.get_account, "One OTA account (credentials masked)")
account.update(
    ota_account_service.update_account,
    AccountUpdate,
    "Rename, change endpoint or status, or replace the credentials",
    description="``credentials`` replaces all of them (re-encrypted); the OTA and country cannot change.",
    error_statuses=(409,),
)
account.delete(
    ota_account_service.delete_account,
    "Delete an OTA account (refused while properties are connected through it)",
    error_statuses=(409,),
)


@accounts.post(
    "/ota-accounts/{account_id}/test",
    "Test the account: one real authenticated call to the OTA",
    body_required=False,
    permission=Permission.OTA_CONNECTIONS_WRITE,
)
def test_ota_account(caller: Caller, account_id: int, body: AccountTest) -> AccountTestOut:
    """Answers 200 either way: ``ok`` says whether the OTA accepted the credentials, ``message``
    what it said ("authentication failed at Booking.com"). The outcome is kept on the account."""
    result = ota_account_service.run_account_test(caller, account_id, body.ota_hotel_id)
    return AccountTestOut.of(result)


@accounts.get("/ota-accounts/{account_id}/discovery", "What the OTA reports for the account: hotels, rooms, rate plans")
def discover_ota_account(caller: Caller, account_id: int, query: DiscoveryQuery) -> DiscoveryOut:
    """Without ``hotel_id``: the hotels of the account's connections, else the OTA's own list
    (Traveloka). Booking.com, Expedia and Agoda list per hotel, so a new account needs ids."""
    found = ota_account_service.discover(caller, account_id, query.hotel_id)
    return DiscoveryOut(
        ota=found.ota,
        hotels=[
            DiscoveredHotelOut(
                ota_hotel_id=hotel.ota_hotel_id,
                name=hotel.name,
                rooms=[DiscoveredRoomOut.of(room) for room in hotel.rooms],
                connection_id=found.connected.get(hotel.ota_hotel_id, (None, None))[0],
                property_id=found.connected.get(hotel.ota_hotel_id, (None, None))[1],
            )
            for hotel in found.hotels
        ],
        errors=[
            OtaErrorOut(kind=e.kind.value, message=e.message, code=e.code, field=e.field, item_id=e.item_id)
            for e in found.errors
        ],
    )


@accounts.post(
    "/ota-accounts/{account_id}/discovery/import",
    "Import a discovered hotel for a property as proposed mappings",
    permission=Permission.OTA_CONNECTIONS_WRITE,
    error_statuses=(409, 503),
)
def import_ota_discovery(caller: Caller, account_id: int, body: DiscoveryImport) -> DiscoveryImportOut:
    """Asks the OTA for the hotel's rooms and rate plans, connects the property (inactive) if it
    is not yet, and proposes a mapping for each OTA room and rate plan not mapped yet. Accept or
    reject them under ``/mapping-proposals``; activate the connection when done."""
    result = ota_proposal_service.import_discovery(
        caller, account_id, property_id=body.property_id, ota_hotel_id=body.ota_hotel_id
    )
    return DiscoveryImportOut.of(result)

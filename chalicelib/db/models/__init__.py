"""ORM models, one module per area. Importing this package registers every table on Base.metadata."""

from chalicelib.db.models.alert import Alert, OutboxMessage
from chalicelib.db.models.allotment import (
    Agency,
    AgencyContract,
    AllotmentEventRecord,
    AllotmentNightState,
    ContractReleaseStep,
    ContractSeason,
    ContractVersion,
)
from chalicelib.db.models.api_key import ApiKey
from chalicelib.db.models.ari_push import AriAcknowledgedVersion, AriPushState
from chalicelib.db.models.audit import ActivityLog, AuditLog
from chalicelib.db.models.booking import (
    BookingEvent,
    BookingGroup,
    BookingLine,
    BookingNight,
    BookingStatus,
    BookingStatusTransition,
    IdempotencyKey,
    OtaReservationRevision,
)
from chalicelib.db.models.hardblock import Hardblock, HardblockNight, HardblockVersion
from chalicelib.db.models.identity import (
    AuthSession,
    PasswordResetToken,
    RateLimitBucket,
    RecoveryCode,
    RefreshToken,
    Role,
    User,
    UserTotp,
)
from chalicelib.db.models.inventory import AriChangeRecord, InventoryDay, RateDay, RatePlan, RatePlanRule
from chalicelib.db.models.live import LiveConnection, LiveTicket
from chalicelib.db.models.ota import (
    MappingProposal,
    OtaAccount,
    OtaAccountBudget,
    OtaConnection,
    RatePlanMapping,
    RoomTypeMapping,
)
from chalicelib.db.models.property import Property, RoomType
from chalicelib.db.models.reference import Country
from chalicelib.db.models.sale_order import AgencyBooking, AgencyBookingNight, SaleOrder, SaleOrderLineRow
from chalicelib.db.models.supplier import Supplier, SupplierAllocation
from chalicelib.db.models.sync import Lease, PendingOtaAck, SyncRun
from chalicelib.db.models.system import AppSetting, Heartbeat
from chalicelib.db.models.webhook import WebhookReceipt

__all__ = [
    "ActivityLog",
    "Agency",
    "AgencyBooking",
    "AgencyBookingNight",
    "AgencyContract",
    "Alert",
    "AllotmentEventRecord",
    "AllotmentNightState",
    "ApiKey",
    "AppSetting",
    "AriAcknowledgedVersion",
    "AriChangeRecord",
    "AriPushState",
    "AuditLog",
    "AuthSession",
    "BookingEvent",
    "BookingGroup",
    "BookingLine",
    "BookingNight",
    "BookingStatus",
    "BookingStatusTransition",
    "ContractReleaseStep",
    "ContractSeason",
    "ContractVersion",
    "Country",
    "Hardblock",
    "HardblockNight",
    "HardblockVersion",
    "Heartbeat",
    "IdempotencyKey",
    "InventoryDay",
    "Lease",
    "LiveConnection",
    "LiveTicket",
    "MappingProposal",
    "OtaAccount",
    "OtaAccountBudget",
    "OtaConnection",
    "OtaReservationRevision",
    "OutboxMessage",
    "PasswordResetToken",
    "PendingOtaAck",
    "Property",
    "RateDay",
    "RateLimitBucket",
    "RatePlan",
    "RatePlanMapping",
    "RatePlanRule",
    "RecoveryCode",
    "RefreshToken",
    "Role",
    "RoomType",
    "RoomTypeMapping",
    "SaleOrder",
    "SaleOrderLineRow",
    "Supplier",
    "SupplierAllocation",
    "SyncRun",
    "User",
    "UserTotp",
    "WebhookReceipt",
]

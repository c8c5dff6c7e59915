"""ORM models, one module per area. Importing this package registers every table on Base.metadata."""

from chalicelib.db.models.audit import ActivityLog, AuditLog
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
from chalicelib.db.models.property import Property, RoomType
from chalicelib.db.models.reference import Country
from chalicelib.db.models.system import Heartbeat

__all__ = [
    "ActivityLog",
    "AuditLog",
    "AuthSession",
    "Country",
    "Heartbeat",
    "PasswordResetToken",
    "Property",
    "RateLimitBucket",
    "RecoveryCode",
    "RefreshToken",
    "Role",
    "RoomType",
    "User",
    "UserTotp",
]

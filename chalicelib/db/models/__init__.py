"""ORM models, one module per area. Importing this package registers every table on Base.metadata."""

from chalicelib.db.models.identity import Role, User
from chalicelib.db.models.property import Property, RoomType
from chalicelib.db.models.reference import Country
from chalicelib.db.models.system import Heartbeat

__all__ = ["Country", "Heartbeat", "Property", "Role", "RoomType", "User"]

"""What each connection has acknowledged of the ARI calendar, and its push bookkeeping.

``ari_acknowledged_versions`` holds, per connection and channel-visible cell, the newest version
the OTA accepted (or, for Expedia's own bookings, already applied itself). The push worker
coalesces pending outbox rows against it, so a version not newer than the acknowledged one is
never sent again: redeliveries and out-of-order messages cannot regress an OTA to an older value.
``rate_plan_id`` 0 stands for a room type's own night (inventory and restrictions).

``ari_push_states`` remembers, per connection, the local date of the last nightly full resync
that was enqueued, so the nightly schedule enqueues it once per local day. (One push at a time
per connection is kept by the connection's lease, ``leases``.)
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from chalicelib.db.base import Base


class AriAcknowledgedVersion(Base):
    __tablename__ = "ari_acknowledged_versions"

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("ota_connections.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    room_type_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rate_plan_id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=False
    )  # 0: the room type's night
    night: Mapped[date] = mapped_column(Date, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)


class AriPushState(Base):
    __tablename__ = "ari_push_states"

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("ota_connections.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    full_push_local_date: Mapped[date | None] = mapped_column(Date)
    full_push_enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

"""API keys of agency systems: only a SHA-256 of the secret is stored (the key is shown once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from chalicelib.db.base import Base, TimestampMixin


class ApiKey(TimestampMixin, Base):
    """A key of one agency with a subset of its creator's permissions and its own rate limit."""

    __tablename__ = "api_keys"
    __table_args__ = (CheckConstraint("rate_limit_per_minute BETWEEN 1 AND 10000", name="rate_limit_in_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    prefix: Mapped[str] = mapped_column(String(20), nullable=False)
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    permissions: Mapped[int] = mapped_column(BigInteger, nullable=False)
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer, nullable=False, server_default="120")
    # The key acts on its creator's behalf (audit rows name both); it dies with the account.
    created_by_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

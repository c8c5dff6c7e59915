"""Live updates: one-time tickets that open a WebSocket, and the open connections."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CHAR, DateTime, ForeignKey, Index, Integer, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from chalicelib.db.base import Base


class LiveTicket(Base):
    """A short-lived, single-use ticket (stored as its SHA-256) that a browser connects with.

    ``countries`` is the caller's country scope when the ticket was issued (NULL: every country).
    """

    __tablename__ = "live_tickets"

    ticket_hash: Mapped[str] = mapped_column(CHAR(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    countries: Mapped[list[str] | None] = mapped_column(ARRAY(String(2)))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LiveConnection(Base):
    """An open WebSocket (API Gateway's connection id), its user and the scope it hears."""

    __tablename__ = "live_connections"
    __table_args__ = (Index("ix_live_connections_user_id", "user_id"),)

    connection_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    countries: Mapped[list[str] | None] = mapped_column(ARRAY(String(2)))
    connected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)

"""Suppliers (room owners) and the rooms they own: supplier ↔ room type allocations."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chalicelib.db.base import Base, TimestampMixin


class Supplier(TimestampMixin, Base):
    """A room owner of one country, with contact and bank details.

    The bank account number is sealed (AES-256-GCM, key derived from the app keyring, the row id
    as associated data; ``bank_account_key_id`` names the keyring key) and never read back for
    display: ``bank_account_last4`` is what the masked form (``****1234``) shows.
    """

    __tablename__ = "suppliers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    contact_name: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    email: Mapped[str] = mapped_column(String(254), nullable=False, server_default="")
    phone: Mapped[str] = mapped_column(String(40), nullable=False, server_default="")
    address: Mapped[str] = mapped_column(String(500), nullable=False, server_default="")
    bank_name: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    bank_account_holder: Mapped[str] = mapped_column(String(200), nullable=False, server_default="")
    bank_swift: Mapped[str] = mapped_column(String(11), nullable=False, server_default="")
    bank_account_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    bank_account_key_id: Mapped[str | None] = mapped_column(String(64))
    bank_account_last4: Mapped[str | None] = mapped_column(String(4))
    notes: Mapped[str] = mapped_column(Text, nullable=False, server_default="")
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default="true")


class SupplierAllocation(TimestampMixin, Base):
    """``rooms`` rooms of a room type owned by a supplier on every night ``date_from``..``date_to`` (inclusive)."""

    __tablename__ = "supplier_allocations"
    __table_args__ = (
        CheckConstraint("rooms >= 1", name="rooms_positive"),
        CheckConstraint("date_to >= date_from", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"), nullable=False, index=True)
    room_type_id: Mapped[int] = mapped_column(
        ForeignKey("room_types.id", ondelete="CASCADE"), nullable=False, index=True
    )
    date_from: Mapped[date] = mapped_column(Date, nullable=False)
    date_to: Mapped[date] = mapped_column(Date, nullable=False)
    rooms: Mapped[int] = mapped_column(Integer, nullable=False)
    notes: Mapped[str] = mapped_column(Text, nullable=False, server_default="")

"""inventory: property/room type additions, app settings, inventory calendar, rate plans, suppliers, ARI outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from chalicelib.db.migrations.columns import create_indexes, foreign_key, id_column, primary_key, timestamp, timestamps

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # --- properties and room types -----------------------------------------------------------
    op.add_column("properties", sa.Column("region", sa.String(length=120), server_default="", nullable=False))
    op.add_column("properties", sa.Column("postal_code", sa.String(length=20), server_default="", nullable=False))
    op.add_column("properties", timestamp("archived_at", nullable=True))
    op.add_column("properties", sa.Column("buffer_rooms", sa.Integer(), nullable=True))
    op.drop_constraint(op.f("ck_properties_status"), "properties", type_="check")
    op.create_check_constraint(
        op.f("ck_properties_status"), "properties", "status IN ('active', 'inactive', 'archived')"
    )
    op.create_check_constraint(
        op.f("ck_properties_buffer_rooms_non_negative"), "properties", "buffer_rooms IS NULL OR buffer_rooms >= 0"
    )
    op.add_column("room_types", sa.Column("buffer_rooms", sa.Integer(), nullable=True))
    op.add_column("room_types", sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False))
    op.create_check_constraint(
        op.f("ck_room_types_buffer_rooms_non_negative"), "room_types", "buffer_rooms IS NULL OR buffer_rooms >= 0"
    )

    # --- global settings -----------------------------------------------------------------------
    op.create_table(
        "app_settings",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        timestamp("updated_at", default_now=True),
        sa.Column("updated_by_user_id", sa.Integer(), nullable=True),
        foreign_key("app_settings", "updated_by_user_id", "users.id", ondelete="SET NULL"),
        primary_key("app_settings", "key"),
    )

    # --- the inventory calendar ----------------------------------------------------------------
    op.create_table(
        "inventory_days",
        sa.Column("room_type_id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("sold", sa.Integer(), server_default="0", nullable=False),
        sa.Column("held", sa.Integer(), server_default="0", nullable=False),
        sa.Column("blocked", sa.Integer(), server_default="0", nullable=False),
        sa.Column("buffer", sa.Integer(), server_default="0", nullable=False),
        sa.Column("manual_buffer", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("stop_sell", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("closed_to_arrival", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("closed_to_departure", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("min_los", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("min_stay_through", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("max_los", sa.SmallInteger(), nullable=True),
        sa.Column("version", sa.BigInteger(), server_default="1", nullable=False),
        timestamp("updated_at", default_now=True),
        sa.CheckConstraint("total >= 0", name=op.f("ck_inventory_days_total_non_negative")),
        sa.CheckConstraint(
            "sold >= 0 AND held >= 0 AND blocked >= 0", name=op.f("ck_inventory_days_counters_non_negative")
        ),
        sa.CheckConstraint("buffer >= 0", name=op.f("ck_inventory_days_buffer_non_negative")),
        sa.CheckConstraint(
            "min_los >= 1 AND min_stay_through >= 1 AND (max_los IS NULL OR max_los >= 1)",
            name=op.f("ck_inventory_days_los_positive"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_inventory_days_version_positive")),
        foreign_key("inventory_days", "room_type_id", "room_types.id", ondelete="CASCADE"),
        primary_key("inventory_days", "room_type_id", "night"),
    )

    op.create_table(
        "rate_plans",
        id_column(),
        sa.Column("room_type_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("base_rate", sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("derivation_kind", sa.String(length=10), nullable=True),
        sa.Column("derivation_value", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("channel", sa.String(length=40), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        *timestamps(),
        sa.CheckConstraint(
            "derivation_kind IS NULL OR derivation_kind IN ('percent', 'fixed')",
            name=op.f("ck_rate_plans_derivation_kind"),
        ),
        sa.CheckConstraint(
            "(parent_id IS NULL AND derivation_kind IS NULL AND derivation_value IS NULL AND base_rate IS NOT NULL)"
            " OR (parent_id IS NOT NULL AND derivation_kind IS NOT NULL AND derivation_value IS NOT NULL)",
            name=op.f("ck_rate_plans_base_or_derived"),
        ),
        sa.CheckConstraint("base_rate IS NULL OR base_rate >= 0", name=op.f("ck_rate_plans_base_rate_non_negative")),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name=op.f("ck_rate_plans_not_own_parent")),
        foreign_key("rate_plans", "parent_id", "rate_plans.id"),
        foreign_key("rate_plans", "room_type_id", "room_types.id", ondelete="CASCADE"),
        primary_key("rate_plans"),
        sa.UniqueConstraint("id", "room_type_id", name="uq_rate_plans_id_room_type"),
        sa.UniqueConstraint("room_type_id", "code", name="uq_rate_plans_room_type_code"),
    )
    create_indexes("rate_plans", "parent_id", "room_type_id")

    op.create_table(
        "rate_plan_rules",
        id_column(),
        sa.Column("rate_plan_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), server_default="", nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("weekdays", sa.SmallInteger(), server_default="127", nullable=False),
        sa.Column("rate", sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column("adjustment_kind", sa.String(length=10), nullable=True),
        sa.Column("adjustment_value", sa.Numeric(precision=18, scale=4), nullable=True),
        sa.Column("priority", sa.Integer(), server_default="0", nullable=False),
        *timestamps(),
        sa.CheckConstraint("date_to >= date_from", name=op.f("ck_rate_plan_rules_dates_in_order")),
        sa.CheckConstraint("weekdays BETWEEN 1 AND 127", name=op.f("ck_rate_plan_rules_weekdays_mask")),
        sa.CheckConstraint(
            "adjustment_kind IS NULL OR adjustment_kind IN ('percent', 'fixed')",
            name=op.f("ck_rate_plan_rules_adjustment_kind"),
        ),
        sa.CheckConstraint(
            "(rate IS NOT NULL AND adjustment_kind IS NULL AND adjustment_value IS NULL)"
            " OR (rate IS NULL AND adjustment_kind IS NOT NULL AND adjustment_value IS NOT NULL)",
            name=op.f("ck_rate_plan_rules_rate_or_adjustment"),
        ),
        sa.CheckConstraint("rate IS NULL OR rate >= 0", name=op.f("ck_rate_plan_rules_rate_non_negative")),
        foreign_key("rate_plan_rules", "rate_plan_id", "rate_plans.id", ondelete="CASCADE"),
        primary_key("rate_plan_rules"),
    )
    create_indexes("rate_plan_rules", "rate_plan_id")

    op.create_table(
        "rate_days",
        sa.Column("rate_plan_id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("room_type_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("manual", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("version", sa.BigInteger(), server_default="1", nullable=False),
        timestamp("updated_at", default_now=True),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_rate_days_amount_non_negative")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_rate_days_version_positive")),
        sa.ForeignKeyConstraint(
            ["rate_plan_id", "room_type_id"],
            ["rate_plans.id", "rate_plans.room_type_id"],
            name="fk_rate_days_rate_plan_rate_plans",
            ondelete="CASCADE",
        ),
        primary_key("rate_days", "rate_plan_id", "night"),
    )

    # --- suppliers -----------------------------------------------------------------------------
    op.create_table(
        "suppliers",
        id_column(),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("email", sa.String(length=254), server_default="", nullable=False),
        sa.Column("phone", sa.String(length=40), server_default="", nullable=False),
        sa.Column("address", sa.String(length=500), server_default="", nullable=False),
        sa.Column("bank_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("bank_account_holder", sa.String(length=200), server_default="", nullable=False),
        sa.Column("bank_swift", sa.String(length=11), server_default="", nullable=False),
        sa.Column("bank_account_sealed", sa.LargeBinary(), nullable=True),
        sa.Column("bank_account_key_id", sa.String(length=64), nullable=True),
        sa.Column("bank_account_last4", sa.String(length=4), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        *timestamps(),
        foreign_key("suppliers", "country_code", "countries.code"),
        primary_key("suppliers"),
    )
    create_indexes("suppliers", "country_code")

    op.create_table(
        "supplier_allocations",
        id_column(),
        sa.Column("supplier_id", sa.Integer(), nullable=False),
        sa.Column("room_type_id", sa.Integer(), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        *timestamps(),
        sa.CheckConstraint("rooms >= 1", name=op.f("ck_supplier_allocations_rooms_positive")),
        sa.CheckConstraint("date_to >= date_from", name=op.f("ck_supplier_allocations_dates_in_order")),
        foreign_key("supplier_allocations", "room_type_id", "room_types.id", ondelete="CASCADE"),
        foreign_key("supplier_allocations", "supplier_id", "suppliers.id", ondelete="CASCADE"),
        primary_key("supplier_allocations"),
    )
    create_indexes("supplier_allocations", "room_type_id", "supplier_id")

    # --- the ARI outbox ------------------------------------------------------------------------
    op.create_table(
        "ari_changes",
        id_column(big=True),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("room_type_id", sa.Integer(), nullable=False),
        sa.Column("rate_plan_id", sa.Integer(), nullable=True),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        timestamp("created_at", default_now=True),
        foreign_key("ari_changes", "property_id", "properties.id", ondelete="CASCADE"),
        primary_key("ari_changes"),
    )
    op.create_index("ix_ari_changes_property_id_id", "ari_changes", ["property_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_table("ari_changes")
    op.drop_table("supplier_allocations")
    op.drop_table("suppliers")
    op.drop_table("rate_days")
    op.drop_table("rate_plan_rules")
    op.drop_table("rate_plans")
    op.drop_table("inventory_days")
    op.drop_table("app_settings")

    op.drop_constraint(op.f("ck_room_types_buffer_rooms_non_negative"), "room_types", type_="check")
    op.drop_column("room_types", "is_active")
    op.drop_column("room_types", "buffer_rooms")
    op.drop_constraint(op.f("ck_properties_buffer_rooms_non_negative"), "properties", type_="check")
    # Archived properties did not exist before this revision: they go back to being inactive.
    op.execute("UPDATE properties SET status = 'inactive' WHERE status = 'archived'")
    op.drop_constraint(op.f("ck_properties_status"), "properties", type_="check")
    op.create_check_constraint(op.f("ck_properties_status"), "properties", "status IN ('active', 'inactive')")
    op.drop_column("properties", "buffer_rooms")
    op.drop_column("properties", "archived_at")
    op.drop_column("properties", "postal_code")
    op.drop_column("properties", "region")

"""bookings: statuses and transitions (seeded), groups, lines, nights, timeline, OTA revisions,
idempotency keys, alerts, the notification outbox

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from chalicelib.db.migrations.columns import create_indexes, foreign_key, id_column, primary_key, timestamp, timestamps

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "booking_statuses",
        id_column(),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("colour", sa.String(length=7), nullable=False),
        sa.Column("icon", sa.String(length=40), server_default="", nullable=False),
        sa.Column("inventory_effect", sa.String(length=10), nullable=False),
        sa.Column("is_terminal", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_system", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        *timestamps(),
        sa.CheckConstraint(
            "inventory_effect IN ('hold', 'sell', 'none')", name=op.f("ck_booking_statuses_inventory_effect")
        ),
        primary_key("booking_statuses"),
        sa.UniqueConstraint("code", name=op.f("uq_booking_statuses_code")),
    )
    op.create_table(
        "outbox_messages",
        id_column(big=True),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        timestamp("created_at", default_now=True),
        timestamp("next_attempt_at", default_now=True),
        timestamp("published_at", nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        primary_key("outbox_messages"),
    )
    op.create_index(
        "ix_outbox_messages_unpublished",
        "outbox_messages",
        ["next_attempt_at"],
        unique=False,
        postgresql_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "booking_status_transitions",
        id_column(),
        sa.Column("from_status_id", sa.Integer(), nullable=False),
        sa.Column("to_status_id", sa.Integer(), nullable=False),
        sa.Column("permission", sa.String(length=60), nullable=False),
        *timestamps(),
        sa.CheckConstraint("from_status_id <> to_status_id", name=op.f("ck_booking_status_transitions_not_to_itself")),
        foreign_key("booking_status_transitions", "from_status_id", "booking_statuses.id", ondelete="CASCADE"),
        foreign_key("booking_status_transitions", "to_status_id", "booking_statuses.id", ondelete="CASCADE"),
        primary_key("booking_status_transitions"),
        sa.UniqueConstraint("from_status_id", "to_status_id", name="uq_booking_status_transitions_from_to"),
    )
    create_indexes("booking_status_transitions", "to_status_id")
    op.create_table(
        "booking_groups",
        id_column(),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=60), nullable=False),
        sa.Column("ota_code", sa.String(length=20), nullable=True),
        sa.Column("ota_reservation_id", sa.String(length=100), nullable=True),
        sa.Column("last_ota_revision", sa.String(length=64), nullable=True),
        sa.Column("status_id", sa.Integer(), nullable=False),
        sa.Column("guest_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("guest_email", sa.String(length=254), server_default="", nullable=False),
        sa.Column("guest_phone", sa.String(length=40), server_default="", nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total_amount", sa.Numeric(precision=14, scale=3), server_default="0", nullable=False),
        sa.Column("check_in", sa.Date(), nullable=True),
        sa.Column("check_out", sa.Date(), nullable=True),
        timestamp("hold_expires_at", nullable=True),
        timestamp("booked_at", default_now=True),
        timestamp("confirmed_at", nullable=True),
        timestamp("cancelled_at", nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        *timestamps(),
        sa.CheckConstraint(
            "(source = 'ota') = (ota_code IS NOT NULL AND ota_reservation_id IS NOT NULL)",
            name=op.f("ck_booking_groups_ota_identity"),
        ),
        sa.CheckConstraint("source IN ('direct', 'partner', 'ota')", name=op.f("ck_booking_groups_source")),
        sa.CheckConstraint("total_amount >= 0", name=op.f("ck_booking_groups_total_amount_non_negative")),
        foreign_key("booking_groups", "country_code", "countries.code"),
        foreign_key("booking_groups", "created_by_user_id", "users.id", ondelete="SET NULL"),
        foreign_key("booking_groups", "property_id", "properties.id", ondelete="RESTRICT"),
        foreign_key("booking_groups", "status_id", "booking_statuses.id", ondelete="RESTRICT"),
        primary_key("booking_groups"),
        sa.UniqueConstraint("ota_code", "ota_reservation_id", name="uq_booking_groups_ota_reservation"),
        sa.UniqueConstraint("reference", name=op.f("uq_booking_groups_reference")),
    )
    create_indexes("booking_groups", "country_code")
    op.create_index(
        "ix_booking_groups_hold_expires_at",
        "booking_groups",
        ["hold_expires_at"],
        unique=False,
        postgresql_where=sa.text("hold_expires_at IS NOT NULL"),
    )
    create_indexes("booking_groups", "property_id", "status_id")
    op.create_index("ix_booking_groups_stay", "booking_groups", ["check_in", "check_out"], unique=False)
    op.create_index("ix_booking_groups_created_at", "booking_groups", ["created_at"], unique=False)
    op.create_table(
        "idempotency_keys",
        id_column(big=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("operation", sa.String(length=60), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=True),
        sa.Column("response", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("resource_id", sa.String(length=80), nullable=True),
        timestamp("created_at", default_now=True),
        timestamp("expires_at"),
        foreign_key("idempotency_keys", "user_id", "users.id", ondelete="CASCADE"),
        primary_key("idempotency_keys"),
        sa.UniqueConstraint("user_id", "key", name="uq_idempotency_keys_user_key"),
    )
    create_indexes("idempotency_keys", "expires_at")
    op.create_table(
        "alerts",
        id_column(),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=15), server_default="new", nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("room_type_id", sa.Integer(), nullable=True),
        sa.Column("night", sa.Date(), nullable=True),
        sa.Column("channel", sa.String(length=60), nullable=True),
        sa.Column("booking_group_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("message", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "details", postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False
        ),
        sa.Column("occurrences", sa.Integer(), server_default="1", nullable=False),
        timestamp("first_seen_at", default_now=True),
        timestamp("last_seen_at", default_now=True),
        timestamp("acknowledged_at", nullable=True),
        sa.Column("acknowledged_by_user_id", sa.Integer(), nullable=True),
        timestamp("snoozed_until", nullable=True),
        timestamp("resolved_at", nullable=True),
        sa.Column("resolved_by_user_id", sa.Integer(), nullable=True),
        sa.Column("resolution_note", sa.Text(), server_default="", nullable=False),
        *timestamps(),
        sa.CheckConstraint("severity IN ('critical', 'warning', 'info')", name=op.f("ck_alerts_severity")),
        sa.CheckConstraint(
            "status <> 'snoozed' OR snoozed_until IS NOT NULL", name=op.f("ck_alerts_snoozed_until_set")
        ),
        sa.CheckConstraint("status IN ('new', 'acknowledged', 'snoozed', 'resolved')", name=op.f("ck_alerts_status")),
        sa.CheckConstraint(
            "type IN ('overbooking', 'sync_failure', 'unacknowledged_booking', 'stale_channel')",
            name=op.f("ck_alerts_type"),
        ),
        foreign_key("alerts", "acknowledged_by_user_id", "users.id", ondelete="SET NULL"),
        foreign_key("alerts", "booking_group_id", "booking_groups.id", ondelete="SET NULL"),
        foreign_key("alerts", "country_code", "countries.code"),
        foreign_key("alerts", "property_id", "properties.id", ondelete="CASCADE"),
        foreign_key("alerts", "resolved_by_user_id", "users.id", ondelete="SET NULL"),
        foreign_key("alerts", "room_type_id", "room_types.id", ondelete="SET NULL"),
        primary_key("alerts"),
    )
    create_indexes("alerts", "country_code", "property_id")
    op.create_index("ix_alerts_status_created_at", "alerts", ["status", "created_at"], unique=False)
    op.create_index(
        "uq_alerts_open_dedupe_key",
        "alerts",
        ["dedupe_key"],
        unique=True,
        postgresql_where=sa.text("status <> 'resolved'"),
    )
    op.create_table(
        "booking_events",
        id_column(big=True),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("from_status", sa.String(length=40), nullable=True),
        sa.Column("to_status", sa.String(length=40), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("ota_revision", sa.String(length=64), nullable=True),
        timestamp("occurred_at", default_now=True),
        foreign_key("booking_events", "actor_user_id", "users.id", ondelete="SET NULL"),
        foreign_key("booking_events", "group_id", "booking_groups.id", ondelete="CASCADE"),
        primary_key("booking_events"),
    )
    op.create_index("ix_booking_events_group_id_id", "booking_events", ["group_id", "id"], unique=False)
    op.create_table(
        "ota_reservation_revisions",
        id_column(big=True),
        sa.Column("ota_code", sa.String(length=20), nullable=False),
        sa.Column("reservation_id", sa.String(length=100), nullable=False),
        sa.Column("revision", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("booking_group_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        timestamp("received_at"),
        timestamp("recorded_at", default_now=True),
        sa.Column("ack_token", sa.Text(), server_default="", nullable=False),
        sa.Column("ack_state", sa.String(length=12), server_default="pending", nullable=False),
        sa.Column("ack_attempts", sa.Integer(), server_default="0", nullable=False),
        timestamp("acknowledged_at", nullable=True),
        sa.Column("ack_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "ack_state IN ('pending', 'acknowledged', 'failed')", name=op.f("ck_ota_reservation_revisions_ack_state")
        ),
        sa.CheckConstraint("action IN ('new', 'modify', 'cancel')", name=op.f("ck_ota_reservation_revisions_action")),
        sa.CheckConstraint(
            "outcome IN ('created', 'updated', 'cancelled', 'stale')", name=op.f("ck_ota_reservation_revisions_outcome")
        ),
        foreign_key("ota_reservation_revisions", "booking_group_id", "booking_groups.id", ondelete="SET NULL"),
        foreign_key("ota_reservation_revisions", "property_id", "properties.id", ondelete="CASCADE"),
        primary_key("ota_reservation_revisions"),
        sa.UniqueConstraint("ota_code", "reservation_id", "revision", name="uq_ota_reservation_revisions_key"),
    )
    create_indexes("ota_reservation_revisions", "booking_group_id")
    op.create_index(
        "ix_ota_reservation_revisions_unacknowledged",
        "ota_reservation_revisions",
        ["received_at"],
        unique=False,
        postgresql_where=sa.text("ack_state <> 'acknowledged'"),
    )
    op.create_table(
        "booking_lines",
        id_column(),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("line_ref", sa.String(length=100), nullable=True),
        sa.Column("room_type_id", sa.Integer(), nullable=False),
        sa.Column("rate_plan_id", sa.Integer(), nullable=True),
        sa.Column("check_in", sa.Date(), nullable=False),
        sa.Column("check_out", sa.Date(), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.Column("adults", sa.SmallInteger(), server_default="1", nullable=False),
        sa.Column("children", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=3), server_default="0", nullable=False),
        sa.Column("guest_name", sa.String(length=200), nullable=True),
        sa.Column("status_id", sa.Integer(), nullable=False),
        *timestamps(),
        sa.CheckConstraint("adults >= 0 AND children >= 0", name=op.f("ck_booking_lines_guests_non_negative")),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_booking_lines_amount_non_negative")),
        sa.CheckConstraint("check_out > check_in", name=op.f("ck_booking_lines_stay_in_order")),
        sa.CheckConstraint("rooms >= 1", name=op.f("ck_booking_lines_rooms_positive")),
        foreign_key("booking_lines", "group_id", "booking_groups.id", ondelete="CASCADE"),
        foreign_key("booking_lines", "rate_plan_id", "rate_plans.id", ondelete="SET NULL"),
        foreign_key("booking_lines", "room_type_id", "room_types.id", ondelete="RESTRICT"),
        foreign_key("booking_lines", "status_id", "booking_statuses.id", ondelete="RESTRICT"),
        primary_key("booking_lines"),
    )
    create_indexes("booking_lines", "group_id", "room_type_id")
    op.create_table(
        "booking_nights",
        sa.Column("line_id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("room_type_id", sa.Integer(), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.Column("effect", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.Numeric(precision=14, scale=3), nullable=True),
        sa.CheckConstraint("effect IN ('hold', 'sell', 'none')", name=op.f("ck_booking_nights_effect")),
        sa.CheckConstraint("rooms >= 1", name=op.f("ck_booking_nights_rooms_positive")),
        foreign_key("booking_nights", "line_id", "booking_lines.id", ondelete="CASCADE"),
        primary_key("booking_nights", "line_id", "night"),
    )
    op.create_index("ix_booking_nights_room_type_night", "booking_nights", ["room_type_id", "night"], unique=False)
    _seed_statuses()


# The defaults of chalicelib.domain.bookings as they were when this revision was written (a
# migration never imports code that may change later).
_STATUSES = [
    # code, label, colour, icon, effect, terminal, system, sort order
    ("pending", "Pending (hold)", "#F59E0B", "hourglass", "hold", False, True, 10),
    ("confirmed", "Confirmed", "#10B981", "check-circle", "sell", False, True, 20),
    ("checked_in", "Checked in", "#3B82F6", "door-open", "sell", False, False, 30),
    ("checked_out", "Checked out", "#6B7280", "door-closed", "sell", True, False, 40),
    ("cancelled", "Cancelled", "#EF4444", "x-circle", "none", True, True, 50),
    ("no_show", "No-show", "#7C3AED", "user-x", "none", True, False, 60),
]
_TRANSITIONS = [
    ("pending", "confirmed", "BOOKINGS_CREATE"),
    ("pending", "cancelled", "BOOKINGS_CREATE"),
    ("confirmed", "checked_in", "BOOKINGS_MANAGE"),
    ("confirmed", "cancelled", "BOOKINGS_MANAGE"),
    ("confirmed", "no_show", "BOOKINGS_MANAGE"),
    ("checked_in", "confirmed", "BOOKINGS_MANAGE"),
    ("checked_in", "checked_out", "BOOKINGS_MANAGE"),
]


def _seed_statuses() -> None:
    statuses = sa.table(
        "booking_statuses",
        sa.column("code", sa.String),
        sa.column("label", sa.String),
        sa.column("colour", sa.String),
        sa.column("icon", sa.String),
        sa.column("inventory_effect", sa.String),
        sa.column("is_terminal", sa.Boolean),
        sa.column("is_system", sa.Boolean),
        sa.column("sort_order", sa.Integer),
    )
    op.bulk_insert(
        statuses,
        [
            {
                "code": code,
                "label": label,
                "colour": colour,
                "icon": icon,
                "inventory_effect": effect,
                "is_terminal": terminal,
                "is_system": system,
                "sort_order": order,
            }
            for code, label, colour, icon, effect, terminal, system, order in _STATUSES
        ],
    )
    for from_code, to_code, permission in _TRANSITIONS:
        op.execute(
            sa.text(
                "INSERT INTO booking_status_transitions (from_status_id, to_status_id, permission) "
                "SELECT f.id, t.id, :permission FROM booking_statuses f, booking_statuses t "
                "WHERE f.code = :from_code AND t.code = :to_code"
            ).bindparams(from_code=from_code, to_code=to_code, permission=permission)
        )


def downgrade() -> None:
    op.drop_table("booking_nights")
    op.drop_table("booking_lines")
    op.drop_table("ota_reservation_revisions")
    op.drop_table("booking_events")
    op.drop_table("alerts")
    op.drop_table("idempotency_keys")
    op.drop_table("booking_groups")
    op.drop_table("booking_status_transitions")
    op.drop_table("outbox_messages")
    op.drop_table("booking_statuses")

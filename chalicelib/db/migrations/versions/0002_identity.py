"""identity: sessions and refresh tokens, reset tokens, TOTP, rate limits, audit and activity logs, preset roles

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from chalicelib.db.migrations.columns import create_indexes, foreign_key, id_column, primary_key, timestamp, timestamps

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The preset roles as they were when this migration was written (chalicelib.domain.permissions
# PRESET_ROLES; a test checks they agree). Masks are literal: a migration must not change
# meaning when the code it was written with changes.
PRESET_ROLES = [
    (
        "Property Manager",
        176091135,
        "Runs the properties of a country: occupancy, timeline, OTA connections; may switch country",
    ),
    (
        "Reservations Staff",
        2647819,
        "Checks availability, takes and confirms bookings, resolves overbooking alerts in their country",
    ),
    ("Finance", 1050955, "Revenue metrics and booking exports for accounting in their country"),
    ("OTA Operator", 1024043, "Configures OTA accounts, tests connections, maps room types and rate plans"),
    ("Customer Service", 2105611, "Reads booking history and guest details to handle complaints"),
    ("Admin", 251658239, "Everything except editing roles and administering other administrators; 2FA required"),
    ("Super Admin", 268435455, "Every permission, including roles and administrators; 2FA required; cannot be edited"),
]


def upgrade() -> None:
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        timestamp("created_at", default_now=True),
        timestamp("expires_at"),
        timestamp("last_used_at", default_now=True),
        timestamp("revoked_at", nullable=True),
        sa.Column("revoked_reason", sa.String(length=40), nullable=True),
        sa.Column("csrf_token_hash", sa.String(length=64), nullable=False),
        sa.Column("active_country", sa.String(length=2), nullable=True),
        sa.Column("client_ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        foreign_key("auth_sessions", "active_country", "countries.code"),
        foreign_key("auth_sessions", "user_id", "users.id", ondelete="CASCADE"),
        primary_key("auth_sessions"),
    )
    create_indexes("auth_sessions", "user_id")

    op.create_table(
        "refresh_tokens",
        id_column(big=True),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        timestamp("issued_at", default_now=True),
        timestamp("expires_at"),
        timestamp("used_at", nullable=True),
        foreign_key("refresh_tokens", "session_id", "auth_sessions.id", ondelete="CASCADE"),
        primary_key("refresh_tokens"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_refresh_tokens_token_hash")),
    )
    create_indexes("refresh_tokens", "session_id")

    op.create_table(
        "password_reset_tokens",
        id_column(big=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        timestamp("created_at", default_now=True),
        timestamp("expires_at"),
        timestamp("used_at", nullable=True),
        sa.CheckConstraint("purpose IN ('reset', 'invite')", name=op.f("ck_password_reset_tokens_purpose")),
        foreign_key("password_reset_tokens", "user_id", "users.id", ondelete="CASCADE"),
        primary_key("password_reset_tokens"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_tokens_token_hash")),
    )
    create_indexes("password_reset_tokens", "user_id")

    op.create_table(
        "user_totp",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        timestamp("confirmed_at", nullable=True),
        sa.Column("last_used_step", sa.BigInteger(), nullable=True),
        *timestamps(),
        foreign_key("user_totp", "user_id", "users.id", ondelete="CASCADE"),
        primary_key("user_totp", "user_id"),
    )

    op.create_table(
        "mfa_recovery_codes",
        id_column(big=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        timestamp("created_at", default_now=True),
        timestamp("used_at", nullable=True),
        foreign_key("mfa_recovery_codes", "user_id", "users.id", ondelete="CASCADE"),
        primary_key("mfa_recovery_codes"),
        sa.UniqueConstraint("user_id", "code_hash", name="uq_mfa_recovery_codes_user_code"),
    )
    create_indexes("mfa_recovery_codes", "user_id")

    op.create_table(
        "rate_limit_buckets",
        sa.Column("bucket", sa.String(length=120), nullable=False),
        sa.Column("hits", postgresql.ARRAY(sa.DateTime(timezone=True)), nullable=False),
        timestamp("updated_at", default_now=True),
        primary_key("rate_limit_buckets", "bucket"),
    )
    create_indexes("rate_limit_buckets", "updated_at")

    op.create_table(
        "audit_log",
        id_column(big=True),
        timestamp("occurred_at", default_now=True),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_email", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("entity_type", sa.String(length=60), nullable=False),
        sa.Column("entity_id", sa.String(length=80), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("client_ip", sa.String(length=45), nullable=True),
        foreign_key("audit_log", "actor_user_id", "users.id", ondelete="SET NULL"),
        primary_key("audit_log"),
    )
    create_indexes("audit_log", "action", "actor_user_id", "country_code")
    op.create_index("ix_audit_log_entity", "audit_log", ["entity_type", "entity_id"], unique=False)
    create_indexes("audit_log", "occurred_at")

    op.create_table(
        "activity_log",
        id_column(big=True),
        timestamp("occurred_at", default_now=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("country_code", sa.String(length=2), nullable=True),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("client_ip", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        primary_key("activity_log"),
    )
    create_indexes("activity_log", "country_code", "occurred_at", "user_id")

    for name, permissions, description in PRESET_ROLES:
        op.execute(
            sa.text(
                "INSERT INTO roles (name, description, permissions, is_system) "
                "VALUES (:name, :description, :permissions, true) "
                "ON CONFLICT (name) DO UPDATE SET description = EXCLUDED.description, "
                "permissions = EXCLUDED.permissions, is_system = true"
            ).bindparams(name=name, description=description, permissions=permissions)
        )


def downgrade() -> None:
    # Preset roles still assigned to someone stay (their users would otherwise be orphaned).
    op.execute(sa.text("DELETE FROM roles WHERE is_system AND id NOT IN (SELECT role_id FROM users)"))
    op.drop_table("activity_log")
    op.drop_table("audit_log")
    op.drop_table("rate_limit_buckets")
    op.drop_table("mfa_recovery_codes")
    op.drop_table("user_totp")
    op.drop_table("password_reset_tokens")
    op.drop_table("refresh_tokens")
    op.drop_table("auth_sessions")

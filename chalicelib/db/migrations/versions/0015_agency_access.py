"""agency access: agency users (users.agency_id), API keys, contract terms and full-text search, partner roles

Adds the permission bit PARTNER_ADMIN (32) to the preset roles that hold it and seeds the two
partner roles (literal masks, as in 0002 and 0012).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from chalicelib.db.migrations.columns import create_indexes, foreign_key, id_column, primary_key, timestamp, timestamps

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_PARTNER_ADMIN = 1 << 32
PRESET_ROLE_BITS = [("Property Manager", _PARTNER_ADMIN), ("Admin", _PARTNER_ADMIN), ("Super Admin", _PARTNER_ADMIN)]
# AGENCIES_READ (28) | CONTRACTS_READ (30) | BOOKINGS_CREATE (9) | BOOKINGS_MANAGE (10)
_PARTNER = (1 << 28) | (1 << 30) | (1 << 9) | (1 << 10)
PARTNER_ROLES = [
    (
        "Agency Partner",
        _PARTNER,
        "An agency's staff: its own contracts, allotments, bookings and sale orders only",
    ),
    (
        "Agency Admin",
        _PARTNER | _PARTNER_ADMIN,
        "An agency's administrator: as Agency Partner, and invites its agency's users and manages its API keys",
    ),
]
_SEARCH_VECTOR = (
    "setweight(to_tsvector('simple'::regconfig, (name)::text), 'A'::\"char\") || "
    "setweight(to_tsvector('simple'::regconfig, conditions), 'B'::\"char\") || "
    "setweight(to_tsvector('simple'::regconfig, notes), 'C'::\"char\")"
)


def upgrade() -> None:
    op.add_column("users", sa.Column("agency_id", sa.Integer(), nullable=True))
    op.create_foreign_key(
        op.f("fk_users_agency_id_agencies"), "users", "agencies", ["agency_id"], ["id"], ondelete="RESTRICT"
    )
    create_indexes("users", "agency_id")

    op.create_table(
        "api_keys",
        id_column(),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=20), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("permissions", sa.BigInteger(), nullable=False),
        sa.Column("rate_limit_per_minute", sa.Integer(), server_default="120", nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=False),
        timestamp("last_used_at", nullable=True),
        timestamp("revoked_at", nullable=True),
        *timestamps(),
        sa.CheckConstraint("rate_limit_per_minute BETWEEN 1 AND 10000", name=op.f("ck_api_keys_rate_limit_in_range")),
        foreign_key("api_keys", "agency_id", "agencies.id", ondelete="CASCADE"),
        foreign_key("api_keys", "created_by_user_id", "users.id", ondelete="CASCADE"),
        primary_key("api_keys"),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_keys_secret_hash")),
    )
    create_indexes("api_keys", "agency_id", "created_by_user_id")

    op.add_column("agency_contracts", sa.Column("conditions", sa.Text(), server_default="", nullable=False))
    op.add_column(
        "agency_contracts",
        sa.Column("search_vector", postgresql.TSVECTOR(), sa.Computed(_SEARCH_VECTOR, persisted=True), nullable=True),
    )
    op.create_index("ix_agency_contracts_search_vector", "agency_contracts", ["search_vector"], postgresql_using="gin")

    for name, bits in PRESET_ROLE_BITS:
        op.execute(
            sa.text("UPDATE roles SET permissions = permissions | :bits WHERE name = :name AND is_system").bindparams(
                bits=bits, name=name
            )
        )
    for name, permissions, description in PARTNER_ROLES:
        op.execute(
            sa.text(
                "INSERT INTO roles (name, description, permissions, is_system) "
                "VALUES (:name, :description, :permissions, true)"
            ).bindparams(name=name, description=description, permissions=permissions)
        )


def downgrade() -> None:
    op.execute("UPDATE users SET agency_id = NULL")
    op.execute(
        sa.text("DELETE FROM roles WHERE is_system AND name IN :names AND id NOT IN (SELECT role_id FROM users)")
        .bindparams(sa.bindparam("names", expanding=True))
        .bindparams(names=[name for name, _, _ in PARTNER_ROLES])
    )
    op.execute(
        sa.text("UPDATE roles SET permissions = permissions & ~CAST(:bits AS bigint)").bindparams(bits=_PARTNER_ADMIN)
    )
    op.drop_index("ix_agency_contracts_search_vector", table_name="agency_contracts")
    op.drop_column("agency_contracts", "search_vector")
    op.drop_column("agency_contracts", "conditions")
    op.drop_index(op.f("ix_api_keys_created_by_user_id"), table_name="api_keys")
    op.drop_index(op.f("ix_api_keys_agency_id"), table_name="api_keys")
    op.drop_table("api_keys")
    op.drop_index(op.f("ix_users_agency_id"), table_name="users")
    op.drop_constraint(op.f("fk_users_agency_id_agencies"), "users", type_="foreignkey")
    op.drop_column("users", "agency_id")

"""allotments: agencies, versioned contracts (seasons, release steps), append-only allotment events, per-night allotment state

Adds the permission bits AGENCIES_READ (28), AGENCIES_WRITE (29), CONTRACTS_READ (30) and
CONTRACTS_WRITE (31) to the preset roles that hold them (literal masks, as in 0002).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from chalicelib.db.migrations.columns import create_indexes, foreign_key, id_column, primary_key, timestamp, timestamps

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_ALL_NEW_BITS = (1 << 28) | (1 << 29) | (1 << 30) | (1 << 31)
_READ_BITS = (1 << 28) | (1 << 30)
PRESET_ROLE_BITS = [
    ("Property Manager", _ALL_NEW_BITS),
    ("Reservations Staff", _READ_BITS),
    ("Finance", _READ_BITS),
    ("Admin", _ALL_NEW_BITS),
    ("Super Admin", _ALL_NEW_BITS),
]

EVENT_KINDS = (
    "'INCREASE_ALLOTMENT', 'REDUCE_ALLOTMENT', 'BLOCK_CONTRACT', 'BLOCK_AMENDMENT', 'RATE_CHANGE',"
    " 'STOP_SALE', 'RESUME_SALE', 'RELEASE'"
)

# allotment_events is append-only: the database itself refuses to change or remove a row.
_APPEND_ONLY_FUNCTION = """
CREATE FUNCTION allotment_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'allotment_events is append-only' USING ERRCODE = 'restrict_violation';
END;
$$
"""


def upgrade() -> None:
    op.create_table(
        "agencies",
        id_column(),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("contact_name", sa.String(length=200), server_default="", nullable=False),
        sa.Column("email", sa.String(length=254), server_default="", nullable=False),
        sa.Column("phone", sa.String(length=40), server_default="", nullable=False),
        sa.Column("address", sa.String(length=500), server_default="", nullable=False),
        sa.Column("status", sa.String(length=10), server_default="active", nullable=False),
        sa.Column("credit_limit", sa.Numeric(precision=14, scale=3), nullable=True),
        sa.Column("credit_currency", sa.String(length=3), nullable=True),
        sa.Column("payment_terms_days", sa.SmallInteger(), server_default="30", nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        *timestamps(),
        sa.CheckConstraint("status IN ('active', 'suspended', 'closed')", name=op.f("ck_agencies_status")),
        sa.CheckConstraint(
            "credit_limit IS NULL OR (credit_limit >= 0 AND credit_currency IS NOT NULL)",
            name=op.f("ck_agencies_credit_limit_with_currency"),
        ),
        sa.CheckConstraint(
            "payment_terms_days BETWEEN 0 AND 365", name=op.f("ck_agencies_payment_terms_days_in_range")
        ),
        foreign_key("agencies", "country_code", "countries.code"),
        primary_key("agencies"),
        sa.UniqueConstraint("code", name="uq_agencies_code"),
    )
    create_indexes("agencies", "country_code")

    op.create_table(
        "agency_contracts",
        id_column(),
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), server_default="draft", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        *timestamps(),
        sa.CheckConstraint("mode IN ('allotment', 'free_sale')", name=op.f("ck_agency_contracts_mode")),
        sa.CheckConstraint(
            "status IN ('draft', 'active', 'suspended', 'ended')", name=op.f("ck_agency_contracts_status")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_agency_contracts_version_positive")),
        foreign_key("agency_contracts", "agency_id", "agencies.id", ondelete="RESTRICT"),
        foreign_key("agency_contracts", "country_code", "countries.code"),
        foreign_key("agency_contracts", "property_id", "properties.id", ondelete="RESTRICT"),
        primary_key("agency_contracts"),
    )
    create_indexes("agency_contracts", "agency_id", "country_code", "property_id")

    op.create_table(
        "contract_seasons",
        id_column(),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("room_type_id", sa.Integer(), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("weekdays", sa.SmallInteger(), server_default="127", nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Numeric(precision=14, scale=3), nullable=False),
        sa.Column("min_stay", sa.SmallInteger(), server_default="1", nullable=False),
        sa.CheckConstraint("date_to >= date_from", name=op.f("ck_contract_seasons_dates_in_order")),
        sa.CheckConstraint("weekdays BETWEEN 1 AND 127", name=op.f("ck_contract_seasons_weekdays_mask")),
        sa.CheckConstraint("rooms >= 0", name=op.f("ck_contract_seasons_rooms_non_negative")),
        sa.CheckConstraint("rate >= 0", name=op.f("ck_contract_seasons_rate_non_negative")),
        sa.CheckConstraint("min_stay >= 1", name=op.f("ck_contract_seasons_min_stay_positive")),
        foreign_key("contract_seasons", "contract_id", "agency_contracts.id", ondelete="CASCADE"),
        foreign_key("contract_seasons", "room_type_id", "room_types.id", ondelete="RESTRICT"),
        primary_key("contract_seasons"),
    )
    create_indexes("contract_seasons", "contract_id")

    op.create_table(
        "contract_release_steps",
        id_column(),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("days_before", sa.SmallInteger(), nullable=False),
        sa.Column("rooms_kept", sa.Integer(), nullable=False),
        sa.CheckConstraint("days_before BETWEEN 0 AND 365", name=op.f("ck_contract_release_steps_days_in_range")),
        sa.CheckConstraint("rooms_kept >= 0", name=op.f("ck_contract_release_steps_rooms_kept_non_negative")),
        foreign_key("contract_release_steps", "contract_id", "agency_contracts.id", ondelete="CASCADE"),
        primary_key("contract_release_steps"),
        sa.UniqueConstraint("contract_id", "days_before", name="uq_contract_release_steps_contract_days"),
    )

    op.create_table(
        "contract_versions",
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        timestamp("created_at", default_now=True),
        foreign_key("contract_versions", "contract_id", "agency_contracts.id", ondelete="CASCADE"),
        foreign_key("contract_versions", "created_by_user_id", "users.id", ondelete="SET NULL"),
        primary_key("contract_versions", "contract_id", "version"),
    )

    op.create_table(
        "allotment_events",
        id_column(),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        timestamp("effective_at"),
        sa.Column("sequence", sa.Integer(), server_default="0", nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        timestamp("created_at", default_now=True),
        sa.CheckConstraint(f"kind IN ({EVENT_KINDS})", name=op.f("ck_allotment_events_kind")),
        sa.CheckConstraint("sequence >= 0", name=op.f("ck_allotment_events_sequence_non_negative")),
        foreign_key("allotment_events", "contract_id", "agency_contracts.id", ondelete="RESTRICT"),
        foreign_key("allotment_events", "created_by_user_id", "users.id", ondelete="SET NULL"),
        primary_key("allotment_events"),
    )
    op.create_index(
        "ix_allotment_events_contract_effective",
        "allotment_events",
        ["contract_id", "effective_at", "sequence"],
        unique=False,
    )
    op.execute(_APPEND_ONLY_FUNCTION)
    op.execute(
        "CREATE TRIGGER allotment_events_append_only BEFORE UPDATE OR DELETE ON allotment_events"
        " FOR EACH ROW EXECUTE FUNCTION allotment_events_append_only()"
    )

    op.create_table(
        "allotment_nights",
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("room_type_id", sa.Integer(), nullable=False),
        sa.Column("night", sa.Date(), nullable=False),
        sa.Column("picked_up", sa.Integer(), server_default="0", nullable=False),
        sa.Column("withheld", sa.Integer(), server_default="0", nullable=False),
        timestamp("updated_at", default_now=True),
        sa.CheckConstraint("picked_up >= 0 AND withheld >= 0", name=op.f("ck_allotment_nights_counters_non_negative")),
        foreign_key("allotment_nights", "contract_id", "agency_contracts.id", ondelete="CASCADE"),
        foreign_key("allotment_nights", "room_type_id", "room_types.id", ondelete="CASCADE"),
        primary_key("allotment_nights", "contract_id", "room_type_id", "night"),
    )
    op.create_index("ix_allotment_nights_room_type_night", "allotment_nights", ["room_type_id", "night"], unique=False)

    for name, bits in PRESET_ROLE_BITS:
        op.execute(
            sa.text("UPDATE roles SET permissions = permissions | :bits WHERE name = :name AND is_system").bindparams(
                bits=bits, name=name
            )
        )


def downgrade() -> None:
    op.execute(
        sa.text("UPDATE roles SET permissions = permissions & ~CAST(:bits AS bigint)").bindparams(bits=_ALL_NEW_BITS)
    )
    op.drop_index("ix_allotment_nights_room_type_night", table_name="allotment_nights")
    op.drop_table("allotment_nights")
    op.execute("DROP TRIGGER allotment_events_append_only ON allotment_events")
    op.execute("DROP FUNCTION allotment_events_append_only()")
    op.drop_index("ix_allotment_events_contract_effective", table_name="allotment_events")
    op.drop_table("allotment_events")
    op.drop_table("contract_versions")
    op.drop_table("contract_release_steps")
    op.drop_index(op.f("ix_contract_seasons_contract_id"), table_name="contract_seasons")
    op.drop_table("contract_seasons")
    op.drop_index(op.f("ix_agency_contracts_property_id"), table_name="agency_contracts")
    op.drop_index(op.f("ix_agency_contracts_country_code"), table_name="agency_contracts")
    op.drop_index(op.f("ix_agency_contracts_agency_id"), table_name="agency_contracts")
    op.drop_table("agency_contracts")
    op.drop_index(op.f("ix_agencies_country_code"), table_name="agencies")
    op.drop_table("agencies")

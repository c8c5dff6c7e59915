"""OTA account budgets: one row per OTA account, the request budget every worker shares

OTA rate limits are per account, so the budget that paces our requests lives in PostgreSQL,
taken with one atomic upsert before each request (``chalicelib/db/repositories/ota_budgets.py``,
arithmetic in ``chalicelib/domain/ota_pacing.py``). A 429 sets ``blocked_until`` for the whole
account and doubles its spacing (``slowdown``). The rows are created on an account's first
request; nothing to carry over.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from chalicelib.db.migrations.columns import foreign_key, primary_key, timestamp

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ota_account_budgets",
        sa.Column("ota_account_id", sa.Integer(), nullable=False),
        timestamp("next_slot_at"),
        timestamp("blocked_until", nullable=True),
        timestamp("last_start_at", nullable=True),
        sa.Column("slowdown", sa.Double(), server_default="1", nullable=False),
        sa.Column("granted", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("refused", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("rate_limited", sa.BigInteger(), server_default="0", nullable=False),
        timestamp("updated_at"),
        foreign_key("ota_account_budgets", "ota_account_id", "ota_accounts.id", ondelete="CASCADE"),
        primary_key("ota_account_budgets", "ota_account_id"),
    )


def downgrade() -> None:
    op.drop_table("ota_account_budgets")

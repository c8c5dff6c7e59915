"""users.language: the dashboard language each user chose (en, vi, id, ms; English by default)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("language", sa.String(2), server_default="en", nullable=False))
    op.create_check_constraint(op.f("ck_users_language"), "users", "language IN ('en', 'vi', 'id', 'ms')")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_users_language"), "users", type_="check")
    op.drop_column("users", "language")

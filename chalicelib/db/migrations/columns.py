"""The column and constraint shapes the migrations repeat, written once.

Each helper emits exactly what the migrations spelled out before (same types, defaults,
nullability and constraint names), so a migration reads as the table it makes and its DDL is the
same to the byte (checked with ``pg_dump --schema-only`` before and after the change;
tests/integration/test_database_layer.py keeps models and migrations in agreement).
Names follow the metadata's convention (``pk_<table>``, ``fk_<table>_<column>_<referred table>``,
``ix_<table>_<column>``) and are marked final with ``op.f`` as autogenerate marks them.

A migration must not change meaning when later code changes: these helpers only name shapes that
every migration already shares; anything particular to one table stays spelled out in it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def now() -> sa.TextClause:
    """The server default of a moment recorded when the row is written."""
    return sa.text("now()")


def id_column(*, big: bool = False) -> sa.Column[int]:
    """The surrogate key ``id``: a serial (``big``: a bigserial), not null."""
    return sa.Column("id", sa.BigInteger() if big else sa.Integer(), autoincrement=True, nullable=False)


def timestamp(name: str, *, nullable: bool = False, default_now: bool = False) -> sa.Column[object]:
    """A ``timestamp with time zone`` column, optionally defaulting to ``now()``."""
    if default_now:
        return sa.Column(name, sa.DateTime(timezone=True), server_default=now(), nullable=nullable)
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def timestamps() -> list[sa.Column[object]]:
    """``created_at`` and ``updated_at``, both defaulting to ``now()``."""
    return [timestamp("created_at", default_now=True), timestamp("updated_at", default_now=True)]


def primary_key(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    """``pk_<table>`` over ``columns`` (``id`` when none are given)."""
    return sa.PrimaryKeyConstraint(*(columns or ("id",)), name=op.f(f"pk_{table}"))


def foreign_key(table: str, column: str, referred: str, *, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    """``fk_<table>_<column>_<referred table>``: ``table.column`` refers to ``referred`` (``"users.id"``)."""
    referred_table = referred.split(".", 1)[0]
    return sa.ForeignKeyConstraint(
        [column], [referred], name=op.f(f"fk_{table}_{column}_{referred_table}"), ondelete=ondelete
    )


def create_indexes(table: str, *columns: str) -> None:
    """One plain index ``ix_<table>_<column>`` per column."""
    for column in columns:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column], unique=False)

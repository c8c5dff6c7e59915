"""Apply the Alembic migrations: ``python -m chalicelib.db.migrate`` (what ``make migrate`` runs).

The same function backs the ``migrate`` Lambda in app.py, so a deploy can upgrade Aurora from
inside the VPC. The migration scripts ship inside chalicelib, so the Lambda package carries them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import URL, create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: URL | str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    rendered = url.render_as_string(hide_password=False) if isinstance(url, URL) else url
    # ConfigParser interpolation treats % specially (passwords may contain it).
    cfg.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return cfg


def upgrade(url: URL | str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: URL | str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def current_revision(url: URL | str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("postgresql+pg8000://unused")).get_current_head()


def main(argv: list[str] | None = None) -> int:
    from chalicelib.db.engine import database_url

    parser = argparse.ArgumentParser(description="Apply database migrations (DATABASE_URL).")
    parser.add_argument("revision", nargs="?", default="head")
    parser.add_argument("--downgrade", action="store_true", help="downgrade to REVISION instead")
    args = parser.parse_args(argv)
    url = database_url()
    if args.downgrade:
        downgrade(url, args.revision)
    else:
        upgrade(url, args.revision)
    print(f"database at revision {current_revision(url)} (head {head_revision()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

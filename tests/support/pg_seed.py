"""One pre-initialised PostgreSQL data directory per test run, copied by every cluster that needs one.

``initdb`` and the migrations run once per run (not once per xdist worker, nor once per e2e stack):
the first process that needs a cluster builds ``<run dir>/seed/data`` under a file lock, with

- ``ptx_template``: migrated to head, the template each test's database is copied from;
- ``ptx``: the same, the database ``make run`` uses (an e2e stack started on a copy migrates nothing).

Every other cluster is a ``cp -a`` of it (~40 MB, well under a second). The run directory is made by
the controlling pytest process (``tests/conftest.py``) and removed when the run ends.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path

TEMPLATE_DATABASE = "ptx_template"
STACK_DATABASE = "ptx"
RUN_DIR_VARIABLE = "PTX_TEST_RUN_DIR"


def run_dir() -> Path:
    """The run's scratch folder (the PostgreSQL account may enter it; only root or we may list it)."""
    existing = os.environ.get(RUN_DIR_VARIABLE)
    if existing:
        return Path(existing)
    made = Path(tempfile.mkdtemp(prefix="ptx-test-"))
    made.chmod(0o711)
    os.environ[RUN_DIR_VARIABLE] = str(made)
    return made


def seed_data_dir() -> Path:
    """The run's seed data directory (built on first call, by whichever process gets the lock)."""
    from chalicelib.db.engine import dispose_engines
    from chalicelib.db.migrate import upgrade
    from local.postgres import EmbeddedPostgres, create_database

    base = run_dir() / "seed"
    base.mkdir(exist_ok=True)
    data = base / "data"
    with open(base / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (base / "ready").exists():
            return data
        server = EmbeddedPostgres(data)
        server.start()
        try:
            create_database(server.url(), TEMPLATE_DATABASE)
            upgrade(server.url(TEMPLATE_DATABASE))
            dispose_engines()
            create_database(server.url(), STACK_DATABASE, template=TEMPLATE_DATABASE)
        finally:
            server.stop()
        (base / "ready").touch()
    return data

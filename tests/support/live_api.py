"""The app served by the local API server (local/api_server.py) on a free port, over real HTTP.

For what the in-process test client cannot show: concurrent requests on the server's threads,
methods the server itself answers, its access log. Needs the database and AWS environment of the
``identity`` fixture (the server runs in this process and reads the same settings).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app import app
from local.api_server import reserve_address, start_server

PROJECT_DIR = Path(__file__).resolve().parents[2]


@contextmanager
def live_api(dashboard_dir: Path | None = None) -> Iterator[str]:
    """Yields the base URL (``http://127.0.0.1:<port>``); the server stops on exit. With
    ``dashboard_dir``, it serves that build of the dashboard too, as ``make run`` does."""
    thread, port = start_server(app, str(PROJECT_DIR), reserve_address("127.0.0.1", 0), dashboard_dir)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        thread.shutdown()
        thread.join(5)

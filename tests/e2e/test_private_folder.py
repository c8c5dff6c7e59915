"""`make run` from a clone in a private (mode 0700) folder, as root and as a normal user.

As root, PostgreSQL runs as the `postgres` account, which cannot enter the folder: the stack puts
its data under /var/tmp/ptx-cm-<hash of the folder>/pgdata, says so in one line, and finds it
there again on the next start. As a normal user the data stays in the clone's `.local/pgdata`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from local.postgres import free_port, shared_data_dir
from tests.e2e.conftest import STARTUP_WAIT_SECONDS, reserved_api_port
from tests.support import http

PROJECT_DIR = Path(__file__).resolve().parents[2]
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", ".venv-tools", ".local", "build", "__pycache__", "*_cache", ".hypothesis", "node_modules"
)


@pytest.fixture
def private_clone() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="ptx-private-"))  # mode 0700, like /root
    assert folder.stat().st_mode & 0o777 == 0o700
    clone = folder / "ptx"
    shutil.copytree(PROJECT_DIR, clone, ignore=NOT_COPIED)
    try:
        yield clone
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(shared_data_dir(clone / ".local").parent, ignore_errors=True)


def run_until_ready(clone: Path) -> list[str]:
    """`python -m local.stack` (what `make run` runs) from the clone until /health/ready is 200,
    then Ctrl-C; returns its output lines."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PTX_")},
        "PTX_API_PORT": "0",
        "PTX_PG_PORT": str(free_port()),
        "PTX_SIMULATOR_BASE_PORT": "0",
        "PTX_LIVE_PORT": "0",
        "PTX_DEMO_BOOKING_INTERVAL": "0",
        "PYTHONUNBUFFERED": "1",
    }
    for inherited in ("DATABASE_URL", "AWS_ENDPOINT_URL", "DATABASE_SECRET_ARN"):
        env.pop(inherited, None)
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "local.stack"],
            cwd=clone,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + STARTUP_WAIT_SECONDS
            ready = False
            api_port = None
            while time.monotonic() < deadline and process.poll() is None and not ready:
                if api_port is None:  # read without moving the offset the stack writes at
                    api_port = reserved_api_port(os.pread(output.fileno(), 1 << 16, 0).decode(errors="replace"))
                    time.sleep(0.1)
                    continue
                try:
                    ready = http.get(f"http://127.0.0.1:{api_port}/health/ready", timeout=2).status_code == 200
                except httpx.HTTPError:
                    time.sleep(0.25)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(60)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
        output.seek(0)
        lines = output.read().splitlines()
    assert ready, f"the stack never answered /health/ready (exit {process.returncode}):\n" + "\n".join(lines[-40:])
    assert process.returncode == 0, "\n".join(lines[-40:])
    return lines


def data_line(lines: list[str]) -> str:
    found = [line for line in lines if "postgres: starting" in line]
    assert len(found) == 1, lines
    return found[0]


@pytest.mark.own_stack
def test_make_run_works_from_a_private_folder_and_keeps_its_data(private_clone: Path) -> None:
    first = run_until_ready(private_clone)
    line = data_line(first)
    if os.geteuid() == 0:
        data = shared_data_dir(private_clone / ".local")
        assert str(data.parent).startswith("/var/tmp/ptx-cm-")  # noqa: S108
        assert f"data in {data} (kept there across restarts" in line
        assert "cannot enter" in line and str(private_clone) in line
        assert not (private_clone / ".local" / "pgdata").exists()
    else:  # a normal user's server can read their own folder
        data = private_clone / ".local" / "pgdata"
        assert line.endswith(f"data in {data}")
    initialised = (data / "PG_VERSION").stat().st_mtime_ns

    second = run_until_ready(private_clone)
    assert data_line(second).split(", data in ")[1] == line.split(", data in ")[1]  # the same place, the same words
    assert (data / "PG_VERSION").stat().st_mtime_ns == initialised  # no new initdb: the same cluster

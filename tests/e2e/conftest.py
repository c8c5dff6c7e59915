"""Start the real local stack (`python -m local.stack`, what `make run` runs) for e2e tests."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from local.postgres import EmbeddedPostgres, free_port
from tests.support import http, pg_seed

PROJECT_DIR = Path(__file__).resolve().parents[2]
STARTUP_WAIT_SECONDS = 300


@dataclass
class RunningStack:
    process: subprocess.Popen[str]
    base_url: str
    local_dir: Path
    seconds_to_ready: float
    lines: list[str] = field(default_factory=list)

    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, fragment: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if fragment in line:
                    return line
            time.sleep(0.2)
        raise AssertionError(f"no line containing {fragment!r} within {timeout}s:\n{self.output()[-4000:]}")


_RESERVED_API = re.compile(r"api: http://[^\s:]+:(\d+) reserved")


def reserved_api_port(output: str) -> int | None:
    """The port the stack bound for its API (its first line, "api: http://host:port reserved")."""
    found = _RESERVED_API.search(output)
    return int(found.group(1)) if found else None


def start_stack(extra_env: dict[str, str] | None = None, *, fresh_data: bool = False) -> RunningStack:
    """``python -m local.stack`` on free ports, its data on a copy of the run's seed data directory
    (initialised and migrated once per run, tests/support/pg_seed.py) unless ``fresh_data``."""
    local_dir = Path(tempfile.mkdtemp(prefix="ptx-e2e-"))
    if not fresh_data:
        EmbeddedPostgres(local_dir / "pgdata").initialise(copy_of=pg_seed.seed_data_dir())
    env = {
        **os.environ,
        "PTX_API_PORT": "0",  # the stack binds a free port at once and says which (reserved_api_port)
        "PTX_LOCAL_DIR": str(local_dir),
        "PTX_PG_PORT": str(free_port()),
        "PTX_SIMULATOR_BASE_PORT": "0",  # free ports: a `make run` may hold 8101-8104
        "PTX_LIVE_PORT": "0",  # and 8001
        "PYTHONUNBUFFERED": "1",
        # No random demo bookings unless a test asks for the stream: tests compare exact numbers.
        "PTX_DEMO_BOOKING_INTERVAL": "0",
        # Every browser page and HTTP client here is 127.0.0.1, and the demo accounts sign in over and
        # over: the brief's 5 logins / 10 refreshes a minute would make the tests wait out windows.
        # The limits are tested with their defaults in tests/integration.
        "LOGIN_ATTEMPTS_PER_MINUTE": "10000",
        "REFRESHES_PER_MINUTE": "10000",
        **(extra_env or {}),
    }
    for inherited in ("DATABASE_URL", "AWS_ENDPOINT_URL", "DATABASE_SECRET_ARN"):
        env.pop(inherited, None)
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    stack = RunningStack(process, "", local_dir, 0.0)

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            stack.lines.append(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    # A generous wait, not a speed test (bench/stack_startup.py measures that): several stacks and
    # xdist workers share the machine's cores while these start.
    deadline = started + STARTUP_WAIT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"stack exited with {process.returncode}:\n{stack.output()[-4000:]}")
        if not stack.base_url:
            api_port = reserved_api_port(stack.output())
            if api_port is None:
                time.sleep(0.1)
                continue
            stack.base_url = f"http://127.0.0.1:{api_port}"
        try:
            if http.get(f"{stack.base_url}/health/ready", timeout=2).status_code == 200:
                stack.seconds_to_ready = time.monotonic() - started
                return stack
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    stop_stack(stack)
    raise AssertionError(f"stack not ready in {STARTUP_WAIT_SECONDS}s:\n{stack.output()[-4000:]}")


def stop_stack(stack: RunningStack, timeout: float = 30) -> int:
    if stack.process.poll() is None:
        stack.process.send_signal(signal.SIGINT)
        try:
            stack.process.wait(timeout)
        except subprocess.TimeoutExpired:
            stack.process.kill()
            stack.process.wait(5)
    shutil.rmtree(stack.local_dir, ignore_errors=True)
    return stack.process.returncode


# Scheduling (``--dist loadgroup``): the e2e tests run in xdist groups, each group on one worker. The
# tests on the shared stack (``local_stack``, one per worker) form two groups of about equal length
# (measured: ~330 s each on a loaded machine), so two stacks serve them side by side; each test that
# starts a stack of its own (``@pytest.mark.own_stack``) is a group of its own. The marker is added
# as each item is collected: xdist puts the group in the node id in its
# ``pytest_collection_modifyitems``, which runs before a conftest's.
SECOND_SHARED_STACK_MODULES = frozenset(
    {
        "test_dashboard_alerts",
        "test_dashboard_allotments",
        "test_dashboard_bookings",
        "test_dashboard_calendar",
        "test_dashboard_channels",
        "test_dashboard_hardblock_pickup",
        "test_dashboard_hardblocks",
        "test_dashboard_portal",
        "test_dashboard_suppliers",
        "test_dashboard_team",
    }
)


def e2e_group(item: pytest.Item) -> str:
    if item.get_closest_marker("own_stack"):
        return f"e2e_own_stack_{item.name}"
    return "e2e_shared_stack_b" if Path(item.path).stem in SECOND_SHARED_STACK_MODULES else "e2e_shared_stack_a"


def pytest_itemcollected(item: pytest.Item) -> None:
    """A new e2e module joins its group without its author doing anything."""
    if Path(__file__).parent in Path(item.path).parents:
        item.add_marker(pytest.mark.xdist_group(e2e_group(item)))


@pytest.fixture(scope="session")
def local_stack() -> Iterator[RunningStack]:
    stack = start_stack()
    yield stack
    stop_stack(stack)

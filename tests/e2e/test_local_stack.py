"""`make run`'s stack, started as a user would and driven over HTTP."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.e2e.conftest import RunningStack, start_stack, stop_stack
from tests.support import http


def test_ready_with_every_dependency_ok(local_stack: RunningStack) -> None:
    # How fast it gets ready is a figure (bench/stack_startup.py), not a test: tests never pass or
    # fail on a time, and here the stack starts while three other workers load the cores.
    print(f"stack ready in {local_stack.seconds_to_ready:.1f} s")
    body = http.get(f"{local_stack.base_url}/health/ready", timeout=10).json()
    assert body["status"] == "ok"
    assert {c["name"] for c in body["checks"] if c["ok"]} == {"postgres", "sqs", "kms"}


def test_event_runner_runs_the_schedule_and_the_sqs_worker(local_stack: RunningStack) -> None:
    local_stack.wait_for_line("event-runner schedule heartbeat")
    line = local_stack.wait_for_line("event-runner sqs      heartbeat_worker")
    assert re.search(r"1 record\(s\): 1 ok, 0 failed", line)
    # The worker wrote to PostgreSQL, and the API reads it back.
    body = http.get(f"{local_stack.base_url}/health/ready", timeout=10).json()
    assert body["heartbeat"]["received_total"] >= 1


def test_api_conventions_over_real_http(local_stack: RunningStack) -> None:
    # generous timeouts: the first request builds the document, and the machine may be busy
    response = http.get(
        f"{local_stack.base_url}/api/openapi.json", headers={"X-Request-Id": "e2e-check-0001"}, timeout=60
    )
    assert response.status_code == 200
    assert response.headers["X-Request-Id"] == "e2e-check-0001"
    assert response.json()["openapi"] == "3.1.0"
    assert "<code>/health/ready</code>" in http.get(f"{local_stack.base_url}/api/docs", timeout=60).text
    missing = http.post(f"{local_stack.base_url}/health", json={}, timeout=60)
    assert missing.status_code == 405
    assert missing.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.own_stack
def test_sigint_stops_the_whole_process_tree() -> None:
    stack = start_stack()
    postgres_pids = subprocess.run(
        ["pgrep", "-f", f"postgres -D {stack.local_dir}"], capture_output=True, text=True, check=False
    ).stdout.split()
    assert postgres_pids, "the stack runs its own postgres"
    assert stop_stack(stack) == 0
    assert "stack        stopped" in stack.output()
    still = subprocess.run(
        ["pgrep", "-f", f"postgres -D {stack.local_dir}"], capture_output=True, text=True, check=False
    ).stdout.split()
    assert still == []

"""How long `make run`'s stack takes from launch to /health/ready answering 200.

Runs `python -m local.stack` on free ports with a fresh data folder (cold: initdb included) and
then again on the same folder (warm restart), and prints both. Never passes or fails on a time.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from local.postgres import free_port

PROJECT_DIR = Path(__file__).resolve().parents[1]


def time_to_ready(local_dir: Path) -> float:
    api_port = free_port()
    env = {
        **os.environ,
        "PTX_API_PORT": str(api_port),
        "PTX_LOCAL_DIR": str(local_dir),
        "PTX_PG_PORT": str(free_port()),
    }
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while time.monotonic() - started < 120:
            if process.poll() is not None:
                raise SystemExit(f"stack exited with {process.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{api_port}/health/ready", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise SystemExit("not ready within 120 s")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)


def main() -> None:
    local_dir = Path(tempfile.mkdtemp(prefix="ptx-bench-stack-"))
    try:
        cold = time_to_ready(local_dir)
        warm = time_to_ready(local_dir)
    finally:
        shutil.rmtree(local_dir, ignore_errors=True)
    print(f"local stack to /health/ready: cold start (initdb) {cold:.2f} s, warm restart {warm:.2f} s")


if __name__ == "__main__":
    main()

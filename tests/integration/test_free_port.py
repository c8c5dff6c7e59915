"""``local.postgres.free_port``: the ports our servers are told to bind are chosen below the kernel's
ephemeral range, where no outgoing connection or port-0 bind can take them before the server binds."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from local import postgres
from local.postgres import free_port


def ephemeral_range() -> tuple[int, int]:
    low, high = postgres.EPHEMERAL_RANGE_FILE.read_text().split()
    return int(low), int(high)


def test_a_free_port_is_below_the_ephemeral_range_and_bindable() -> None:
    low, _ = ephemeral_range()
    ports = {free_port() for _ in range(20)}
    assert all(postgres.LOWEST_CHOSEN_PORT <= port < low for port in ports), ports
    assert len(ports) > 1  # chosen at random, not one fixed port
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", port))


def test_the_kernels_own_pick_is_in_the_ephemeral_range() -> None:
    """The control: what free_port did before, a port-0 bind, lands where outgoing connections take ports too."""
    low, high = ephemeral_range()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        assert low <= sock.getsockname()[1] <= high


def test_a_port_in_use_is_never_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    held = []
    for _ in range(30):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", free_port()))
        sock.listen()
        held.append(sock)
    try:
        taken = {sock.getsockname()[1] for sock in held}
        # the candidates: the held ports first, then one free one
        monkeypatch.setattr(postgres.random, "sample", lambda population, k: sorted(taken))
        assert free_port() not in taken
    finally:
        for sock in held:
            sock.close()


def test_without_the_range_the_kernel_picks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    low, high = ephemeral_range()
    monkeypatch.setattr(postgres, "EPHEMERAL_RANGE_FILE", tmp_path / "missing")
    assert low <= free_port() <= high

"""The connections of one ARI push batch are pushed side by side (issue 17.2): a batch naming
three OTAs waits for the slowest, not for the sum. Each connection's own messages stay in order."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.ota.base import AdapterOptions, OtaAdapter
from chalicelib.services import ari_push_service, booking_service, ota_access
from tests.booking_factories import ota_request
from tests.integration.sync_push.conftest import OTAS, PushWorld


def record_push_calls(monkeypatch: pytest.MonkeyPatch, seconds: float) -> list[tuple[str, float, float]]:
    """Every OTA push the worker makes takes ``seconds`` longer; (OTA, start, end) of each."""
    calls: list[tuple[str, float, float]] = []
    lock = threading.Lock()
    real_build = ota_access.build_account_adapter

    def build(
        endpoint: ota_access.AccountEndpoint, *, options: AdapterOptions | None = None, vault: Any = None
    ) -> OtaAdapter:
        adapter = real_build(endpoint, options=options, vault=vault)
        real_push = adapter.push_ari

        def push_ari(hotel_id: str, updates: Sequence[Any]) -> Any:
            started = time.monotonic()
            time.sleep(seconds)
            result = real_push(hotel_id, updates)
            with lock:
                calls.append((endpoint.ota.value, started, time.monotonic()))
            return result

        adapter.push_ari = push_ari  # type: ignore[method-assign]
        return adapter

    monkeypatch.setattr(ota_access, "build_account_adapter", build)
    return calls


def overlapping_pairs(calls: list[tuple[str, float, float]]) -> int:
    return sum(
        1
        for i, (ota, start, end) in enumerate(calls)
        for other, other_start, other_end in calls[i + 1 :]
        if ota != other and start < other_end and other_start < end
    )


def book_and_push(world: PushWorld, reservation: str, first: int) -> None:
    booking_service.ingest_ota_reservation(ota_request(world.hotel, reservation, "1", first=first, ota=OtaCode.AGODA))
    world.drain(timeout=60)


def test_one_batchs_connections_are_pushed_side_by_side(push_world: PushWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    push_world.full_push_all()
    calls = record_push_calls(monkeypatch, seconds=0.4)
    # Negative control: one group at a time, the OTA calls of a booking follow one another
    monkeypatch.setattr(ari_push_service, "GROUP_CONCURRENCY", 1)
    book_and_push(push_world, "SIDE-1", first=3)
    assert len(calls) == len(OTAS) and overlapping_pairs(calls) == 0
    # When groups may run side by side
    calls.clear()
    monkeypatch.setattr(ari_push_service, "GROUP_CONCURRENCY", 4)
    book_and_push(push_world, "SIDE-2", first=5)
    # Then the OTA calls of the batch overlapped, and every channel shows our calendar
    assert len(calls) == len(OTAS) and overlapping_pairs(calls) > 0
    calendar = push_world.calendar()
    for ota in OTAS:
        assert push_world.shown(ota) == calendar, ota

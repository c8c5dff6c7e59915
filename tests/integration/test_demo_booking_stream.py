"""The `make run` booking stream against real simulators (no database: availability is given)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date

import pytest

from local.demo_ota import (
    DEMO_OTA_HOTEL_IDS,
    DEMO_WEBHOOK_SECRETS,
    DemoBookingStream,
    point_webhooks_at,
    start_simulators,
)
from local.simulators import Simulator


@pytest.fixture
def simulators() -> Iterator[dict[str, Simulator]]:
    started = start_simulators(base_port=0)
    yield started
    for simulator in started.values():
        simulator.stop()


def test_the_stream_books_across_the_simulators(simulators: dict[str, Simulator]) -> None:
    stream = DemoBookingStream(simulators, 1, overbook_every=1000, rng=random.Random(7), say=lambda _: None)
    touched = [stream.step() for _ in range(40)]
    assert all(len(ids) == 1 for ids in touched)
    busy = {ota for ota, simulator in simulators.items() if simulator.revisions}
    assert busy == set(simulators)  # every channel sees traffic
    actions = {r.action for simulator in simulators.values() for r in simulator.revisions}
    assert "new" in actions and actions <= {"new", "modify", "cancel"}


def test_an_overbooking_sells_the_last_rooms_on_one_channel_and_one_more_on_another(
    simulators: dict[str, Simulator],
) -> None:
    asked: list[tuple[str, str, date]] = []

    def two_left(property_code: str, room_code: str, night: date) -> int:
        asked.append((property_code, room_code, night))
        return 2

    lines: list[str] = []
    stream = DemoBookingStream(
        simulators, 1, overbook_every=1, available=two_left, rng=random.Random(3), say=lines.append
    )
    touched = stream.step()
    assert len(touched) == 3 and len(asked) == 1
    property_code, room_code, night = asked[0]
    sold = [
        (ota, r.hotel_id)
        for ota, simulator in simulators.items()
        for r in simulator.revisions
        if r.stay.check_in == night and r.stay.room_id == room_code
    ]
    channels = sorted({ota for ota, _ in sold})
    assert len(channels) == 2 and len(sold) == 3  # 2 on one channel, 1 more on the other
    assert all(hotel == DEMO_OTA_HOTEL_IDS[ota][property_code] for ota, hotel in sold)
    assert "overbooking" in lines[0]

    # Control: with plenty left, no burst (a normal step instead).
    plenty = DemoBookingStream(simulators, 1, overbook_every=1, available=lambda *_: 50, say=lines.append)
    assert len(plenty.step()) == 1


def test_only_the_otas_that_notify_get_a_webhook_target(simulators: dict[str, Simulator]) -> None:
    # Expedia pushes its bookings (Booking Notification, issue 16.5); Traveloka only is polled.
    assert sorted(point_webhooks_at(simulators, "http://127.0.0.1:8000/")) == ["agoda", "booking_com", "expedia"]
    assert simulators["agoda"].webhook is not None
    assert simulators["agoda"].webhook.url == "http://127.0.0.1:8000/webhooks/agoda"
    assert simulators["agoda"].webhook.secret == DEMO_WEBHOOK_SECRETS["agoda"]
    assert simulators["expedia"].webhook is not None
    assert simulators["expedia"].webhook.url == "http://127.0.0.1:8000/webhooks/expedia"
    assert simulators["expedia"].webhook.username == "demo-expedia-bn"
    assert simulators["traveloka"].webhook is None


def test_the_demo_seed_sets_the_demo_poll_interval_and_seals_the_webhook_secrets(
    database_url: str, aws: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import select

    from chalicelib.aws.credential_vault import CredentialVault
    from chalicelib.config import reset_settings
    from chalicelib.db.models import OtaAccount, OtaConnection
    from chalicelib.db.unit_of_work import unit_of_work
    from chalicelib.services.ota_access import envelope_of
    from local.demo_ota import seed_ota
    from local.demo_seed import seed

    monkeypatch.setenv("BCRYPT_ROUNDS", "4")
    reset_settings()
    seed()
    urls = {ota: f"http://127.0.0.1:{9100 + n}" for n, ota in enumerate(DEMO_OTA_HOTEL_IDS)}
    seed_ota(urls, poll_interval_seconds=20)
    with unit_of_work() as uow:
        intervals = set(uow.session.scalars(select(OtaConnection.poll_interval_seconds)))
        accounts = {a.ota_code: (a.id, envelope_of(a)) for a in uow.session.scalars(select(OtaAccount))}
        assert set(accounts) == set(DEMO_OTA_HOTEL_IDS)
    assert intervals == {20}
    vault = CredentialVault()
    for ota, (account_id, envelope) in accounts.items():
        credentials = vault.decrypt(account_id, envelope)
        assert credentials.get("webhook_secret") == DEMO_WEBHOOK_SECRETS.get(ota)

"""The `make run` demo data: hotels with rate plans and a full calendar, idempotent."""

from __future__ import annotations

import pytest

from chalicelib.config import reset_settings
from local.demo_seed import DEMO_PROPERTIES, DEMO_ROOM_TYPES, seed
from tests.support.calendar_api import table_count


def test_demo_hotels_get_rate_plans_and_their_calendar_once(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BCRYPT_ROUNDS", "4")
    reset_settings()
    first = seed()
    room_types = len(DEMO_PROPERTIES) * len(DEMO_ROOM_TYPES)
    assert first["calendars_synced"] == room_types
    assert table_count("rate_plans") == 2 * room_types
    assert table_count("rate_plans", "code = 'NRF' AND parent_id IS NOT NULL") == room_types
    nights = table_count("inventory_days")
    assert nights >= room_types * 730 and table_count("rate_days") == 2 * nights

    again = seed()
    assert (again["properties_created"], again["staff_created"], again["calendars_synced"]) == (0, 0, 0)
    assert table_count("inventory_days") == nights

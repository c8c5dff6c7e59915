"""Issue 16.4: an Agoda SetARI v2 answer of HTTP 207 whose errors are nested per cell
(``property/(inventory|rate)/update/date_range/error``) comes back as one failed cell per error,
never as a full acceptance. Agoda publishes no schema: the answer is shaped as
``../shared/OTA_PROTOCOLS.md`` describes it. The push worker does not acknowledge a batch with a
failed cell, so it is retried, then dead-lettered and alerted (tests/integration/sync_push)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import httpx

from chalicelib.domain.ari import AriUpdate
from chalicelib.domain.ota_credentials import OtaCredentials
from chalicelib.domain.ota_results import ErrorKind, PushResult
from chalicelib.ota.agoda import AgodaAdapter
from chalicelib.ota.base import AdapterOptions
from chalicelib.ota.budget import FakeClock, Unlimited

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

PARTIAL_207 = b"""<?xml version="1.0" encoding="UTF-8"?>
<result TUID="5f1c1a2e-8d1e-4a51-9c7e-0b4f2b7f0e11" timestamp="1772355600000">
  <property id="10730279">
    <inventory>
      <update room_id="DLX">
        <date_range from="2026-04-10" to="2026-04-12">
          <error code="2401" description="Allotment below confirmed bookings"/>
        </date_range>
      </update>
    </inventory>
    <rate>
      <update room_id="DLX" rateplan_id="BAR">
        <date_range from="2026-04-11" to="2026-04-11">
          <error code="2310" description="Rate below the minimum allowed"/>
        </date_range>
      </update>
      <update room_id="STE" rateplan_id="NRF">
        <date_range from="2026-04-20" to="2026-04-21">
          <error code="2312" description="Closed-to-arrival not allowed on this rate plan"/>
        </date_range>
      </update>
    </rate>
  </property>
</result>"""


def push(answer: httpx.Response, updates: list[AriUpdate]) -> tuple[PushResult, list[bytes]]:
    sent: list[bytes] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request.read())
        return answer

    options = AdapterOptions(
        budget=Unlimited(), clock=FakeClock(), transport=httpx.MockTransport(handle), now=lambda: NOW
    )
    with AgodaAdapter(
        "https://supply.agoda.example", lambda: OtaCredentials({"api_key": "k"}), options=options
    ) as adapter:
        return adapter.push_ari("10730279", updates), sent


UPDATES = [
    AriUpdate("DLX", date(2026, 4, 10), date(2026, 4, 12), availability=1),
    AriUpdate("DLX", date(2026, 4, 11), date(2026, 4, 11), "BAR", rate=Decimal("0.50"), currency="USD"),
    AriUpdate("STE", date(2026, 4, 20), date(2026, 4, 21), "NRF", closed_to_arrival=True),
]


def test_every_nested_error_of_a_207_is_a_failed_cell() -> None:
    result, sent = push(httpx.Response(207, content=PARTIAL_207), UPDATES)

    assert len(sent) == 1
    assert not result.ok and result.partial
    cells = [(error.code, error.item_id, error.kind) for error in result.errors]
    assert cells == [
        ("2401", "property 10730279 room DLX 2026-04-10..2026-04-12", ErrorKind.REJECTED),
        ("2310", "property 10730279 room DLX rate plan BAR 2026-04-11..2026-04-11", ErrorKind.REJECTED),
        ("2312", "property 10730279 room STE rate plan NRF 2026-04-20..2026-04-21", ErrorKind.REJECTED),
    ]
    assert result.errors[0].field == "property/inventory/update/date_range/error"
    assert "Allotment below confirmed bookings" in result.errors[0].message


def test_the_same_errors_under_an_errors_element_are_cells_too() -> None:
    wrapped = PARTIAL_207.replace(b'<property id="10730279">', b'<errors><property id="10730279">').replace(
        b"</property>", b"</property></errors>"
    )
    result, _ = push(httpx.Response(207, content=wrapped), UPDATES)
    assert [error.code for error in result.errors] == ["2401", "2310", "2312"]


def test_a_207_without_errors_is_a_success_and_a_200_is_one() -> None:
    clean = b'<result TUID="5f1c1a2e" timestamp="1"/>'
    assert push(httpx.Response(200, content=clean), UPDATES)[0].ok
    assert push(httpx.Response(207, content=clean), UPDATES)[0].ok

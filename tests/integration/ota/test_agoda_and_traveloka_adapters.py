"""Agoda specifics (207 partial success, 730-day horizon, 10 requests/s, the API key in the query)
and Traveloka specifics (our documented contract: paginated feed, explicit ack, unsupported
restrictions)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from chalicelib.domain.ari import AriUpdate
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_reservation import Acknowledgement, ReservationAction
from chalicelib.domain.ota_results import ErrorKind, WarningKind
from chalicelib.ota.budget import default_budget
from chalicelib.ota.traveloka import TravelokaAdapter
from tests.integration.ota.conftest import OtaHarness
from tests.support.app_logs import captured_app_logs

TODAY = date.today()


# --- Agoda -------------------------------------------------------------------------------------------


def test_agoda_207_applies_what_it_can_and_names_what_it_refused(agoda: OtaHarness) -> None:
    pushed = agoda.adapter().push_ari(
        agoda.hotel_id,
        [
            AriUpdate("DLX", TODAY, TODAY + timedelta(days=2), availability=5),
            AriUpdate("GHOST", TODAY, TODAY, availability=1),
        ],
    )
    assert pushed.partial and pushed.messages_accepted == 1
    (error,) = pushed.errors
    assert error.kind is ErrorKind.REJECTED and error.code == "2205" and "GHOST" in error.message
    assert [c["availability"] for c in agoda.control.ari(agoda.hotel_id, "DLX", "-")] == [5, 5, 5]


def test_agoda_never_gets_a_date_beyond_730_days(agoda: OtaHarness) -> None:
    pushed = agoda.adapter().push_ari(
        agoda.hotel_id, [AriUpdate("DLX", TODAY + timedelta(days=720), TODAY + timedelta(days=900), availability=2)]
    )
    assert pushed.ok, "no error 2219 from Agoda"
    assert [w.kind for w in pushed.warnings] == [WarningKind.OUT_OF_HORIZON]
    assert len(agoda.control.ari(agoda.hotel_id, "DLX", "-")) == 11  # nights 720..730


def test_a_burst_within_agodas_10_requests_per_second_is_never_refused(agoda: OtaHarness) -> None:
    agoda.control.configure(requests_per_second=10)
    adapter = agoda.adapter(budget=default_budget(OtaCode.AGODA), max_attempts=1)  # the real budget and clock
    results = [
        adapter.push_ari(
            agoda.hotel_id, [AriUpdate("DLX", TODAY + timedelta(days=n), TODAY + timedelta(days=n), availability=1)]
        )
        for n in range(25)
    ]
    assert all(result.ok for result in results), [r.errors for r in results if not r.ok]
    assert all(entry["status"] == 200 for entry in agoda.control.requests())


def test_without_the_budget_agoda_answers_429_and_the_retry_honours_it(agoda: OtaHarness) -> None:
    agoda.control.configure(requests_per_second=2)
    adapter = agoda.adapter()
    for n in range(3):
        adapter.push_ari(
            agoda.hotel_id, [AriUpdate("DLX", TODAY + timedelta(days=n), TODAY + timedelta(days=n), availability=1)]
        )
    statuses = [entry["status"] for entry in agoda.control.requests()]
    assert 429 in statuses
    assert agoda.clock.slept and min(agoda.clock.slept) >= 1, "Retry-After: 1 was honoured"


def test_the_api_key_never_reaches_the_logs(agoda: OtaHarness) -> None:
    agoda.book()
    with captured_app_logs() as logs:
        adapter = agoda.adapter()
        pulled = adapter.pull_reservations(agoda.hotel_id)
        adapter.acknowledge(agoda.hotel_id, [Acknowledgement.for_reservation(r) for r in pulled.reservations])
        adapter.push_ari(agoda.hotel_id, [AriUpdate("DLX", TODAY, TODAY, availability=1)])
    assert '"path":"/api"' in logs()
    assert agoda.case.credentials["api_key"] not in logs()


def test_an_agoda_booking_created_and_amended_between_polls_is_first_seen_as_an_amendment(agoda: OtaHarness) -> None:
    reservation_id = agoda.book()
    agoda.control.modify_reservation(reservation_id, adults=3)
    agoda.control.cancel_reservation(reservation_id)
    adapter = agoda.adapter()
    (seen,) = adapter.pull_reservations(agoda.hotel_id).reservations
    assert seen.action is ReservationAction.CANCEL and seen.reservation_id == reservation_id
    adapter.acknowledge(agoda.hotel_id, [Acknowledgement.for_reservation(seen)])
    assert all(r["acknowledged"] for r in agoda.control.reservations()), "acknowledging the latest covers the earlier"


# --- Traveloka (our contract) ----------------------------------------------------------------------------


def test_traveloka_feed_pages_through_every_pending_revision(traveloka: OtaHarness) -> None:
    for n in range(130):
        traveloka.book(offset=1 + n % 60)
    pulled = traveloka.adapter().pull_reservations(traveloka.hotel_id)
    assert pulled.ok and len(pulled.reservations) == 130
    feed_pages = [e for e in traveloka.control.requests() if e["operation"] == "reservations"]
    assert len(feed_pages) == 2
    assert [r.revision for r in pulled.reservations] == sorted(r.revision for r in pulled.reservations)


def test_traveloka_acknowledges_by_revision_and_reports_unknown_ones(traveloka: OtaHarness) -> None:
    traveloka.book()
    adapter = traveloka.adapter()
    (reservation,) = adapter.pull_reservations(traveloka.hotel_id).reservations
    acked = adapter.acknowledge(
        traveloka.hotel_id,
        [Acknowledgement.for_reservation(reservation), Acknowledgement("TVL-0", "r", ack_token="987654")],
    )
    assert acked.acknowledged == (reservation.reservation_id,)
    assert len(acked.errors) == 1 and "987654" in acked.errors[0].message


def test_traveloka_declares_what_its_contract_cannot_express(traveloka: OtaHarness) -> None:
    adapter = traveloka.adapter()
    assert isinstance(adapter, TravelokaAdapter)
    assert {r.value for r in adapter.unsupported_restrictions} == {"closed_to_departure", "max_los"}
    pushed = adapter.push_ari(
        traveloka.hotel_id,
        [AriUpdate("DLX", TODAY, TODAY, "BAR", rate=Decimal("850000"), currency="IDR", closed_to_departure=True)],
    )
    assert pushed.ok and len(pushed.warnings) == 1
    (cell,) = traveloka.control.ari(traveloka.hotel_id, "DLX", "BAR")
    assert cell["rate"] == "850000" and cell["currency"] == "IDR" and "closed_to_departure" not in cell

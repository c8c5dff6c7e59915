"""Credentials never leave the vault except into an adapter call: the whole path through an account
— create, test, discovery, import, accept, activate, dispatch, pull, acknowledge, ARI push, poll
result — logs nothing secret (every logger, at DEBUG), answers nothing secret, stores nothing
secret (account row, audit trail, activity log)."""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

from chalicelib.domain.ari import AriUpdate
from chalicelib.domain.ota_reservation import Acknowledgement
from chalicelib.observability import logger as app_logger
from chalicelib.services import ota_access, ota_connection_service
from tests.integration.ota.api_support import OtaApi, table_text
from tests.integration.ota.conftest import OtaHarness
from tests.ota_factories import make_property


@contextmanager
def every_log_line() -> Iterator[Callable[[], str]]:
    """Everything any logger emits (the app's JSON lines, httpx, botocore, ...), at DEBUG."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(app_logger.registered_formatter)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    loggers = [root, logging.getLogger(app_logger.name)]
    previous = [(each, each.level) for each in loggers]
    for each in loggers:
        each.addHandler(handler)
        each.setLevel(logging.DEBUG)
    try:
        yield buffer.getvalue
    finally:
        for each, level in previous:
            each.removeHandler(handler)
            each.setLevel(level)


def forms_of(credentials: dict[str, str]) -> list[str]:
    """Each secret as it could appear: itself, and inside a Basic-auth header."""
    forms = [value for value in credentials.values() if len(value) > 4]
    if "username" in credentials and "password" in credentials:
        forms.append(base64.b64encode(f"{credentials['username']}:{credentials['password']}".encode()).decode())
    return forms


def test_the_full_path_through_an_account_leaks_no_credential(ota_api: OtaApi, ota: OtaHarness) -> None:
    hotel = make_property("VN", rooms={"DLX": "Deluxe Double"}, plans={"DLX": {"BAR": "Best Available Rate"}})
    credentials = dict(ota.case.credentials)
    answers: list[bytes] = []

    with every_log_line() as logged:
        account = ota_api.create_account(ota, credentials=credentials)
        for answer in (
            ota_api.post(f"/ota-accounts/{account['id']}/test"),
            ota_api.get(f"/ota-accounts/{account['id']}/discovery", hotel_id=[ota.hotel_id]),
            imported := ota_api.post(
                f"/ota-accounts/{account['id']}/discovery/import",
                {"property_id": hotel.id, "ota_hotel_id": ota.hotel_id},
            ),
            ota_api.post(f"/ota-connections/{imported.body['connection']['id']}/mapping-proposals/accept-all"),
            ota_api.patch(f"/ota-connections/{imported.body['connection']['id']}", {"is_active": True}),
            ota_api.get(f"/ota-accounts/{account['id']}"),
            ota_api.get("/ota-accounts"),
        ):
            assert answer.status in (200, 201), answer.body
            answers.append(answer.raw)
        assert answers[0] and b'"ok":true' in answers[0].replace(b" ", b"")
        reservation_id = ota.book()

        (target,) = ota_connection_service.claim_due_connections(default_interval_seconds=60)
        adapter = ota_access.build_account_adapter(target.endpoint)
        try:
            pulled = adapter.pull_reservations(target.ota_hotel_id)
            assert pulled.ok and [r.reservation_id for r in pulled.reservations] == [reservation_id], pulled.errors
            acked = adapter.acknowledge(
                target.ota_hotel_id, [Acknowledgement.for_reservation(r, "PTX-9") for r in pulled.reservations]
            )
            assert acked.ok, acked.errors
            day = date.today() + timedelta(days=3)
            pushed = adapter.push_ari(target.ota_hotel_id, [AriUpdate("DLX", day, day, "BAR", min_los=2)])
            assert pushed.messages_accepted >= 1, pushed.errors
        finally:
            adapter.close()
        ota_connection_service.record_poll_result(
            target.connection_id, polled_at=datetime.now(UTC), error=None, default_interval_seconds=60
        )
        # A failing call logs too: wrong credentials must not show the ones that were tried.
        ota_api.patch(f"/ota-accounts/{account['id']}", {"credentials": dict(ota.case.wrong_credentials)})
        refused = ota_api.post(f"/ota-accounts/{account['id']}/test")
        assert refused.body["ok"] is False
        answers.append(refused.raw)

    text_logged = logged()
    assert "ota request" in text_logged and "ota credentials encrypted" in text_logged, "logs were captured"
    stored = table_text("ota_accounts") + table_text("audit_log") + table_text("activity_log")
    for secret in forms_of(credentials) + forms_of(dict(ota.case.wrong_credentials)):
        assert secret not in text_logged, f"a credential of {ota.case.display_name} was logged"
        assert all(secret.encode() not in raw for raw in answers), "a credential was answered"
        assert secret not in stored, "a credential was stored in the clear"

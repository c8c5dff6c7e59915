"""Logs carry no secrets or personal data and every line its own request's id; the local server
answers unknown methods with 405 and Allow (issue 12, points 10-12)."""

from __future__ import annotations

import json
import logging
import sys
import threading
import uuid
from typing import Any

import pytest
from chalice.app import Chalice
from chalice.test import Client
from sqlalchemy.exc import DBAPIError

from chalicelib.api.middleware import http_middleware
from chalicelib.api.routing import ApiBlueprint
from chalicelib.db.models import User
from chalicelib.db.unit_of_work import unit_of_work
from tests.factories import Identity
from tests.support import http
from tests.support.app_logs import captured_app_logs
from tests.support.live_api import live_api

MARKERS = (
    "guest.marker@example.com",
    "Marker Guestname",
    "$2b$04$MARKERHASHMARKERHASHMARKERHASHMARKERHASHMARKERHASHMA",
)

blueprint = ApiBlueprint(__name__, tag="test")


@blueprint.endpoint("/failing-insert", "POST", summary="an insert the database refuses", public=True)
def failing_insert() -> None:
    with unit_of_work() as uow:  # role_id NULL: a NOT NULL violation whose detail quotes the whole row
        uow.session.add(User(email=MARKERS[0], full_name=MARKERS[1], password_hash=MARKERS[2], role_id=None))


failing_app = Chalice(app_name="failing-insert")
failing_app.register_middleware(http_middleware, "http")
failing_app.register_blueprint(blueprint)


def test_a_failing_insert_logs_its_error_class_and_sqlstate_but_no_value(identity: Identity) -> None:
    with captured_app_logs() as logs, Client(failing_app) as client:
        response = client.http.post("/failing-insert", headers={"Content-Type": "application/json"}, body=b"{}")
    text = logs()
    assert response.status_code == 500
    assert "unhandled error" in text and "sqlstate=23502" in text and "table=users" in text
    for marker in MARKERS:
        assert marker not in text, marker
        assert marker not in response.body.decode()


def test_negative_control_the_plain_traceback_of_that_error_does_carry_the_values(identity: Identity) -> None:
    with pytest.raises(DBAPIError) as raised, unit_of_work() as uow:
        uow.session.add(User(email=MARKERS[0], full_name=MARKERS[1], password_hash=MARKERS[2], role_id=None))
        uow.session.flush()
    plain = logging.Formatter().formatException((raised.type, raised.value, raised.tb))
    assert MARKERS[0] in plain  # the detail quotes the row: what the safe formatter must drop


def test_the_access_log_shows_paths_without_query_strings(
    identity: Identity, capfd: pytest.CaptureFixture[str]
) -> None:
    secret = f"tok-{uuid.uuid4().hex}"
    with live_api() as url:
        assert http.get(f"{url}/health?access_token={secret}").status_code == 200
    sys.stderr.flush()
    err = capfd.readouterr().err
    assert '"GET /health?<redacted> HTTP/1.1" 200' in err
    assert secret not in err


def test_unknown_methods_are_405_with_allow_locally(identity: Identity) -> None:
    with live_api() as url:
        trace = http.request("TRACE", f"{url}/health")
        made_up = http.request("BREW", f"{url}/users/1")
        missing = http.request("TRACE", f"{url}/no-such-route")
        known_but_absent = http.request("DELETE", f"{url}/health")
    assert trace.status_code == 405 and trace.headers["Allow"] == "GET"
    assert trace.json()["error"]["code"] == "method_not_allowed"
    assert made_up.status_code == 405 and made_up.headers["Allow"] == "DELETE, GET, PATCH"
    assert missing.status_code == 404
    assert known_but_absent.status_code == 405 and known_but_absent.headers["Allow"] == "GET"


def test_every_log_line_carries_its_own_requests_id_under_concurrency(identity: Identity) -> None:
    headers = identity.headers(role="Admin", country=None)
    clients = 24
    start = threading.Barrier(clients)
    errors: list[BaseException] = []

    def call(url: str, index: int) -> None:
        try:
            start.wait()
            request_id = f"req-{index:04d}-{uuid.uuid4().hex[:8]}"
            http.get(f"{url}/users/{900_000 + index}", headers={**headers, "X-Request-Id": request_id}, timeout=60)
        except Exception as exc:
            errors.append(exc)

    with captured_app_logs() as logs, live_api() as url:
        threads = [threading.Thread(target=call, args=(url, i)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not errors, errors
    lines: list[dict[str, Any]] = [json.loads(line) for line in logs().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("message") == "http request"]
    assert len(access) == clients
    for line in access:
        index = int(line["path"].rsplit("/", 1)[1]) - 900_000
        assert line["correlation_id"].startswith(f"req-{index:04d}-"), line
        assert line["request_id"] == line["correlation_id"]
    assert len({line["correlation_id"] for line in access}) == clients  # negative control: all distinct

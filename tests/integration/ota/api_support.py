"""Driving the OTA accounts / connections API as a logged-in user (the ``ota_api`` fixture)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import text

from chalicelib.db.unit_of_work import unit_of_work
from tests.factories import Identity, body_of
from tests.integration.ota.conftest import CASES, OtaHarness


@dataclass
class Answer:
    status: int
    body: Any
    raw: bytes

    def field_errors(self) -> set[str]:
        assert isinstance(self.body, dict) and "error" in self.body, self.body
        return {detail.get("field") for detail in self.body["error"]["details"] if detail.get("field")}


class OtaApi:
    """Requests as one user (by default an OTA Operator in Vietnam)."""

    def __init__(self, identity: Identity, headers: dict[str, str]) -> None:
        self.identity = identity
        self.headers = headers

    def as_user(self, headers: dict[str, str]) -> OtaApi:
        return OtaApi(self.identity, headers)

    def call(self, method: str, path: str, body: Any = None, **query: Any) -> Answer:
        if query:
            path = f"{path}?{urlencode(query, doseq=True)}"
        payload = b"" if body is None else json.dumps(body).encode()
        response = self.identity.client.http.request(method, path, headers=self.headers, body=payload)
        return Answer(response.status_code, body_of(response), response.body)

    def get(self, path: str, **query: Any) -> Answer:
        return self.call("GET", path, **query)

    def post(self, path: str, body: Any = None) -> Answer:
        return self.call("POST", path, body)

    def patch(self, path: str, body: Any) -> Answer:
        return self.call("PATCH", path, body)

    def delete(self, path: str) -> Answer:
        return self.call("DELETE", path)

    def create_account(
        self,
        ota: OtaHarness | str,
        *,
        credentials: dict[str, str] | None = None,
        base_url: str | None = None,
        country: str = "VN",
        name: str | None = None,
        expect: int = 201,
    ) -> dict[str, Any]:
        """An account of the harness's OTA pointing at its simulator (good credentials by default)."""
        code = ota if isinstance(ota, str) else ota.case.code
        body: dict[str, Any] = {
            "ota": code,
            "name": name or f"{CASES[code].display_name} test account",
            "country_code": country,
            "credentials": credentials or dict(CASES[code].credentials),
        }
        url = base_url if base_url is not None else (None if isinstance(ota, str) else ota.simulator.url)
        if url is not None:
            body["base_url"] = url
        answer = self.post("/ota-accounts", body)
        assert answer.status == expect, answer.body
        return dict(answer.body)


def table_text(table: str) -> str:
    """Every row of ``table`` rendered as text (to grep for secrets)."""
    with unit_of_work() as uow:
        rows = uow.session.execute(text(f"SELECT * FROM {table}")).all()
    return "\n".join(repr(tuple(row)) for row in rows)


def row_count(table: str) -> int:
    with unit_of_work() as uow:
        return int(uow.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())

"""OTA accounts over the API: sealed credentials, validation naming fields, country scoping, and a
real authenticated test call against each OTA's simulator."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import text

from chalicelib.db.unit_of_work import unit_of_work
from tests.integration.ota.api_support import OtaApi, row_count, table_text
from tests.integration.ota.conftest import CASES, OtaHarness
from tests.ota_factories import make_account, make_connection, make_property


def secret_values(credentials: dict[str, str]) -> list[str]:
    return [value for value in credentials.values() if len(value) > 4]


def test_an_account_stores_only_the_envelope_and_answers_with_the_mask(ota_api: OtaApi) -> None:
    credentials = {"username": "ptx-machine", "password": "machine-pass-1"}
    created = ota_api.create_account("booking_com", credentials=credentials, name="Main Booking.com")

    assert created["credentials_mask"] == {"password": "***", "username": "pt***"}
    assert created["effective_base_url"] == "https://supply-xml.booking.com" and created["base_url"] is None
    assert created["credentials_key_id"].startswith("arn:aws:kms:")
    fetched = ota_api.get(f"/ota-accounts/{created['id']}")
    listed = ota_api.get("/ota-accounts")
    assert fetched.body == created
    assert [a["id"] for a in listed.body["items"]] == [created["id"]]
    stored = table_text("ota_accounts") + table_text("audit_log")
    for answer in (fetched, listed):
        assert b"machine-pass-1" not in answer.raw and b"ptx-machine" not in answer.raw
    assert "machine-pass-1" not in stored and "ptx-machine" not in stored
    with unit_of_work() as uow:
        audit = uow.session.execute(text("SELECT action, after FROM audit_log WHERE entity_type = 'ota_account'")).one()
    assert audit.action == "ota_account.created"
    assert audit.after["mask"] == {"password": "***", "username": "pt***"}


def test_bad_accounts_are_refused_naming_each_field_and_nothing_is_written(ota_api: OtaApi) -> None:
    def refused(body: dict[str, object]) -> set[str]:
        answer = ota_api.post("/ota-accounts", body)
        assert answer.status == 422, answer.body
        return answer.field_errors()

    base = {"ota": "booking_com", "name": "X", "country_code": "VN"}
    assert refused({**base, "credentials": {"username": "only-a-user"}}) == {"body.credentials.password"}
    assert refused({**base, "credentials": {"api_key": "k" * 10}}) == {"body.credentials.api_key"}
    assert refused({**base, "credentials": {"username": "u", "password": ""}}) == {"body.credentials.password"}
    assert refused({**base, "ota": "airbnb", "credentials": {"api_key": "k"}}) == {"body.ota"}
    assert refused({"ota": "traveloka", "name": "T", "country_code": "VN", "credentials": {"api_key": "k"}}) == {
        "body.base_url"
    }
    good = {"username": "u", "password": "p"}
    assert refused({**base, "credentials": good, "base_url": "http://ota.example.com"}) == {"body.base_url"}
    assert refused({**base, "credentials": good, "base_url": "https://user:pw@ota.example.com"}) == {"body.base_url"}
    assert refused({**base, "credentials": good, "base_url": "ftp://ota.example.com"}) == {"body.base_url"}
    assert refused({**base, "credentials": {"user name": "x"}}) == {"body.credentials.user name.[key]"}
    assert refused({"ota": "expedia", "name": "", "country_code": "VN", "credentials": {}}) == {
        "body.name",
        "body.credentials",
    }
    assert row_count("ota_accounts") == 0 and row_count("audit_log") == 0


def test_an_account_in_a_country_outside_the_scope_cannot_be_created(ota_api: OtaApi) -> None:
    answer = ota_api.post(
        "/ota-accounts",
        {"ota": "agoda", "name": "Agoda ID", "country_code": "ID", "credentials": {"api_key": "agoda-key-1"}},
    )
    assert answer.status == 422 and answer.field_errors() == {"body.country_code"}
    unknown = ota_api.post(
        "/ota-accounts", {"ota": "agoda", "name": "A", "country_code": "FR", "credentials": {"api_key": "k1"}}
    )
    assert unknown.status == 422 and unknown.field_errors() == {"body.country_code"}


def test_an_account_name_is_unique_per_ota_and_country(ota_api: OtaApi) -> None:
    ota_api.create_account("expedia", name="Expedia main")
    again = ota_api.post(
        "/ota-accounts",
        {"ota": "expedia", "name": "expedia MAIN", "country_code": "VN", "credentials": CASES["expedia"].credentials},
    )
    assert again.status == 409 and again.field_errors() == {"body.name"}
    ota_api.create_account("agoda", name="Expedia main")  # another OTA may use the name


def test_staff_see_and_reach_only_their_countrys_accounts(ota_api: OtaApi) -> None:
    mine = ota_api.create_account("agoda")
    foreign = make_account("ID", ota="agoda", credentials={"api_key": "agoda-key-id-1"}, base_url=None)
    listed = ota_api.get("/ota-accounts")
    assert [a["id"] for a in listed.body["items"]] == [mine["id"]]
    assert ota_api.get(f"/ota-accounts/{foreign}").status == 404
    assert ota_api.patch(f"/ota-accounts/{foreign}", {"name": "mine now"}).status == 404
    assert ota_api.post(f"/ota-accounts/{foreign}/test").status == 404
    admin = ota_api.as_user(ota_api.identity.headers(role="Admin", country=None))
    assert {a["id"] for a in admin.get("/ota-accounts").body["items"]} == {mine["id"], foreign}
    assert [a["id"] for a in admin.get("/ota-accounts", country_code="ID").body["items"]] == [foreign]
    assert admin.get("/ota-accounts", ota="expedia").body["total"] == 0


def test_only_account_writers_change_accounts(ota_api: OtaApi) -> None:
    account = ota_api.create_account("agoda")
    manager = ota_api.as_user(ota_api.identity.headers(role="Property Manager", country="VN"))
    assert manager.get(f"/ota-accounts/{account['id']}").status == 200  # OTA_ACCOUNTS_READ
    assert manager.patch(f"/ota-accounts/{account['id']}", {"name": "x"}).status == 403
    finance = ota_api.as_user(ota_api.identity.headers(role="Finance", country="VN"))
    assert finance.get("/ota-accounts").status == 403


def test_replacing_the_credentials_re_encrypts_them_and_forgets_the_last_test(
    ota_api: OtaApi, agoda: OtaHarness
) -> None:
    account = ota_api.create_account(agoda, credentials={"api_key": "agoda-key-stolen-or-old"})
    failed = ota_api.post(f"/ota-accounts/{account['id']}/test")
    assert failed.body["ok"] is False
    with unit_of_work() as uow:
        before = uow.session.execute(
            text("SELECT credentials_ciphertext, credentials_encrypted_data_key FROM ota_accounts")
        ).one()
    updated = ota_api.patch(f"/ota-accounts/{account['id']}", {"credentials": dict(agoda.case.credentials)})
    assert updated.status == 200, updated.body
    assert updated.body["last_test_at"] is None and updated.body["credentials_mask"] == {"api_key": "***"}
    with unit_of_work() as uow:
        after = uow.session.execute(
            text("SELECT credentials_ciphertext, credentials_encrypted_data_key FROM ota_accounts")
        ).one()
        actions = list(uow.session.execute(text("SELECT action FROM audit_log ORDER BY id")).scalars())
    assert after[0] != before[0] and after[1] != before[1]
    assert actions == ["ota_account.created", "ota_account.credentials_replaced"]
    assert ota_api.post(f"/ota-accounts/{account['id']}/test").body["ok"] is True


def test_an_update_names_bad_fields_and_changes_nothing(ota_api: OtaApi) -> None:
    account = ota_api.create_account("expedia", name="Before")
    assert ota_api.patch(f"/ota-accounts/{account['id']}", {}).status == 422
    bad = ota_api.patch(f"/ota-accounts/{account['id']}", {"name": "After", "credentials": {"username": "u"}})
    assert bad.status == 422 and bad.field_errors() == {"body.credentials.password"}
    assert ota_api.patch(f"/ota-accounts/{account['id']}", {"status": "paused"}).field_errors() == {"body.status"}
    assert ota_api.get(f"/ota-accounts/{account['id']}").body == account
    disabled = ota_api.patch(f"/ota-accounts/{account['id']}", {"status": "disabled", "base_url": None})
    assert disabled.body["status"] == "disabled" and disabled.body["effective_base_url"].startswith("https://")


def test_an_account_with_connections_cannot_be_deleted(ota_api: OtaApi) -> None:
    account = ota_api.create_account("agoda")
    connection = make_connection(make_property("VN"), account["id"], "10730279")
    refused = ota_api.delete(f"/ota-accounts/{account['id']}")
    assert refused.status == 409 and "connected" in refused.body["error"]["message"]
    assert ota_api.delete(f"/ota-connections/{connection}").status == 204
    assert ota_api.delete(f"/ota-accounts/{account['id']}").status == 204
    assert ota_api.get(f"/ota-accounts/{account['id']}").status == 404


# --- the real test call, per OTA -------------------------------------------------------------------------------------


def test_each_ota_accepts_good_credentials_and_refuses_wrong_ones_in_words(ota_api: OtaApi, ota: OtaHarness) -> None:
    good = ota_api.create_account(ota, name="good")
    wrong = ota_api.create_account(ota, name="wrong", credentials=dict(ota.case.wrong_credentials))

    success = ota_api.post(f"/ota-accounts/{good['id']}/test")
    assert success.status == 200 and success.body["ok"] is True, success.body
    assert success.body["message"].startswith(f"connected to {ota.case.display_name}")
    failure = ota_api.post(f"/ota-accounts/{wrong['id']}/test")
    assert failure.status == 200 and failure.body["ok"] is False
    assert f"authentication failed at {ota.case.display_name}" in failure.body["message"]
    assert failure.body["error_kind"] == "authentication"

    stored = ota_api.get(f"/ota-accounts/{wrong['id']}").body
    assert stored["last_test_ok"] is False and stored["last_test_message"] == failure.body["message"]
    assert ota_api.get(f"/ota-accounts/{good['id']}").body["last_test_ok"] is True
    assert ota.simulator.request_log, "the test must reach the OTA"
    for value in secret_values(ota.case.credentials) + secret_values(ota.case.wrong_credentials):
        assert value.encode() not in success.raw + failure.raw
        assert value not in table_text("ota_accounts") + table_text("audit_log")


def test_a_test_with_a_hotel_id_checks_the_hotel_too(ota_api: OtaApi, ota: OtaHarness) -> None:
    account = ota_api.create_account(ota)
    found = ota_api.post(f"/ota-accounts/{account['id']}/test", {"ota_hotel_id": ota.hotel_id})
    assert found.body["ok"] is True and ota.hotel_id in found.body["message"], found.body
    unknown = "999999" if ota.case.code == "expedia" else "NOPE-1"
    missing = ota_api.post(f"/ota-accounts/{account['id']}/test", {"ota_hotel_id": unknown})
    assert missing.body["ok"] is False and missing.body["error_kind"] != "authentication", missing.body


def test_a_ciphertext_moved_to_another_account_fails_to_decrypt(ota_api: OtaApi, booking_com: OtaHarness) -> None:
    victim = ota_api.create_account(booking_com, name="victim")
    thief = ota_api.create_account(booking_com, name="thief", credentials={"username": "thief", "password": "t-pass-9"})
    with unit_of_work() as uow:
        uow.session.execute(
            text(
                "UPDATE ota_accounts AS t SET credentials_key_id = v.credentials_key_id, "
                "credentials_encrypted_data_key = v.credentials_encrypted_data_key, "
                "credentials_nonce = v.credentials_nonce, credentials_ciphertext = v.credentials_ciphertext "
                "FROM ota_accounts AS v WHERE v.id = :victim AND t.id = :thief"
            ),
            {"victim": victim["id"], "thief": thief["id"]},
        )
    requests_before = len(booking_com.simulator.request_log)

    answer = ota_api.post(f"/ota-accounts/{thief['id']}/test")

    assert answer.status == 200 and answer.body["ok"] is False
    assert answer.body["message"] == (
        f"the stored credentials do not belong to OTA account {thief['id']} (KMS refused the data key)"
    )
    assert answer.body["error_kind"] == "configuration"
    assert len(booking_com.simulator.request_log) == requests_before, "nothing may be sent without credentials"
    basic = base64.b64encode(b"ptx-machine:machine-pass-1")
    assert b"machine-pass-1" not in answer.raw and basic not in answer.raw
    assert ota_api.post(f"/ota-accounts/{victim['id']}/test").body["ok"] is True


def test_an_unreachable_ota_is_reported_in_words_not_as_an_error(ota_api: OtaApi) -> None:
    account = ota_api.create_account("agoda", base_url="http://127.0.0.1:9", credentials={"api_key": "agoda-key-1"})
    answer = ota_api.post(f"/ota-accounts/{account['id']}/test")
    assert answer.status == 200 and answer.body["ok"] is False
    assert answer.body["error_kind"] == "unavailable" and "Agoda" in answer.body["message"], answer.body


@pytest.mark.parametrize("role", ["Reservations Staff", "Customer Service"])
def test_roles_without_connection_rights_cannot_run_a_test(ota_api: OtaApi, role: str) -> None:
    account = ota_api.create_account("agoda")
    other = ota_api.as_user(ota_api.identity.headers(role=role, country="VN"))
    assert other.post(f"/ota-accounts/{account['id']}/test").status == 403

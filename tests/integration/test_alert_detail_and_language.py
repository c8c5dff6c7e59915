"""The alert detail the dashboard shows (channels in words, the bookings and cell involved, scoped),
and each user's dashboard language (``PATCH /me``)."""

from __future__ import annotations

import json

from sqlalchemy import select

from chalicelib.db.models import AuditLog, User
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.domain.ota_codes import OtaCode
from chalicelib.services import booking_service
from tests.booking_factories import make_hotel, ota_request
from tests.factories import JSON_HEADERS, Identity, body_of


def test_the_alert_detail_names_channels_in_words_and_links_what_is_involved(identity: Identity) -> None:
    hotel = make_hotel(rooms=(1,))
    first = booking_service.ingest_ota_reservation(ota_request(hotel, "BDC-D1", "0001", first=3, nights=1))
    raised = booking_service.ingest_ota_reservation(
        ota_request(hotel, "AGD-D1", "0001", first=3, nights=1, ota=OtaCode.AGODA)
    )
    staff = identity.headers("Reservations Staff", "VN")

    detail = body_of(identity.client.http.get(f"/alerts/{raised.alert_ids[0]}", headers=staff))

    assert "Agoda: 1, Booking.com: 1" in detail["message"]
    assert "booking_com" not in detail["message"] and "agoda" not in detail["message"]
    assert (detail["property_id"], detail["room_type_id"], detail["night"]) == (
        hotel.property_id,
        hotel.room_type_ids[0],
        hotel.night(3).isoformat(),
    )
    involved = {(b["group_id"], b["channel"]) for b in detail["details"]["bookings"]}
    assert involved == {(first.booking_group_id, "booking_com"), (raised.booking_group_id, "agoda")}
    assert detail["booking_group_id"] == raised.booking_group_id


def test_another_countrys_alert_is_not_found(identity: Identity) -> None:
    hotel = make_hotel("ID", rooms=(1,))
    booking_service.ingest_ota_reservation(ota_request(hotel, "BDC-D2", "0001", first=1, nights=1))
    raised = booking_service.ingest_ota_reservation(
        ota_request(hotel, "AGD-D2", "0001", first=1, nights=1, ota=OtaCode.AGODA)
    )
    path = f"/alerts/{raised.alert_ids[0]}"

    assert identity.client.http.get(path, headers=identity.headers("Reservations Staff", "VN")).status_code == 404
    assert identity.client.http.get(path, headers=identity.headers("Reservations Staff", "ID")).status_code == 200


def _patch_me(identity: Identity, headers: dict[str, str], body: object):  # type: ignore[no-untyped-def]
    return identity.client.http.patch("/me", headers={**JSON_HEADERS, **headers}, body=json.dumps(body))


def test_each_user_chooses_their_own_language_and_me_returns_it(identity: Identity) -> None:
    user = identity.user("Reservations Staff", "MY")
    other = identity.login(identity.user("Reservations Staff", "MY"))
    session = identity.login(user)
    assert body_of(identity.client.http.get("/me", headers=session.headers))["user"]["language"] == "en"

    changed = _patch_me(identity, session.headers, {"language": "ms"})

    assert changed.status_code == 200, changed.body
    assert body_of(changed)["user"]["language"] == "ms"
    again = identity.login(user)  # a new sign-in finds it
    assert body_of(identity.client.http.get("/me", headers=again.headers))["user"]["language"] == "ms"
    assert body_of(identity.client.http.get("/me", headers=other.headers))["user"]["language"] == "en"
    with unit_of_work() as uow:
        audit = uow.session.scalars(select(AuditLog).where(AuditLog.action == "user.language_changed")).one()
    assert (audit.entity_id, audit.before, audit.after) == (str(user.id), {"language": "en"}, {"language": "ms"})


def test_an_unknown_language_is_refused_naming_the_field_and_nothing_changes(identity: Identity) -> None:
    user = identity.user("Finance", "VN")
    session = identity.login(user)

    refused = _patch_me(identity, session.headers, {"language": "fr"})
    unknown_field = _patch_me(identity, session.headers, {"role_id": 1})

    assert refused.status_code == 422
    assert [d["field"] for d in body_of(refused)["error"]["details"]] == ["body.language"]
    assert unknown_field.status_code == 422
    with unit_of_work() as uow:
        assert uow.session.scalar(select(User.language).where(User.id == user.id)) == "en"

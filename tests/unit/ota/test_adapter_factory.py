"""The factory builds the right adapter without touching the network or the credentials."""

from __future__ import annotations

import pytest

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_credentials import OtaCredentials
from chalicelib.domain.ota_results import ErrorKind
from chalicelib.ota.agoda import AgodaAdapter
from chalicelib.ota.base import OtaAdapter
from chalicelib.ota.booking_com import BookingComAdapter
from chalicelib.ota.expedia import ExpediaAdapter, classify_error
from chalicelib.ota.factory import DEFAULT_BASE_URLS, UnknownOta, build_adapter
from chalicelib.ota.traveloka import TravelokaAdapter


def never_called() -> OtaCredentials:
    raise AssertionError("credentials must only be decrypted inside an adapter call")


@pytest.mark.parametrize(
    ("code", "adapter_class"),
    [
        ("booking_com", BookingComAdapter),
        ("expedia", ExpediaAdapter),
        ("agoda", AgodaAdapter),
        ("traveloka", TravelokaAdapter),
    ],
)
def test_each_ota_code_builds_its_adapter_lazily(code: str, adapter_class: type) -> None:
    adapter = build_adapter(code, never_called, base_url="https://ota.example")
    assert isinstance(adapter, adapter_class)
    assert isinstance(adapter, OtaAdapter)
    assert adapter.ota is OtaCode(code)
    assert "ota.example" in repr(adapter)
    adapter.close()


def test_production_endpoints_are_the_default_except_for_traveloka() -> None:
    assert build_adapter(OtaCode.AGODA, never_called).base_url == DEFAULT_BASE_URLS[OtaCode.AGODA]  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="Traveloka has no default endpoint"):
        build_adapter(OtaCode.TRAVELOKA, never_called)


def test_an_unknown_ota_or_a_bad_url_is_refused_in_words() -> None:
    with pytest.raises(UnknownOta, match="unknown OTA 'trivago'"):
        build_adapter("trivago", never_called, base_url="https://x.example")
    with pytest.raises(ValueError, match="https://"):
        build_adapter("agoda", never_called, base_url="ftp://x.example")


def test_missing_credential_fields_are_a_configuration_error_naming_the_field() -> None:
    adapter = build_adapter("expedia", lambda: OtaCredentials({"username": "only-me"}), base_url="https://x.example")
    result = adapter.test_connection("123")
    assert not result.ok and result.error is not None
    assert result.error.kind is ErrorKind.CONFIGURATION and result.error.field == "password"
    assert "only-me" not in result.message


@pytest.mark.parametrize(
    ("code", "kind", "retryable"),
    [
        (1001, ErrorKind.AUTHENTICATION, False),
        (2001, ErrorKind.PROTOCOL, False),
        (3107, ErrorKind.REJECTED, False),
        (4000, ErrorKind.RETRYABLE, True),
        (4099, ErrorKind.RETRYABLE, True),
        (4100, ErrorKind.REJECTED, False),
        (9999, ErrorKind.REJECTED, False),
    ],
)
def test_expedia_error_codes_map_to_their_published_classes(code: int, kind: ErrorKind, retryable: bool) -> None:
    error = classify_error(OtaCode.EXPEDIA, code, "text")
    assert (error.kind, error.retryable, error.code) == (kind, retryable, str(code))

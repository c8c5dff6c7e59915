"""Build the adapter for an OTA account: its OTA code, base URL and a credentials provider.

The credentials provider is a callable that returns decrypted credentials when called (the vault's
``credentials_provider``); adapters call it at the start of each operation and drop the result at
the end, so plaintext exists only inside the call.
"""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.ota.agoda import AgodaAdapter
from chalicelib.ota.base import AdapterOptions, BaseAdapter, CredentialsProvider, OtaAdapter
from chalicelib.ota.booking_com import BookingComAdapter
from chalicelib.ota.expedia import ExpediaAdapter
from chalicelib.ota.traveloka import TravelokaAdapter

ADAPTERS: Mapping[OtaCode, type[BaseAdapter]] = {
    OtaCode.BOOKING_COM: BookingComAdapter,
    OtaCode.EXPEDIA: ExpediaAdapter,
    OtaCode.AGODA: AgodaAdapter,
    OtaCode.TRAVELOKA: TravelokaAdapter,
}

# Production endpoints, for accounts that do not override the base URL. Traveloka has none: our
# contract is our own (chalicelib/ota/traveloka.py), so its base URL must be configured.
DEFAULT_BASE_URLS: Mapping[OtaCode, str | None] = {
    OtaCode.BOOKING_COM: "https://supply-xml.booking.com",
    OtaCode.EXPEDIA: "https://services.expediapartnercentral.com",
    OtaCode.AGODA: "https://supply.agoda.com",
    OtaCode.TRAVELOKA: None,
}


class UnknownOta(ValueError):
    pass


def build_adapter(
    ota: OtaCode | str,
    credentials: CredentialsProvider,
    *,
    base_url: str | None = None,
    options: AdapterOptions | None = None,
) -> OtaAdapter:
    """The adapter for ``ota`` talking to ``base_url`` (default: the OTA's production endpoint)."""
    try:
        code = OtaCode(ota)
    except ValueError:
        raise UnknownOta(f"unknown OTA {ota!r}; expected one of {', '.join(code.value for code in OtaCode)}") from None
    url = base_url or DEFAULT_BASE_URLS[code]
    if not url:
        raise ValueError(f"{code.display_name} has no default endpoint: configure the account's base URL")
    if not url.startswith(("https://", "http://")):
        raise ValueError("the base URL must start with https:// (or http:// for a local simulator)")
    return ADAPTERS[code](url, credentials, options=options)

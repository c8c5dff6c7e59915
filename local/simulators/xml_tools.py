"""Small XML helpers for the simulators: build with ElementTree, parse incoming bodies with
defusedxml (the simulators read what our adapters send, but never trust a body blindly)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from xml.etree import ElementTree

import defusedxml.ElementTree as SafeElementTree

Element = ElementTree.Element


class BadMessage(Exception):
    """The request body is not what the protocol requires (→ the OTA's parse/validation error)."""


def text_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def el(tag: str, attributes: Mapping[str, object | None] | None = None, *, parent: Element | None = None) -> Element:
    attrs = {name: text_value(value) for name, value in (attributes or {}).items() if value is not None}
    return ElementTree.SubElement(parent, tag, attrs) if parent is not None else ElementTree.Element(tag, attrs)


def serialise(root: Element, namespace: str | None = None) -> bytes:
    if namespace:
        root.set("xmlns", namespace)
    data: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def parse(body: bytes) -> Element:
    try:
        root: Element = SafeElementTree.fromstring(body, forbid_dtd=True)
    except Exception as exc:  # noqa: BLE001 - any parse problem is the client's bad message
        raise BadMessage(f"cannot parse the request body: {type(exc).__name__}") from None
    return root


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def ns_of(tag: str) -> str | None:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else None


def q(namespace: str | None, path: str) -> str:
    if not namespace:
        return path
    return "/".join(f"{{{namespace}}}{part}" for part in path.split("/"))


def required(element: Element, name: str, where: str) -> str:
    value = element.get(name)
    if value is None or value == "":
        raise BadMessage(f"{where} lacks the attribute {name}")
    return value

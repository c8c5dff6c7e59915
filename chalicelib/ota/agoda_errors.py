"""Every error of an Agoda YCS answer, wherever Agoda nests it (issue 16.4).

A SetARI v2 partial success (HTTP 207) nests one error per refused cell under
``property/(inventory|rate)/update/date_range/error``; failures of a whole request put them under
``errors/error`` or ``errors/property/error``. Each comes back with where it applies, so the
push worker can report (and retry) the exact cells.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.ota.xml_support import Element


@dataclass(frozen=True)
class AgodaError:
    code: str
    description: str
    where: str | None  # "property 1 room DLX rate plan BAR 2026-04-10..2026-04-12" when nested
    field: str | None  # the element path of the error, e.g. "property/rate/update/date_range/error"


def agoda_errors(root: Element) -> list[AgodaError]:
    """Every ``error`` element of an answer, wherever it is nested: ``errors/error``,
    ``errors/property/error``, and a SetARI v2 partial success's per-cell errors under
    ``property/(inventory|rate)/update/date_range/error`` (with or without ``errors`` above)."""
    parents = {child: parent for parent in root.iter() for child in parent}
    found: list[AgodaError] = []
    for error in root.iter("error"):
        chain: list[Element] = []
        node = parents.get(error)
        while node is not None and node is not root:
            chain.append(node)
            node = parents.get(node)
        chain.reverse()
        parts: list[str] = []
        for ancestor in chain:
            if ancestor.tag == "property" and ancestor.get("id"):
                parts.append(f"property {ancestor.get('id')}")
            elif ancestor.tag == "update":
                parts.append(f"room {ancestor.get('room_id', '?')}")
                if ancestor.get("rateplan_id"):
                    parts.append(f"rate plan {ancestor.get('rateplan_id')}")
            elif ancestor.tag == "date_range":
                parts.append(f"{ancestor.get('from', '?')}..{ancestor.get('to', '?')}")
        found.append(
            AgodaError(
                code=error.get("code", ""),
                description=error.get("description", "").strip() or (error.text or "").strip(),
                where=" ".join(parts) or None,
                field="/".join([*(ancestor.tag for ancestor in chain), "error"]),
            )
        )
    return found

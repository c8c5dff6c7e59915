"""The booking-status workflow as a graph: which statuses a change would strand.

A status is *stranded* when a booking can be in it (it is reachable from a status bookings start
in, or bookings are in it now), it is not terminal, and no path of transitions leads from it to a
terminal status: a booking that gets there can never be finished. The workflow editor's changes
(adding or removing a transition, deleting a status, making a status non-terminal) are refused when
they would leave such a status; the refusal names each one and why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chalicelib.domain.errors import Conflict


@dataclass(frozen=True, slots=True)
class Node:
    """A status as the check sees it: ``entry`` when bookings start in it or are in it now."""

    code: str
    label: str
    is_terminal: bool
    entry: bool


@dataclass(frozen=True, slots=True)
class Stranded:
    code: str
    label: str
    reason: str  # "no_way_out": no transition leaves it; "no_way_to_an_end": only loops


class WorkflowStrandsStatus(Conflict):
    """The change leaves a status a booking can reach and never leave for a terminal one (→ 409)."""

    code = "workflow_strands_status"


def _closure(starts: Iterable[str], edges: Mapping[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(starts)
    while todo:
        code = todo.pop()
        if code not in seen:
            seen.add(code)
            todo.extend(edges.get(code, ()))
    return seen


def stranded_statuses(nodes: Iterable[Node], transitions: Iterable[tuple[str, str]]) -> list[Stranded]:
    """The statuses ``transitions`` (pairs of codes) strand, in the order of ``nodes``."""
    nodes = list(nodes)
    forward: dict[str, set[str]] = {}
    backward: dict[str, set[str]] = {}
    for source, target in transitions:
        forward.setdefault(source, set()).add(target)
        backward.setdefault(target, set()).add(source)
    reachable = _closure((n.code for n in nodes if n.entry), forward)
    finishing = _closure((n.code for n in nodes if n.is_terminal), backward)
    return [
        Stranded(n.code, n.label, "no_way_to_an_end" if forward.get(n.code) else "no_way_out")
        for n in nodes
        if n.code in reachable and not n.is_terminal and n.code not in finishing
    ]


def check_not_stranding(nodes: Iterable[Node], transitions: Iterable[tuple[str, str]], field: str) -> None:
    """Raise :class:`WorkflowStrandsStatus` naming each stranded status (``details`` under ``field``)."""
    stranded = stranded_statuses(nodes, transitions)
    if not stranded:
        return
    reasons = {
        "no_way_out": "no transition leaves it",
        "no_way_to_an_end": "its transitions never reach a terminal status",
    }
    names = "; ".join(f"{s.label} ({reasons[s.reason]})" for s in stranded)
    raise WorkflowStrandsStatus(
        f"This change would strand bookings in: {names}. Add a way out first.",
        details=[
            {"field": field, "message": f"strands {s.code}", "status": s.code, "reason": s.reason} for s in stranded
        ],
    )

"""Which statuses a booking workflow strands (a booking could get there and never finish)."""

from __future__ import annotations

import pytest

from chalicelib.domain.bookings import DEFAULT_STATUSES, DEFAULT_TRANSITIONS
from chalicelib.domain.workflow_graph import (
    Node,
    Stranded,
    WorkflowStrandsStatus,
    check_not_stranding,
    stranded_statuses,
)

DEFAULT_NODES = [Node(s.code, s.label, s.terminal, s.code in ("pending", "confirmed")) for s in DEFAULT_STATUSES]
DEFAULT_EDGES = [(t.from_code, t.to_code) for t in DEFAULT_TRANSITIONS]
WAITLISTED = Node("waitlisted", "Waitlisted", is_terminal=False, entry=False)


def test_the_default_workflow_strands_nothing() -> None:
    assert stranded_statuses(DEFAULT_NODES, DEFAULT_EDGES) == []


def test_a_new_status_nothing_leads_to_is_not_stranded() -> None:
    assert stranded_statuses([*DEFAULT_NODES, WAITLISTED], DEFAULT_EDGES) == []


def test_a_transition_into_a_status_with_no_way_out_strands_it() -> None:
    edges = [*DEFAULT_EDGES, ("confirmed", "waitlisted")]
    assert stranded_statuses([*DEFAULT_NODES, WAITLISTED], edges) == [
        Stranded("waitlisted", "Waitlisted", "no_way_out")
    ]
    # With a way out added first, the same transition is fine.
    assert stranded_statuses([*DEFAULT_NODES, WAITLISTED], [*edges, ("waitlisted", "cancelled")]) == []


def test_removing_the_last_way_out_strands_the_status_and_what_leads_only_there() -> None:
    edges = [e for e in DEFAULT_EDGES if e != ("checked_in", "checked_out")]
    # checked_in still goes back to confirmed, which finishes: nothing stranded.
    assert stranded_statuses(DEFAULT_NODES, edges) == []
    edges = [e for e in edges if e != ("checked_in", "confirmed")]
    assert [s.code for s in stranded_statuses(DEFAULT_NODES, edges)] == ["checked_in"]


def test_a_loop_without_an_exit_strands_each_of_its_statuses() -> None:
    nodes = [
        Node("pending", "Pending", False, True),
        Node("a", "A", False, False),
        Node("b", "B", False, False),
        Node("done", "Done", True, False),
    ]
    edges = [("pending", "a"), ("a", "b"), ("b", "a"), ("pending", "done")]
    assert stranded_statuses(nodes, edges) == [
        Stranded("a", "A", "no_way_to_an_end"),
        Stranded("b", "B", "no_way_to_an_end"),
    ]
    assert stranded_statuses(nodes, [*edges, ("b", "done")]) == []


def test_a_status_bookings_are_in_counts_even_when_nothing_leads_to_it() -> None:
    in_use = Node("waitlisted", "Waitlisted", is_terminal=False, entry=True)
    assert [s.code for s in stranded_statuses([*DEFAULT_NODES, in_use], DEFAULT_EDGES)] == ["waitlisted"]


def test_the_refusal_names_each_stranded_status_and_why() -> None:
    edges = [*DEFAULT_EDGES, ("confirmed", "waitlisted")]
    with pytest.raises(WorkflowStrandsStatus) as refused:
        check_not_stranding([*DEFAULT_NODES, WAITLISTED], edges, "to_status")
    assert "Waitlisted (no transition leaves it)" in refused.value.message
    assert refused.value.code == "workflow_strands_status"
    assert refused.value.details == [
        {"field": "to_status", "message": "strands waitlisted", "status": "waitlisted", "reason": "no_way_out"}
    ]
    check_not_stranding(DEFAULT_NODES, DEFAULT_EDGES, "to_status")  # nothing to refuse: no error

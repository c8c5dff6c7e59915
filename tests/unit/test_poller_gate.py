"""The runner's bookkeeping across pollers of one queue (local/poller_gate.py), pure logic."""

from __future__ import annotations

from typing import Any

from local.poller_gate import PollerGate


def message(message_id: str, group: str | None = None) -> dict[str, Any]:
    attributes = {"MessageGroupId": group} if group else {}
    return {"MessageId": message_id, "ReceiptHandle": f"rh-{message_id}", "Attributes": attributes}


def test_a_message_already_with_a_poller_is_dropped_by_the_next_until_it_is_done() -> None:
    gate = PollerGate(fifo=False)
    first = gate.claim(gate.poller_id(), [message("m1"), message("m2")])
    second = gate.claim(gate.poller_id(), [message("m1"), message("m3")])
    assert [m["MessageId"] for m in first.mine] == ["m1", "m2"]
    assert [m["MessageId"] for m in second.mine] == ["m3"] and second.dropped == 1
    gate.done(first.mine)
    third = gate.claim(gate.poller_id(), [message("m1")])
    assert [m["MessageId"] for m in third.mine] == ["m1"]


def test_a_fifo_groups_later_message_goes_to_the_poller_holding_the_group_in_order() -> None:
    gate = PollerGate(fifo=True)
    holder = gate.claim(gate.poller_id(), [message("a1", "A")])
    other = gate.claim(gate.poller_id(), [message("a2", "A"), message("b1", "B")])
    late = gate.claim(gate.poller_id(), [message("a3", "A")])
    assert [m["MessageId"] for m in other.mine] == ["b1"] and other.deferred == 1
    assert late.mine == [] and late.deferred == 1
    gate.done(holder.mine)
    run, left = gate.take_deferred(holder, failed_groups=set())
    assert [m["MessageId"] for m in run] == ["a2", "a3"] and left == []
    gate.done(run)
    assert gate.take_deferred(holder, failed_groups=set()) == ([], [])
    # the group is free again: a new receive of it is this poller's own
    again = gate.claim(gate.poller_id(), [message("a4", "A")])
    assert [m["MessageId"] for m in again.mine] == ["a4"]


def test_messages_deferred_behind_a_failed_one_are_left_on_the_queue() -> None:
    gate = PollerGate(fifo=True)
    holder = gate.claim(gate.poller_id(), [message("a1", "A")])
    gate.claim(gate.poller_id(), [message("a2", "A")])
    gate.done(holder.mine)
    run, left = gate.take_deferred(holder, failed_groups={"A"})
    assert run == [] and [m["MessageId"] for m in left] == ["a2"]


def test_a_poller_that_stops_gives_back_what_was_deferred_to_it() -> None:
    gate = PollerGate(fifo=True)
    holder = gate.claim(gate.poller_id(), [message("a1", "A")])
    gate.claim(gate.poller_id(), [message("a2", "A")])
    given_back: list[str] = []
    gate.release_all(holder, lambda stranded: given_back.extend(m["MessageId"] for m in stranded))
    assert given_back == ["a2"]
    assert [m["MessageId"] for m in gate.claim(gate.poller_id(), [message("a2", "A")]).mine] == ["a2"]

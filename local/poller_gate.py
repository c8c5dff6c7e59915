"""What several pollers of one queue must not do at once, enforced by the local event runner.

Lambda's event source mapping runs several pollers per queue (five to start with for a standard
queue; for a FIFO queue, concurrency per message group). SQS itself keeps them apart: a message
is in flight with one consumer at a time, and a FIFO group is held back while any of its messages
is in flight. moto does not quite: its long poll decides which FIFO groups are held back from a
snapshot taken when the call started, so a poller that has waited 10 s may be handed the next
message of a group another poller is still handling; and two receives racing on one message may
both get it. :class:`PollerGate` restores SQS's guarantees on the runner's side:

* a message already with a poller is dropped by any other poller that got it too (it stays with
  the first, which deletes it or lets it return);
* FIFO: a poller claims every group of its batch that no other poller holds; a message of a group
  another poller holds is *deferred* to that poller, which hands it to the handler after its own
  batch, in the order received, unless a message of that group failed there (then it is left on
  the queue too and comes back after its visibility timeout, behind the failed one, as it would
  in SQS). A group is released only when no deferred message of it is waiting, under one lock,
  so nothing deferred is ever stranded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]


def group_of(message: Message) -> str:
    return str(message.get("Attributes", {}).get("MessageGroupId", ""))


@dataclass
class Claim:
    """One poller's share of a receive: the messages it hands to the handler now, and the FIFO groups it holds."""

    poller: int
    mine: list[Message]
    groups: set[str] = field(default_factory=set)
    dropped: int = 0  # already with another poller
    deferred: int = 0  # FIFO: handed to the poller that holds their group


class PollerGate:
    """The in-flight bookkeeping of one queue's pollers (see the module docstring)."""

    def __init__(self, fifo: bool) -> None:
        self.fifo = fifo
        self._lock = threading.Lock()
        self._in_flight: set[str] = set()  # message ids with a poller
        self._owners: dict[str, int] = {}  # FIFO group → the poller handling it
        self._waiting: dict[str, list[Message]] = {}  # FIFO group → messages deferred to its owner
        self._next_poller = 0

    def poller_id(self) -> int:
        with self._lock:
            self._next_poller += 1
            return self._next_poller

    def claim(self, poller: int, messages: list[Message]) -> Claim:
        claim = Claim(poller, [])
        with self._lock:
            for message in messages:
                message_id = message["MessageId"]
                if message_id in self._in_flight:
                    claim.dropped += 1
                    continue
                self._in_flight.add(message_id)
                if not self.fifo:
                    claim.mine.append(message)
                    continue
                group = group_of(message)
                owner = self._owners.setdefault(group, poller)
                if owner == poller:
                    claim.groups.add(group)
                    claim.mine.append(message)
                else:
                    self._waiting.setdefault(group, []).append(message)
                    claim.deferred += 1
        return claim

    def take_deferred(self, claim: Claim, failed_groups: set[str]) -> tuple[list[Message], list[Message]]:
        """FIFO, after a batch: (messages deferred to this poller to hand over next, messages to leave
        on the queue because an earlier message of their group failed). When both are empty the
        poller's groups are released, in the same critical section."""
        run: list[Message] = []
        leave: list[Message] = []
        with self._lock:
            for group in sorted(claim.groups):
                waiting = self._waiting.pop(group, [])
                (leave if group in failed_groups else run).extend(waiting)
            for message in leave:
                self._in_flight.discard(message["MessageId"])
            if not run:
                for group in claim.groups:
                    if self._owners.get(group) == claim.poller:
                        del self._owners[group]
                claim.groups.clear()
        return run, leave

    def done(self, messages: list[Message]) -> None:
        """These messages are no longer with a poller (deleted, or left to come back)."""
        with self._lock:
            for message in messages:
                self._in_flight.discard(message["MessageId"])

    def release_all(self, claim: Claim, give_back: Callable[[list[Message]], None]) -> None:
        """The poller stops (or failed) with ``claim``: its groups are freed; messages still deferred
        to it are given back to the queue (``give_back``) rather than stranded."""
        with self._lock:
            stranded = [message for group in claim.groups for message in self._waiting.pop(group, [])]
            for group in claim.groups:
                if self._owners.get(group) == claim.poller:
                    del self._owners[group]
            claim.groups.clear()
            for message in stranded:
                self._in_flight.discard(message["MessageId"])
        if stranded:
            give_back(stranded)

"""Several pollers per queue, as Lambda's event source mapping runs them, keep SQS's guarantees.

Each test drives the real moto server over HTTP. The negative controls run the same scenario
with plain pollers (receive → handler → delete, no runner bookkeeping) and show the scenario does
produce what the runner prevents.
"""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app import app
from chalicelib.aws import clients
from chalicelib.aws.queues import OutgoingMessage, queue_url, send_messages
from chalicelib.aws.resources import ARI_PUSH_QUEUE, HEARTBEAT_QUEUE
from local.event_runner import EventRunner


@dataclass
class Recorder:
    """What a handler saw: (key, start, end) per record, and how many invocations overlapped per key."""

    seconds: float
    key: Callable[[dict[str, Any]], str]
    spans: list[tuple[str, str, float, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, event: dict[str, Any], _context: Any) -> dict[str, Any]:
        started = time.monotonic()
        time.sleep(self.seconds)
        ended = time.monotonic()
        with self.lock:
            for record in event["Records"]:
                self.spans.append((self.key(record), json.loads(record["body"])["name"], started, ended))
        return {"batchItemFailures": []}

    def overlaps(self) -> int:
        """Pairs of handlings of one key (a message, a FIFO group) that ran at the same time."""
        count = 0
        for i, (key, _, start, end) in enumerate(self.spans):
            for other_key, _, other_start, other_end in self.spans[i + 1 :]:
                if (
                    key == other_key
                    and start < other_end
                    and other_start < end
                    and (start, end)
                    != (
                        other_start,
                        other_end,
                    )
                ):
                    count += 1
        return count

    def order(self, key: str) -> list[str]:
        return [name for k, name, _, _ in sorted(self.spans, key=lambda span: span[2]) if k == key]


def depth(url: str) -> int:
    attributes = clients.sqs().get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def plain_pollers(url: str, handler: Recorder, count: int, stop: threading.Event, wait: int) -> list[threading.Thread]:
    """The negative control: pollers with no bookkeeping of what the others hold."""

    def poll() -> None:
        sqs = clients.sqs()
        while not stop.is_set():
            messages = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=wait, MessageSystemAttributeNames=["All"]
            ).get("Messages", [])
            if not messages:
                continue
            records = [
                {"messageId": m["MessageId"], "body": m["Body"], "attributes": m.get("Attributes", {})}
                for m in messages
            ]
            handler({"Records": records}, None)
            for message in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    threads = [threading.Thread(target=poll, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def heartbeat_bodies(count: int) -> list[str]:
    return [
        json.dumps({"kind": "heartbeat", "source": "pollers", "emitted_at": "2026-12-05T00:00:00Z", "name": f"m{n}"})
        for n in range(count)
    ]


def run_until_drained(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while depth(url) and time.monotonic() < deadline:
        time.sleep(0.2)


def test_several_pollers_never_hand_one_message_to_two_handlers_at_once(database_url: str, aws: object) -> None:
    # Given messages whose handling outlasts the queue's visibility timeout, so SQS (moto) offers
    # them again to another poller while the first still handles them
    sqs = clients.sqs()
    url = queue_url(HEARTBEAT_QUEUE)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "1"})
    by_message: Callable[[dict[str, Any]], str] = lambda record: str(record["messageId"])  # noqa: E731

    # Negative control: plain pollers handle some message twice at the same time
    control = Recorder(seconds=2.5, key=by_message)
    stop = threading.Event()
    threads = plain_pollers(url, control, 5, stop, wait=1)
    for body in heartbeat_bodies(4):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    run_until_drained(url, 30)
    stop.set()
    for thread in threads:
        thread.join(5)
    assert control.overlaps() > 0

    # When the runner's five pollers take the same kind of messages
    recorder = Recorder(seconds=2.5, key=by_message)
    runner = EventRunner(
        app,
        out=io.StringIO(),
        wait_time_seconds=1,
        pollers=5,
        fire_schedules_at_start=False,
        handlers={"heartbeat_worker": recorder},
    )
    runner.schedules = {}
    runner.start()
    try:
        for body in heartbeat_bodies(4):
            sqs.send_message(QueueUrl=url, MessageBody=body)
        run_until_drained(url, 30)
    finally:
        runner.stop()
        assert runner.join(10)
    # Then every message was handled, and never by two handlers at once
    assert depth(url) == 0
    assert sorted({name for _, name, _, _ in recorder.spans}) == ["m0", "m1", "m2", "m3"]
    assert recorder.overlaps() == 0


def send_groups(groups: str, per_group: int, spacing: float) -> dict[str, list[str]]:
    """Messages a1, b1, ..., a2, b2, ... one every ``spacing`` seconds; group → names in sent order."""
    sent: dict[str, list[str]] = {group: [] for group in groups}
    for n in range(1, per_group + 1):
        for group in groups:
            name = f"{group}{n}"
            send_messages(
                ARI_PUSH_QUEUE,
                [OutgoingMessage(body={"name": name}, group_id=group, deduplication_id=uuid.uuid4().hex)],
            )
            sent[group].append(name)
            time.sleep(spacing)
    return sent


def test_a_fifo_groups_order_and_exclusivity_survive_several_long_polling_pollers(aws: object) -> None:
    url = queue_url(ARI_PUSH_QUEUE)
    by_group: Callable[[dict[str, Any]], str] = lambda record: str(record["attributes"]["MessageGroupId"])  # noqa: E731

    # Negative control: plain pollers, idle in long polls, take a group's next message while
    # another poller still handles the previous one (moto decides from a stale snapshot)
    control = Recorder(seconds=0.6, key=by_group)
    stop = threading.Event()
    threads = plain_pollers(url, control, 5, stop, wait=3)
    time.sleep(0.5)  # every poller is in its long poll
    send_groups("ab", 4, 0.15)
    run_until_drained(url, 30)
    stop.set()
    for thread in threads:
        thread.join(5)
    assert control.overlaps() > 0

    # When the runner's five pollers, long-polling, take the same traffic
    recorder = Recorder(seconds=0.6, key=by_group)
    runner = EventRunner(
        app,
        out=io.StringIO(),
        wait_time_seconds=3,
        pollers=5,
        fire_schedules_at_start=False,
        handlers={"ari_push_worker": recorder},
    )
    runner.schedules = {}
    runner.start()
    try:
        time.sleep(0.5)
        sent = send_groups("abc", 4, 0.15)
        run_until_drained(url, 30)
    finally:
        runner.stop()
        assert runner.join(10)
    # Then each group was handled in the order sent, one batch at a time, all of it once
    assert depth(url) == 0
    for group, names in sent.items():
        assert recorder.order(group) == names, group
    assert recorder.overlaps() == 0


def test_stop_returns_without_waiting_for_idle_long_polls_and_hands_nothing_over_after(
    database_url: str, aws: object
) -> None:
    # Given a runner whose pollers sit in 5 s long polls on an empty queue
    url = queue_url(HEARTBEAT_QUEUE)
    recorder = Recorder(seconds=0, key=lambda record: str(record["messageId"]))
    runner = EventRunner(
        app,
        out=io.StringIO(),
        wait_time_seconds=5,
        pollers=2,
        fire_schedules_at_start=False,
        handlers={"heartbeat_worker": recorder},
    )
    runner.schedules = {}
    runner.start()
    time.sleep(1)
    # When it is stopped
    runner.stop()
    # Then stop() came back while pollers were still in their long polls (it did not wait for them)
    assert any(thread.is_alive() and thread.name.startswith("sqs-heartbeat_worker") for thread in runner._threads)
    # ...and a message arriving now is not handed to the handler: it is given back to the queue
    clients.sqs().send_message(QueueUrl=url, MessageBody=heartbeat_bodies(1)[0])
    assert runner.join(15)
    assert recorder.spans == []
    visible = clients.sqs().receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
    assert len(visible.get("Messages", [])) == 1

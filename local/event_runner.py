"""The local event runner: what EventBridge and Lambda's SQS event source mapping do in AWS.

``chalice local`` serves HTTP routes only. This runner reads the app's declared event sources
and drives them the way AWS would:

* every ``@app.schedule`` handler fires on its schedule (``rate(...)`` or ``cron(...)``), with a
  real-shaped EventBridge "Scheduled Event"; locally each one also fires once at start, so you
  see it work without waiting for the first tick;
* every ``@app.on_sqs_message`` handler gets its queue long-polled as Lambda's event source
  mapping does it: several pollers per queue (``POLLERS_PER_QUEUE``, five, as Lambda starts a
  standard queue with), each in 20 s long polls, so a message is handed over as soon as it
  arrives and one slow batch does not hold up the next; each batch becomes a
  real-shaped SQS event (distinct messageIds, receipt handles, attributes including
  ApproximateReceiveCount, message attributes in Lambda's casing, eventSourceARN). Records the
  handler did not list in ``batchItemFailures`` are deleted; the listed ones are left on the queue,
  so SQS makes them visible again after the queue's visibility timeout and, once a message has
  been received ``maxReceiveCount`` times, the queue's redrive policy moves it to the DLQ. A
  handler that raises fails the whole batch; an unknown itemIdentifier does too (as in AWS).
* FIFO queues (``.fifo``): each group's messages are handed over in the order they were first
  received (SQS keeps it on redelivery; moto may not, and its SequenceNumbers are random), and once
  a message of a group failed, the later messages of that group in the batch are left on the queue too (as Lambda
  does), so a group's order survives failures. SQS holds a group back while any of its messages
  is in flight, and never gives one message to two consumers at once; moto does not quite, so the
  runner enforces both across its pollers (:mod:`local.poller_gate`).
* :meth:`EventRunner.stop` returns once no handler is running, without waiting for pollers idle in
  a long poll; whatever such a poll still receives is given back to the queue.

It prints one readable line per event. Nothing here is imported by the deployed app.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from chalice.app import Chalice, ScheduledEventConfig, SQSEventConfig

from chalicelib.aws import clients
from chalicelib.config import get_settings
from local.poller_gate import PollerGate
from local.schedules import Schedule

ACCOUNT_ID = "123456789012"
# Lambda's SQS event source mapping: 20 s long polls, five pollers per queue to start with (a FIFO
# queue's concurrency is per message group, at most one batch per group at a time).
LONG_POLL_SECONDS = 20
POLLERS_PER_QUEUE = 5


# --- Lambda-shaped context and events ----------------------------------------------------------
@dataclass
class LocalLambdaContext:
    function_name: str
    timeout_seconds: float = 900.0
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        region = get_settings().aws_region
        return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:ptx-channel-manager-local-{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/ptx-channel-manager-local-{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


def scheduled_event(rule_name: str, now: datetime | None = None) -> dict[str, Any]:
    region = get_settings().aws_region
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/ptx-channel-manager-local-{rule_name}"],
        "detail": {},
    }


def _lambda_message_attributes(attributes: dict[str, Any]) -> dict[str, Any]:
    converted = {}
    for name, value in attributes.items():
        converted[name] = {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []),
            "dataType": value.get("DataType", "String"),
        }
    return converted


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda hands an SQS-triggered function, built from ReceiveMessage output."""
    region = get_settings().aws_region
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": dict(message.get("Attributes", {})),
                "messageAttributes": _lambda_message_attributes(message.get("MessageAttributes", {})),
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


# --- FIFO queues ---------------------------------------------------------------------------------
def _group_of(message: dict[str, Any]) -> str:
    return str(message.get("Attributes", {}).get("MessageGroupId", ""))


def fifo_blocked(messages: list[dict[str, Any]], failed_ids: list[str]) -> list[str]:
    """The failed ids of a FIFO batch as Lambda treats them: once a message of a group failed, every
    later message of that group in the batch is failed too (it must not be deleted ahead of the
    one before it), whatever the handler said about it."""
    failed = set(failed_ids)
    blocked_groups: set[str] = set()
    result: list[str] = []
    for message in messages:
        group = _group_of(message)
        if message["MessageId"] in failed or group in blocked_groups:
            blocked_groups.add(group)
            result.append(message["MessageId"])
    return result


# --- outcomes ------------------------------------------------------------------------------------
@dataclass
class BatchOutcome:
    handler: str
    queue: str
    message_ids: list[str]
    failed_ids: list[str]
    error: str | None
    duration_ms: float

    @property
    def succeeded_ids(self) -> list[str]:
        return [m for m in self.message_ids if m not in self.failed_ids]


@dataclass
class ScheduleOutcome:
    handler: str
    ok: bool
    error: str | None
    duration_ms: float


@dataclass
class _QueueSource:
    handler_name: str
    queue_name: str
    batch_size: int
    url: str = ""
    arn: str = ""
    dlq_name: str | None = None


class EventRunner:
    """Runs an app's schedules and SQS handlers locally; see the module docstring."""

    def __init__(
        self,
        app: Chalice,
        *,
        wait_time_seconds: int = LONG_POLL_SECONDS,
        pollers: int = POLLERS_PER_QUEUE,
        fire_schedules_at_start: bool = True,
        out: TextIO | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        handlers: dict[str, Callable[[dict[str, Any], Any], Any]] | None = None,
    ) -> None:
        self.app = app
        # handler name → a replacement (event, context) callable; tests use it to pass dependencies
        self.handlers = dict(handlers or {})
        self.wait_time_seconds = wait_time_seconds
        self.pollers = max(1, pollers)
        self.fire_schedules_at_start = fire_schedules_at_start
        self.out = out or sys.stdout
        self.clock = clock
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._print_lock = threading.Lock()
        self._handling = threading.Condition()  # counts pollers between a receive and their last delete
        self._handling_count = 0
        self._dlq_depths: dict[str, int] = {}
        self._fifo_seen: dict[str, int] = {}  # FIFO message id → order of first receipt
        self.schedules = {
            source.name: Schedule.parse(source.schedule_expression)
            for source in app.event_sources
            if isinstance(source, ScheduledEventConfig)
        }
        self.queues = {
            source.name: _QueueSource(
                handler_name=source.name,
                queue_name=source.queue or (source.queue_arn or "").rsplit(":", 1)[-1],
                batch_size=min(source.batch_size, 10),
            )
            for source in app.event_sources
            if isinstance(source, SQSEventConfig)
        }
        self._gates = {
            name: PollerGate(fifo=source.queue_name.endswith(".fifo")) for name, source in self.queues.items()
        }

    # -- output ---------------------------------------------------------------------------------
    def say(self, kind: str, name: str, text: str) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        with self._print_lock:
            print(f"{stamp} event-runner {kind:<8} {name:<22} {text}", file=self.out, flush=True)

    # -- one-shot operations (tests call these directly) ----------------------------------------
    def invoke_schedule(self, name: str) -> ScheduleOutcome:
        handler = self.app.handler_map[name]
        started = time.perf_counter()
        error = None
        try:
            handler(scheduled_event(name, self.clock()), LocalLambdaContext(function_name=name))
        except Exception as exc:  # noqa: BLE001 - a failed invocation is reported, like Lambda would
            error = f"{type(exc).__name__}: {exc}"
            traceback.print_exc(file=self.out)
        outcome = ScheduleOutcome(name, error is None, error, round((time.perf_counter() - started) * 1000, 1))
        self.say("schedule", name, f"{'ok' if outcome.ok else 'FAILED ' + (error or '')} ({outcome.duration_ms} ms)")
        return outcome

    def _resolve(self, source: _QueueSource) -> None:
        if not source.url:
            sqs = clients.sqs()
            source.url = sqs.get_queue_url(QueueName=source.queue_name)["QueueUrl"]
            attributes = sqs.get_queue_attributes(QueueUrl=source.url, AttributeNames=["QueueArn", "RedrivePolicy"])[
                "Attributes"
            ]
            source.arn = attributes["QueueArn"]
            if "RedrivePolicy" in attributes:
                dlq_arn = json.loads(attributes["RedrivePolicy"])["deadLetterTargetArn"]
                source.dlq_name = dlq_arn.rsplit(":", 1)[-1]

    def poll_queue(self, name: str, wait_time_seconds: int | None = None) -> BatchOutcome | None:
        """Receive one batch and run the handler on it (then, on a FIFO queue, whatever other pollers
        deferred to this one: see :mod:`local.poller_gate`); None when there was nothing to run."""
        source = self.queues[name]
        self._resolve(source)
        response = clients.sqs().receive_message(
            QueueUrl=source.url,
            MaxNumberOfMessages=source.batch_size,
            WaitTimeSeconds=self.wait_time_seconds if wait_time_seconds is None else wait_time_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            return None
        gate = self._gates[name]
        claim = gate.claim(gate.poller_id(), messages)
        touched = list(claim.mine)
        outcome: BatchOutcome | None = None
        with self._handling:
            self._handling_count += 1
        try:
            if self._stop.is_set():  # stopping: hand nothing over, let SQS offer it again
                self._give_back(source, claim.mine)
                return None
            batch, failed_groups = claim.mine, set[str]()
            while batch:
                result = self._invoke(source, batch)
                outcome = outcome or result
                gate.done(batch)
                if not gate.fifo:
                    break
                failed_groups |= {_group_of(m) for m in batch if m["MessageId"] in result.failed_ids}
                batch, left = gate.take_deferred(claim, failed_groups)
                touched += batch
                if left:
                    self.say(
                        "sqs", name, f"{len(left)} record(s) left for redelivery behind a failed one of their group"
                    )
        finally:
            gate.done(touched)
            gate.release_all(claim, lambda stranded: self._give_back(source, stranded))
            with self._handling:
                self._handling_count -= 1
                self._handling.notify_all()
        return outcome

    def _give_back(self, source: _QueueSource, messages: list[dict[str, Any]]) -> None:
        """Make received messages visible again now (they were not handed to the handler)."""
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            clients.sqs().change_message_visibility_batch(
                QueueUrl=source.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(chunk)
                ],
            )

    def _invoke(self, source: _QueueSource, messages: list[dict[str, Any]]) -> BatchOutcome:
        """One handler invocation on ``messages``; the ones it did not fail are deleted."""
        name = source.handler_name
        sqs = clients.sqs()
        handler = self.handlers.get(name) or self.app.handler_map[name]
        started = time.perf_counter()
        error: str | None = None
        failed: list[str] = []
        fifo = source.queue_name.endswith(".fifo")
        if fifo:
            messages = self._fifo_order(messages)
        message_ids = [m["MessageId"] for m in messages]
        try:
            result = handler(sqs_event(messages, source.arn), LocalLambdaContext(function_name=name))
            failed = self._failed_ids(result, message_ids)
        except Exception as exc:  # noqa: BLE001 - the whole batch fails, as in Lambda
            error = f"{type(exc).__name__}: {exc}"
            failed = list(message_ids)
        if fifo:
            failed = fifo_blocked(messages, failed)
        duration = round((time.perf_counter() - started) * 1000, 1)
        succeeded = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(succeeded), 10):
            chunk = succeeded[start : start + 10]
            sqs.delete_message_batch(
                QueueUrl=source.url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        outcome = BatchOutcome(name, source.queue_name, message_ids, failed, error, duration)
        counts = {m["MessageId"]: m.get("Attributes", {}).get("ApproximateReceiveCount", "?") for m in messages}
        text = f"{len(messages)} record(s): {len(succeeded)} ok, {len(failed)} failed ({duration} ms)"
        if failed:
            text += " — left for redelivery: " + ", ".join(f"{m[:8]}(receive #{counts[m]})" for m in failed)
        if error:
            text += f" — handler raised {error}"
        self.say("sqs", name, text)
        return outcome

    def _fifo_order(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Messages in the order this runner first received them. SQS redelivers a group's messages
        in their original order; moto may not (and its SequenceNumbers are random), so the runner
        remembers the order of first receipt and restores it."""
        with self._print_lock:
            for message in messages:
                self._fifo_seen.setdefault(message["MessageId"], len(self._fifo_seen))
            return sorted(messages, key=lambda message: self._fifo_seen[message["MessageId"]])

    @staticmethod
    def _failed_ids(result: Any, message_ids: list[str]) -> list[str]:
        if result is None:
            return []
        if not isinstance(result, dict) or not isinstance(result.get("batchItemFailures", []), list):
            return list(message_ids)  # an invalid response fails the batch
        failed = []
        for item in result.get("batchItemFailures", []):
            identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
            if identifier not in message_ids:
                return list(message_ids)  # unknown or empty id: the whole batch failed
            failed.append(identifier)
        return failed

    def check_dead_letter_queues(self) -> dict[str, int]:
        """Report DLQs whose depth grew since the last look."""
        sqs = clients.sqs()
        depths: dict[str, int] = {}
        for source in self.queues.values():
            self._resolve(source)
            dlq_name = source.dlq_name
            if dlq_name is None:
                continue
            url = sqs.get_queue_url(QueueName=dlq_name)["QueueUrl"]
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
            depth = int(attributes["Attributes"].get("ApproximateNumberOfMessages", 0))
            depths[dlq_name] = depth
            if depth > self._dlq_depths.get(dlq_name, 0):
                self.say("dlq", dlq_name, f"now holds {depth} dead-lettered message(s)")
            self._dlq_depths[dlq_name] = depth
        return depths

    # -- background operation (make run) --------------------------------------------------------
    def start(self) -> None:
        for name, schedule in self.schedules.items():
            self._spawn(f"schedule-{name}", self._schedule_loop, name, schedule)
        for name in self.queues:
            for number in range(1, self.pollers + 1):
                self._spawn(f"sqs-{name}-{number}", self._queue_loop, name)
        self._spawn("dlq-watch", self._dlq_loop)
        self.say(
            "started",
            "",
            f"{len(self.schedules)} schedule(s), {len(self.queues)} queue(s), {self.pollers} poller(s) per queue "
            f"(long polls of {self.wait_time_seconds} s)",
        )

    def _spawn(self, name: str, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _schedule_loop(self, name: str, schedule: Schedule) -> None:
        if self.fire_schedules_at_start:
            self.invoke_schedule(name)
        next_run = schedule.next_after(self.clock())
        while not self._stop.is_set():
            delay = (next_run - self.clock()).total_seconds()
            if self._stop.wait(max(0.0, delay)):
                return
            self.invoke_schedule(name)
            next_run = schedule.next_after(max(next_run, self.clock() - timedelta(seconds=1)))

    def _queue_loop(self, name: str) -> None:
        while not self._stop.is_set():
            try:
                self.poll_queue(name)
            except Exception as exc:  # noqa: BLE001 - keep polling, as the event source mapping does
                if self._stop.is_set():
                    return
                self.say("sqs", name, f"poll error: {type(exc).__name__}: {exc}")
                self._stop.wait(2)

    def _dlq_loop(self) -> None:
        while not self._stop.wait(5):
            try:
                self.check_dead_letter_queues()
            except Exception as exc:  # noqa: BLE001 - informational only
                self.say("dlq", "", f"check failed: {type(exc).__name__}: {exc}")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop firing and polling. Returns once no handler is running (or after ``timeout``), without
        waiting for pollers idle in a long poll: whatever such a poll still returns is given back to
        the queue, not handed over."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        with self._handling:
            self._handling.wait_for(lambda: self._handling_count == 0, timeout=timeout)
        for thread in self._threads:
            if not thread.name.startswith("sqs-"):
                thread.join(max(0.0, deadline - time.monotonic()))

    def join(self, timeout: float = 30.0) -> bool:
        """After :meth:`stop`: wait for every thread to end, long polls included; True if all did."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._threads)

"""The built-in heartbeat: a schedule emits a message, an SQS worker records it.

It exercises the whole event path (EventBridge schedule → handler → SQS → event source mapping
→ worker → PostgreSQL) so `make run` and a deployed stack can show that path works, and the
readiness page can say when a heartbeat last arrived.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import BaseModel, ConfigDict, Json
from sqlalchemy.dialects.postgresql import insert

from chalicelib.aws.queues import OutgoingMessage, send_messages
from chalicelib.aws.resources import HEARTBEAT_QUEUE
from chalicelib.db.models import Heartbeat
from chalicelib.db.unit_of_work import unit_of_work
from chalicelib.observability import logger


class HeartbeatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["heartbeat"] = "heartbeat"
    source: str
    emitted_at: datetime


def emit_heartbeat(source: str = "schedule", now: datetime | None = None) -> HeartbeatMessage:
    message = HeartbeatMessage(source=source, emitted_at=now or datetime.now(UTC))
    result = send_messages(HEARTBEAT_QUEUE, [OutgoingMessage(body=message.model_dump(mode="json"))])
    if result.failed:
        raise RuntimeError(f"heartbeat not sent: {result.failed}")
    logger.info("heartbeat emitted", extra={"source": source})
    return message


class HeartbeatRecord(SqsRecordModel):
    """An SQS record whose body is a heartbeat (parsed by Powertools' batch processor)."""

    body: Json[HeartbeatMessage]


def record_heartbeat(record: HeartbeatRecord) -> None:
    """Store one heartbeat; a redelivered message updates its receive count instead of duplicating."""
    message = record.body
    receive_count = int(record.attributes.ApproximateReceiveCount or 1)
    statement = insert(Heartbeat).values(
        message_id=record.messageId,
        source=message.source,
        emitted_at=message.emitted_at,
        receive_count=receive_count,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[Heartbeat.message_id], set_={"receive_count": statement.excluded.receive_count}
    )
    with unit_of_work() as uow:
        uow.session.execute(statement)
    lag = (datetime.now(UTC) - message.emitted_at).total_seconds()
    logger.info("heartbeat recorded", extra={"message_id": record.messageId, "lag_seconds": round(lag, 3)})


def handle_heartbeat_batch(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    """SQS batch entry point: records each message, reports the ones that failed."""
    return process_partial_response(
        event=event,
        record_handler=record_heartbeat,
        processor=BatchProcessor(event_type=EventType.SQS, model=HeartbeatRecord),
        context=context,
    )

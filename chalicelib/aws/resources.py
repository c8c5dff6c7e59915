"""Names and settings of the AWS resources the app uses.

One list, read by three parties that must agree: the Chalice decorators in ``app.py`` (queue
names), the local bootstrap (``local/aws_bootstrap.py``, which creates them in moto or
LocalStack) and the deployable template in ``infra/`` (a test checks that the template declares
exactly these queues with these settings). A stage is meant to live in its own AWS account, so
names carry no stage suffix.
"""

from __future__ import annotations

from dataclasses import dataclass

NAME_PREFIX = "ptx-cm"


@dataclass(frozen=True)
class QueueSpec:
    """An SQS queue with its dead-letter queue and redrive policy."""

    name: str
    visibility_timeout_seconds: int
    max_receive_count: int
    fifo: bool = False
    message_retention_seconds: int = 4 * 24 * 3600

    @property
    def dlq_name(self) -> str:
        if self.fifo:
            return self.name.removesuffix(".fifo") + "-dlq.fifo"
        return self.name + "-dlq"


# Property sync jobs: one message per property due for a poll (dispatch, "sync now", webhooks).
SYNC_JOBS_QUEUE = QueueSpec(name=f"{NAME_PREFIX}-sync-jobs", visibility_timeout_seconds=180, max_receive_count=5)
# ARI pushes: FIFO, one message group per OTA connection so pushes stay ordered.
ARI_PUSH_QUEUE = QueueSpec(
    name=f"{NAME_PREFIX}-ari-push.fifo", visibility_timeout_seconds=120, max_receive_count=5, fifo=True
)
# The built-in heartbeat: a scheduled handler sends, an SQS handler records. It proves the
# schedule → queue → worker path end to end, locally and in AWS.
HEARTBEAT_QUEUE = QueueSpec(name=f"{NAME_PREFIX}-heartbeat", visibility_timeout_seconds=30, max_receive_count=3)

QUEUES: tuple[QueueSpec, ...] = (SYNC_JOBS_QUEUE, ARI_PUSH_QUEUE, HEARTBEAT_QUEUE)

ALERTS_TOPIC_NAME = f"{NAME_PREFIX}-alerts"
OTA_CREDENTIALS_KEY_ALIAS = f"alias/{NAME_PREFIX}-ota-credentials"
JWT_SIGNING_KEYS_SECRET_NAME = f"{NAME_PREFIX}/jwt-signing-keys"
DATABASE_SECRET_NAME = f"{NAME_PREFIX}/database"

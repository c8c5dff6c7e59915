"""Put the process's moto server back to "just bootstrapped" between tests, without a reset.

A reset followed by the bootstrap costs ~16 AWS calls (0.5 to 1 s on this machine); most tests only
leave messages on the queues, a changed attribute, a rotated JWT keyring or sent emails behind.
``capture`` records the bootstrapped state from moto's in-process backends (the moto server runs in a
thread of the test process); ``restore`` purges every queue, restores the attributes, clears the
emails and answers False when a test changed anything else (a queue, topic, subscription, KMS key
or alias, secret added or changed), in which case the caller resets moto and bootstraps again.

moto internals are pinned by requirements-dev.txt (moto 5.2.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ACCOUNT = "123456789012"  # moto's default account
RESTORED_ATTRIBUTES = (
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "RedrivePolicy",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "MaximumMessageSize",
)
SENT_EMAIL_MODELS = ("Message", "RawMessage", "TemplateMessage", "BulkTemplateMessage")


@dataclass(frozen=True)
class Baseline:
    region: str
    queues: dict[str, dict[str, Any]]
    topics: frozenset[str]
    keys: dict[str, str]  # key id → state
    aliases: dict[str, str]  # alias → key id
    secrets: frozenset[str]


def _backends(region: str) -> tuple[Any, Any, Any, Any, Any]:
    from moto.kms.models import kms_backends
    from moto.secretsmanager.models import secretsmanager_backends
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends
    from moto.sqs.models import sqs_backends

    return (
        sqs_backends[ACCOUNT][region],
        sns_backends[ACCOUNT][region],
        kms_backends[ACCOUNT][region],
        secretsmanager_backends[ACCOUNT][region],
        ses_backends[ACCOUNT][region],
    )


def _shape(region: str) -> Baseline:
    sqs, sns, kms, secrets, _ses = _backends(region)
    queues = {}
    for name in sqs.queues:
        attributes = sqs.get_queue_attributes(name, ["All"])
        queues[name] = {key: attributes[key] for key in RESTORED_ATTRIBUTES if key in attributes}
    return Baseline(
        region=region,
        queues=queues,
        topics=frozenset(sns.topics),
        keys={key_id: key.key_state for key_id, key in kms.keys.items()},
        aliases={name: key_id for key_id, key in kms.keys.items() for name in key.aliases},
        secrets=frozenset(dict.keys(secrets.secrets)),
    )


def capture(region: str) -> Baseline:
    """The state right after the bootstrap."""
    return _shape(region)


def restore(baseline: Baseline) -> bool:
    """Empty queues with their bootstrap attributes and no emails; False if more changed."""
    sqs, sns, _kms, _secrets, ses = _backends(baseline.region)
    now = _shape(baseline.region)
    if (
        set(now.queues) != set(baseline.queues)
        or now.topics != baseline.topics
        or sns.subscriptions
        or now.keys != baseline.keys
        or now.aliases != baseline.aliases
        or now.secrets != baseline.secrets
    ):
        return False
    for name, attributes in baseline.queues.items():
        queue = sqs.queues[name]
        queue.last_purged_at = None  # moto allows one purge a minute, as SQS does...
        sqs.purge_queue(name)
        queue.last_purged_at = None  # ...and the test may purge it too, as after a reset
        if now.queues[name] != attributes:
            sqs.set_queue_attributes(name, dict(attributes))
    if _shape(baseline.region).queues != baseline.queues:
        return False
    ses.sent_messages.clear()
    from moto.core.model_instances import model_data

    for model in SENT_EMAIL_MODELS:
        tracked = model_data.get("ses", {}).get(model)
        if tracked is not None:
            tracked.instances_tracked.clear()
    return True

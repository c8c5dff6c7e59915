"""moto in server mode: SQS, SNS, KMS, EventBridge, Secrets Manager and SES over real HTTP."""

from __future__ import annotations

import logging
import os
from typing import Any

from moto.server import ThreadedMotoServer
from moto.sqs import models as sqs_models

from local.postgres import free_port

# moto accepts any credentials; boto3 still wants some to sign requests with.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


# moto's long poll waits for "any visible message" and then looks for one it may hand over; on a
# FIFO queue a visible message of a group still in flight satisfies the wait but cannot be handed
# over, so every idle poller of that queue spins (no sleep) until its poll ends. SQS does not burn
# anything; with several pollers per queue (the event runner, as Lambda) the spin takes the CPU.
HELD_BACK_RECHECK_SECONDS = 0.05


def _wait_for_messages_without_spinning(queue: Any, timeout: int) -> None:
    """``Queue.wait_for_messages``: wait for a new message, and while the visible ones are all
    held back, look again every ``HELD_BACK_RECHECK_SECONDS`` instead of at once."""
    with queue._messages_lock:
        if queue.messages:
            queue._messages_lock.wait(timeout=min(timeout, HELD_BACK_RECHECK_SECONDS))
        else:
            queue._messages_lock.wait_for(lambda: queue.messages, timeout=timeout)


def patch_long_poll_spin() -> None:
    """Install :func:`_wait_for_messages_without_spinning` on moto's SQS queues (idempotent)."""
    setattr(sqs_models.Queue, "wait_for_messages", _wait_for_messages_without_spinning)  # noqa: B010


class MotoServer:
    """A moto server on 127.0.0.1 in a background thread of this process."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        # werkzeug logs every AWS API call; the event runner's own lines say what matters.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        patch_long_poll_spin()
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def environment(self) -> dict[str, str]:
        """Variables that point boto3 (and the app's settings) at this server."""
        return {"AWS_ENDPOINT_URL": self.endpoint_url, **FAKE_CREDENTIALS}


def use_fake_credentials() -> None:
    for name, value in FAKE_CREDENTIALS.items():
        os.environ[name] = value

"""moto in server mode: SQS, SNS, KMS, EventBridge, Secrets Manager and SES over real HTTP."""

from __future__ import annotations

import logging
import os

from moto.server import ThreadedMotoServer

from local.postgres import free_port

# moto accepts any credentials; boto3 still wants some to sign requests with.
FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing"}


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

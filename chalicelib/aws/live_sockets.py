"""Sending to open WebSockets through API Gateway's Management API (``post_to_connection``).

The endpoint is ``LIVE_MANAGEMENT_URL``: in AWS the WebSocket API's stage URL
(``https://<api id>.execute-api.<region>.amazonaws.com/<stage>``, set by the template); locally
the emulator of ``local/live_server.py``, which implements the same call over HTTP.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws import clients
from chalicelib.config import get_settings


class ConnectionGone(Exception):
    """The socket is closed (API Gateway answered 410 GoneException): forget the connection."""


class SocketSendFailed(Exception):
    """The Management API refused or could not be reached (error class and code only)."""


def management_client() -> object:
    settings = get_settings()
    if not settings.live_management_url:
        raise SocketSendFailed("LIVE_MANAGEMENT_URL is not set")
    return clients.aws_client("apigatewaymanagementapi", endpoint_url=settings.live_management_url)


def post_to_connection(connection_id: str, data: bytes) -> None:
    """Send ``data`` to one connection; raises :class:`ConnectionGone` or :class:`SocketSendFailed`."""
    client = management_client()
    try:
        client.post_to_connection(ConnectionId=connection_id, Data=data)  # type: ignore[attr-defined]
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code == "GoneException" or status == 410:
            raise ConnectionGone(connection_id) from exc
        raise SocketSendFailed(f"post_to_connection failed: ClientError {code}".strip()) from exc
    except BotoCoreError as exc:
        raise SocketSendFailed(f"post_to_connection failed: {type(exc).__name__}") from exc

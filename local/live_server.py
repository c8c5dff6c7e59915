"""The local WebSocket API: what API Gateway's WebSocket API and its Management API do in AWS.

``make run`` and the tests start :class:`LiveServer` next to the API server:

* a WebSocket server (the ``websockets`` package) on ``ws://<host>:<port>``; each connection gets
  an API Gateway-shaped connection id, and the app's ``@app.on_ws_connect`` /
  ``@app.on_ws_message`` / ``@app.on_ws_disconnect`` handlers are invoked with API Gateway-shaped
  events (``requestContext.routeKey``, ``eventType``, ``connectionId``, ``apiId``, ``stage``,
  ``queryStringParameters``, ``body``). A connect handler answering a non-2xx ``statusCode``
  refuses the handshake with that status, as API Gateway does;
* the Management API on ``http://<host>:<management port>``: ``POST /@connections/{id}`` sends
  the body to that socket, ``GET`` describes it, ``DELETE`` closes it; an unknown or closed
  connection answers ``410 GoneException``. The app's sender (``chalicelib.aws.live_sockets``)
  is pointed here with ``LIVE_MANAGEMENT_URL``, exactly as boto3 calls API Gateway.

Query strings (the ticket) are never logged. Nothing here is imported by the deployed app.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from chalice.app import Chalice
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from local.event_runner import LocalLambdaContext

API_ID = "localws"
STAGE = "api"
_quiet = logging.getLogger("local.live_server")
_quiet.setLevel(logging.WARNING)


def websocket_event(
    route_key: str, connection_id: str, *, query: dict[str, str] | None = None, body: str | None = None
) -> dict[str, Any]:
    """An API Gateway WebSocket proxy event for ``route_key`` ($connect, $disconnect, $default)."""
    event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route_key, "MESSAGE")
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "requestContext": {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "messageDirection": "IN",
            "stage": STAGE,
            "connectedAt": int(now.timestamp() * 1000),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": str(uuid.uuid4()),
            "domainName": "localhost",
            "connectionId": connection_id,
            "apiId": API_ID,
        },
        "isBase64Encoded": False,
    }
    if route_key == "$connect":
        event["queryStringParameters"] = query or None
        event["headers"] = {}
    if body is not None:
        event["body"] = body
    return event


def new_connection_id() -> str:
    """Like API Gateway's: 12 random bytes, base64 (``L0SM9cOFvHcCIhw=``-shaped)."""
    return base64.b64encode(os.urandom(10)).decode()


class LiveServer:
    """The WebSocket API emulator for ``app``: ``start()``, ``stop()``, ``url``, ``management_url``."""

    def __init__(self, app: Chalice, host: str = "127.0.0.1", port: int = 0, management_port: int = 0) -> None:
        self.app = app
        self.host = host
        self._port = port
        self._management_port = management_port
        self._sockets: dict[str, ServerConnection] = {}
        self._ids: dict[int, str] = {}
        self._lock = threading.Lock()
        self._server: Server | None = None
        self._management: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> LiveServer:
        self._server = serve(
            self._session,
            self.host,
            self._port,
            process_request=self._handshake,
            logger=_quiet,
            compression=None,
        )
        self._management = _ManagementServer((self.host, self._management_port), _management_handler(self))
        self._management.daemon_threads = True
        for target in (self._server.serve_forever, self._management.serve_forever):
            thread = threading.Thread(target=target, name="live-server", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
        if self._management is not None:
            self._management.shutdown()
            self._management.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"ws://{self.host}:{self._server.socket.getsockname()[1]}"

    @property
    def management_url(self) -> str:
        assert self._management is not None, "start() first"
        return f"http://{self.host}:{self._management.server_address[1]}"

    def environment(self) -> dict[str, str]:
        """What the app needs to name this socket in tickets and to post to it."""
        return {"LIVE_WS_URL": self.url, "LIVE_MANAGEMENT_URL": self.management_url}

    @property
    def open_connections(self) -> list[str]:
        with self._lock:
            return sorted(self._sockets)

    # --- the WebSocket side ------------------------------------------------------------------------
    def _invoke(self, route_key: str, event: dict[str, Any]) -> dict[str, Any] | None:
        config = self.app.websocket_handlers.get(route_key) or self.app.websocket_handlers.get("$default")
        if config is None:
            return None
        handler: Callable[..., Any] = self.app.handler_map[config.name]
        result = handler(event, LocalLambdaContext(function_name=config.name))
        return result if isinstance(result, dict) else None

    def _handshake(self, connection: ServerConnection, request: Request) -> Response | None:
        connection_id = new_connection_id()
        query = dict(parse_qsl(urlsplit(request.path).query))
        try:
            result = self._invoke("$connect", websocket_event("$connect", connection_id, query=query))
        except Exception as exc:  # noqa: BLE001 - a handler error is API Gateway's 500, not a crash here
            _quiet.warning("connect handler failed: %s", type(exc).__name__)
            return connection.respond(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error\n")
        status = int((result or {}).get("statusCode", 200))
        if not 200 <= status < 300:
            return connection.respond(status, "Forbidden\n" if status == 403 else "Unauthorized\n")
        with self._lock:
            self._ids[id(connection)] = connection_id
        return None

    def _session(self, connection: ServerConnection) -> None:
        with self._lock:
            connection_id = self._ids.pop(id(connection))
            self._sockets[connection_id] = connection
        try:
            for message in connection:
                text = message if isinstance(message, str) else message.decode(errors="replace")
                self._invoke("$default", websocket_event("$default", connection_id, body=text))
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._sockets.pop(connection_id, None)
            self._invoke("$disconnect", websocket_event("$disconnect", connection_id))

    # --- the Management API side ----------------------------------------------------------------------
    def post(self, connection_id: str, data: bytes) -> bool:
        with self._lock:
            connection = self._sockets.get(connection_id)
        if connection is None:
            return False
        try:
            connection.send(data.decode("utf-8", errors="replace"))
        except ConnectionClosed:
            return False
        return True

    def close(self, connection_id: str) -> bool:
        with self._lock:
            connection = self._sockets.get(connection_id)
        if connection is None:
            return False
        connection.close()
        return True


class _ManagementServer(ThreadingHTTPServer):
    # The relay posts to many connections at once: the stdlib's backlog of 5 drops the SYNs of a
    # burst, and each dropped one costs a 1 s retransmission.
    request_queue_size = 128


def _management_handler(server: LiveServer) -> type[BaseHTTPRequestHandler]:
    class ManagementHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as boto3 expects of API Gateway

        def _connection_id(self) -> str | None:
            path = unquote(urlsplit(self.path).path)
            prefix = f"/{STAGE}/@connections/" if path.startswith(f"/{STAGE}/") else "/@connections/"
            return path[len(prefix) :] if path.startswith(prefix) else None

        def _answer(self, status: int, body: dict[str, Any] | None = None, error_type: str | None = None) -> None:
            payload = b"" if status == 204 else json.dumps(body or {}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if status != 204:
                self.send_header("Content-Length", str(len(payload)))
            if error_type:
                self.send_header("x-amzn-ErrorType", error_type)
            self.end_headers()
            self.wfile.write(payload)

        def _gone(self) -> None:
            self._answer(410, {"__type": "GoneException", "message": "the connection is gone"}, "GoneException")

        def do_POST(self) -> None:
            connection_id = self._connection_id()
            data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if connection_id is None:
                self._answer(404, {"message": "not found"})
            elif server.post(connection_id, data):
                self._answer(200)
            else:
                self._gone()

        def do_DELETE(self) -> None:
            connection_id = self._connection_id()
            if connection_id is not None and server.close(connection_id):
                self._answer(204)
            else:
                self._gone()

        def do_GET(self) -> None:
            connection_id = self._connection_id()
            if connection_id is not None and connection_id in server.open_connections:
                now = datetime.now(UTC).isoformat()
                self._answer(200, {"ConnectedAt": now, "LastActiveAt": now, "Identity": {"SourceIp": "127.0.0.1"}})
            else:
                self._gone()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return ManagementHandler

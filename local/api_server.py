"""The local API server (`make run`, the tests): Chalice's threaded dev server, hardened a little.

- A method the server has no handler for (``TRACE``, ``CONNECT``, anything made up) is answered
  405 with ``Allow`` listing the path's methods, in the API's error shape (Chalice's server says
  501 and an HTML page). A known method the path lacks is answered 405 with ``Allow`` by the app.
- The access log line (stderr) shows the path without its query string: a token sent as a
  query parameter must not land in a log.
- Every route also answers under ``/api/...`` (the browser's view, as behind CloudFront, where an
  API Gateway stage named ``api`` is the prefix): the request context's path keeps the prefix, so
  cookie paths include it exactly as in AWS. With ``dashboard_dir``, the built dashboard is served
  on the same origin (``local/dashboard_files.py`` says which requests get it).

Each request runs on its own thread (``ThreadingMixIn``); the app keeps per-request state in
context variables and the logger's keys per thread, so request ids never cross.
"""

from __future__ import annotations

import json
import socket
import uuid
from pathlib import Path
from typing import Any

from chalice.app import Chalice
from chalice.cli.factory import CLIFactory
from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    HTTPServerThread,
    LocalChalice,
    LocalDevServer,
    LocalGateway,
    RouteMatcher,
    ThreadedHTTPServer,
)

from chalicelib.api.errors import REQUEST_ID_HEADER
from chalicelib.api.routing import allowed_methods
from local.dashboard_files import route_path, serve_dashboard


def _is_route(app: Chalice, path: str) -> bool:
    try:
        RouteMatcher(list(app.routes)).match_route(path)
    except ValueError:
        return False
    return True


class PrefixedGateway(LocalGateway):
    """Chalice's API Gateway stand-in, routing ``/api/<route>`` to ``<route>`` with the prefix kept
    in the request context's path (as an API Gateway stage name is)."""

    def _generate_lambda_event(self, method: str, path: str, headers: Any, body: bytes | None) -> Any:
        prefix, routed = route_path(path, lambda candidate: _is_route(self._app_object, candidate))
        event = super()._generate_lambda_event(method, routed, headers, body)
        event["requestContext"]["path"] = prefix + event["requestContext"]["path"]
        return event


class ApiRequestHandler(ChaliceRequestHandler):
    """Chalice's handler, answering unknown methods with 405, logging paths without queries,
    routing ``/api/...`` and serving the dashboard's files."""

    dashboard_dir: Path | None = None

    def __init__(
        self, request: Any, client_address: tuple[str, int], server: Any, app_object: Chalice, config: Any
    ) -> None:
        self.local_gateway = PrefixedGateway(app_object, config)
        super(ChaliceRequestHandler, self).__init__(request, client_address, server)  # skip its gateway

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's naming
        if not self._served_dashboard():
            self._generic_handle()

    def do_HEAD(self) -> None:  # noqa: N802 - the stdlib's naming
        if not self._served_dashboard():
            self._generic_handle()

    def _served_dashboard(self) -> bool:
        if self.dashboard_dir is None:
            return False
        app: Chalice = self.local_gateway._app_object
        return serve_dashboard(self, self.dashboard_dir, lambda path: _is_route(app, path))

    def __getattr__(self, name: str) -> Any:  # do_TRACE and any other unknown method
        if name.startswith("do_"):
            return self._method_not_allowed
        raise AttributeError(name)

    def _method_not_allowed(self) -> None:
        app: Chalice = self.local_gateway._app_object
        _, path = route_path(self.path.split("?", 1)[0], lambda candidate: _is_route(app, candidate))
        try:
            route = RouteMatcher(list(app.routes)).match_route(path).route
        except ValueError:
            route = None
        methods = allowed_methods(route) if route else []
        request_id = str(uuid.uuid4())
        status, code = (405, "method_not_allowed") if methods else (404, "not_found")
        message = f"{self.command} is not allowed here." if methods else "No such route."
        body = json.dumps(
            {"error": {"code": code, "message": message, "details": [], "request_id": request_id}}
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header(REQUEST_ID_HEADER, request_id)
        if methods:
            self.send_header("Allow", ", ".join(methods))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        method, _, rest = str(self.requestline).partition(" ")
        target, _, version = rest.rpartition(" ")
        redacted = target.split("?", 1)[0] + ("?<redacted>" if "?" in target else "")
        self.log_message('"%s %s %s" %s %s', method, redacted, version, str(code), str(size))


class ApiHTTPServer(ThreadedHTTPServer):
    # The stdlib's listen backlog of 5 resets connections when a burst of clients connects at once.
    request_queue_size = 128
    # The socket already bound to the API's address (:func:`reserve_address`), used instead of binding anew.
    reserved: socket.socket

    def server_bind(self) -> None:
        # getattr/setattr: mypy cannot type the stdlib attribute once this class assigns it
        getattr(self, "socket").close()  # noqa: B009 - the unbound socket socketserver made
        setattr(self, "socket", self.reserved)  # noqa: B010
        host, port = self.reserved.getsockname()
        self.server_address = (host, port)
        self.server_name = socket.getfqdn(host)
        self.server_port = port


def reserve_address(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` (0 = a free port), for :func:`start_server` to listen on later.

    Bound at once, so nothing can take the port during the seconds the stack needs before the API
    starts (a port found free and bound only later can be taken meanwhile by any process's outgoing
    connection); a port in use fails here, before anything else has started.
    """
    reserved = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        reserved.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # what the stdlib server sets
        reserved.bind((host, port))
    except OSError:
        reserved.close()
        raise
    return reserved


def build_server(
    app: Chalice, project_dir: str, address: socket.socket, dashboard_dir: Path | None = None
) -> LocalDevServer:
    """Chalice's local server for ``app`` with :class:`ApiRequestHandler`, listening on ``address``
    (:func:`reserve_address`), serving the built dashboard from ``dashboard_dir`` when given."""
    config = CLIFactory(project_dir).create_config_obj(chalice_stage_name="dev")
    if not isinstance(app, LocalChalice):  # what chalice.local.create_local_server does:
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)  # current_request per thread
        app.__class__ = CustomLocalChalice
    handler = type("DashboardApiRequestHandler", (ApiRequestHandler,), {"dashboard_dir": dashboard_dir})
    server_cls = type("ReservedApiHTTPServer", (ApiHTTPServer,), {"reserved": address})
    host, port = address.getsockname()
    return LocalDevServer(app, config, host, port, handler_cls=handler, server_cls=server_cls)


def start_server(
    app: Chalice, project_dir: str, address: socket.socket, dashboard_dir: Path | None = None
) -> tuple[HTTPServerThread, int]:
    """Serve ``app`` on a thread, on ``address`` (:func:`reserve_address`); returns the thread
    (``.shutdown()`` stops it) and the port."""
    servers: list[LocalDevServer] = []

    def factory() -> LocalDevServer:
        servers.append(build_server(app, project_dir, address, dashboard_dir))
        return servers[0]

    thread = HTTPServerThread(factory)
    thread.start()
    while not servers and thread.is_alive():
        thread.join(0.01)
    if not servers:
        raise OSError(f"the API server could not listen on {address.getsockname()}")
    return thread, int(servers[0].server.server_address[1])

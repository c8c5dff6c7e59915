"""One HTTP client per OTA endpoint and container: adapters reuse its kept-alive connections and its
TLS context, never share cookies, and closing an adapter leaves the shared client open."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from chalicelib.domain.ota_codes import OtaCode
from chalicelib.ota.transport import HttpReply, HttpSettings, OtaHttp, SharedClients


@dataclass
class Origin:
    """A keep-alive HTTP/1.1 server that counts the TCP connections it accepted, sets a cookie on
    every answer and remembers the Cookie header of every request."""

    url: str
    connections: list[str] = field(default_factory=list)
    cookies: list[str | None] = field(default_factory=list)


@pytest.fixture
def origin() -> Iterator[Origin]:
    seen = Origin(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            seen.connections.append(f"{self.client_address}")

        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            seen.cookies.append(self.headers.get("Cookie"))
            body = b"ok"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Set-Cookie", "session=account-a; Path=/")
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), daemon=True)
    thread.start()
    seen.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()


def body(reply: HttpReply) -> bytes:
    return reply.content


def one_request(url: str, clients: SharedClients, transport: httpx.BaseTransport | None = None) -> None:
    """What one adapter does: its own OtaHttp, one request, closed."""
    http = OtaHttp(OtaCode.AGODA, url, clients=clients, transport=transport)
    try:
        assert http.exchange("GET", "/api", operation="read", budget_key="k", parse=body) == b"ok"
    finally:
        http.close()


def test_adapters_of_one_endpoint_send_through_one_kept_alive_connection(origin: Origin) -> None:
    clients = SharedClients()
    for _ in range(3):
        one_request(origin.url, clients)
    assert len(origin.cookies) == 3
    assert len(origin.connections) == 1  # one TCP connection (and, over TLS, one handshake)
    assert clients.built == 1


def test_adapters_with_clients_of_their_own_connect_each_time(origin: Origin) -> None:
    # Negative control: what every adapter did before (its own client, closed with it)
    for _ in range(3):
        one_request(origin.url, SharedClients(), transport=httpx.HTTPTransport())
    assert len(origin.connections) == 3


def test_a_cookie_set_for_one_adapter_never_reaches_the_next(origin: Origin) -> None:
    clients = SharedClients()
    one_request(origin.url, clients)
    one_request(origin.url, clients)
    assert origin.cookies == [None, None]
    # Negative control: a plain httpx client keeps the cookie and sends it back
    with httpx.Client(base_url=origin.url) as plain:
        plain.get("/")
        plain.get("/")
    assert origin.cookies[-1] == "session=account-a"


def test_one_client_per_endpoint_and_timeouts_one_tls_context_per_container() -> None:
    clients = SharedClients()
    quick = HttpSettings(read_timeout=8.0)
    a = clients.get("https://supply.example", HttpSettings())
    assert clients.get("https://supply.example", HttpSettings()) is a
    other_url = clients.get("https://other.example", HttpSettings())
    other_timeouts = clients.get("https://supply.example", quick)
    assert len({id(a), id(other_url), id(other_timeouts)}) == 3
    assert other_timeouts.timeout.read == 8.0

    def tls(client: httpx.Client) -> object:
        return client._transport._pool._ssl_context  # type: ignore[attr-defined]

    assert tls(a) is tls(other_url) is tls(other_timeouts)
    # Negative control: httpx builds (and loads the CA bundle into) a context per client by default
    with httpx.Client() as one, httpx.Client() as two:
        assert tls(one) is not tls(two)
    clients.clear()


def test_closing_an_adapter_leaves_the_shared_client_open_and_the_cache_is_bounded() -> None:
    clients = SharedClients(max_entries=2)
    http = OtaHttp(OtaCode.EXPEDIA, "https://one.example", clients=clients)
    shared = http._http()
    http.close()
    assert not shared.is_closed
    assert OtaHttp(OtaCode.EXPEDIA, "https://one.example", clients=clients)._http() is shared
    clients.get("https://two.example", HttpSettings())
    clients.get("https://three.example", HttpSettings())
    assert len(clients) == 2
    assert clients.get("https://one.example", HttpSettings()) is not shared  # the oldest was dropped
    assert clients.built == 4
    clients.clear()

"""The built dashboard (``build/dashboard``, made by ``make dashboard-build``) served by the local
API server on the same origin as the API, the way CloudFront serves it in AWS.

Which requests get the dashboard (GET/HEAD only; everything else is the API's):

* a file of the build (``/assets/index-<hash>.js``, ``/favicon.svg``) whose path is no API route;
* a browser navigation (``Accept: text/html``) outside ``/api/``: ``/``, ``/bookings/42``,
  ``/reset-password?token=...`` — the single-page app's ``index.html``, which routes on the client.

Every API route answers under ``/api/...`` (what the browser uses, as behind CloudFront) and, as
before, at its own path for API clients, tests and OTA webhooks (which do not ask for HTML).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote

API_PREFIX = "/api"
DEFAULT_BUILD_DIR = Path(__file__).resolve().parent.parent / "build" / "dashboard"
# Vite names the assets by content hash: they may be cached for good; index.html never.
_IMMUTABLE_PREFIX = "/assets/"


@dataclass(frozen=True)
class DashboardFile:
    body: bytes
    content_type: str
    cache_control: str


def is_built(build_dir: Path = DEFAULT_BUILD_DIR) -> bool:
    return (build_dir / "index.html").is_file()


def wants_html(accept_header: str | None) -> bool:
    return "text/html" in (accept_header or "")


def dashboard_file(build_dir: Path, request_path: str, *, navigation: bool) -> DashboardFile | None:
    """The file of the build at ``request_path`` (never outside ``build_dir``), or ``index.html``
    for a navigation to a client route; ``None`` when the request is not the dashboard's."""
    path = unquote(request_path.split("?", 1)[0])
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        return None
    root = build_dir.resolve()
    candidate = (root / path.lstrip("/")).resolve()
    if candidate.is_file() and root in candidate.parents and candidate.name != "index.html":
        content_type = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
        immutable = path.startswith(_IMMUTABLE_PREFIX)
        return DashboardFile(
            candidate.read_bytes(), content_type, "public, max-age=31536000, immutable" if immutable else "no-cache"
        )
    if navigation and (root / "index.html").is_file():
        return DashboardFile((root / "index.html").read_bytes(), "text/html; charset=utf-8", "no-cache")
    return None


def route_path(request_path: str, is_route: Callable[[str], bool]) -> tuple[str, str]:
    """(prefix, path to route) for a request: ``/api/bookings`` → (``/api``, ``/bookings``) unless
    ``/api/...`` is itself a route (``/api/docs``). ``is_route`` tells whether a path is one."""
    path = request_path.split("?", 1)[0]
    if path.startswith(API_PREFIX + "/") and not is_route(path):
        return API_PREFIX, request_path[len(API_PREFIX) :]
    return "", request_path


def serve_dashboard(handler: BaseHTTPRequestHandler, build_dir: Path, is_route: Callable[[str], bool]) -> bool:
    """Answers a GET/HEAD with the dashboard's file when the request is the dashboard's (see the
    module's docstring); False (nothing sent) when it is the API's."""
    navigation = wants_html(handler.headers.get("accept"))
    if not navigation and is_route(handler.path):
        return False
    found = dashboard_file(build_dir, handler.path, navigation=navigation)
    if found is None:
        return False
    handler.send_response(200)
    handler.send_header("Content-Type", found.content_type)
    handler.send_header("Content-Length", str(len(found.body)))
    handler.send_header("Cache-Control", found.cache_control)
    handler.send_header("X-Content-Type-Options", "nosniff")
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(found.body)
    return True

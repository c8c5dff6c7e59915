"""The session cookies and the double-submit CSRF check.

Browsers (the dashboard) get the access token in the JSON body, keep it in memory and send it
as ``Authorization: Bearer`` like any API client; only what must survive a reload is a cookie,
set at login and refresh:

* ``ptx_refresh`` — the refresh token; HttpOnly, Secure, SameSite=Strict, only sent to ``/auth``;
* ``ptx_csrf`` — the session's CSRF token; readable by the page's script (not HttpOnly), path
  ``/``: the dashboard's pages live outside the API's prefix (``/bookings`` beside ``/api/...``
  on one origin) and must read it after a reload to refresh the session.

The cookie-authenticated requests — refresh and logout with ``ptx_refresh`` — must repeat the
CSRF cookie in the ``X-CSRF-Token`` header: another site can make the browser send cookies but
cannot read them. The token is also bound to the session (its hash is stored with it), so a
cookie planted by a sibling subdomain does not pass either. Every other route takes the Bearer
header only, which another site cannot make the browser send: no CSRF check is needed there.

Paths: behind API Gateway's default URL the stage is a path prefix (``/api/auth/refresh``);
cookie paths include it, so they work with or without a custom domain.
"""

from __future__ import annotations

import hmac

from chalice.app import Request

from chalicelib.domain.errors import PermissionDenied

REFRESH_COOKIE = "ptx_refresh"
CSRF_COOKIE = "ptx_csrf"
CSRF_HEADER = "X-CSRF-Token"


class CsrfMissing(PermissionDenied):
    code = "csrf_failed"


def request_cookies(request: Request) -> dict[str, str]:
    """Cookies of the request (first value wins; malformed pairs are skipped, never an error)."""
    header = request.headers.get("cookie") or ""
    cookies: dict[str, str] = {}
    for pair in header.split(";"):
        name, sep, value = pair.strip().partition("=")
        if sep and name and name not in cookies:
            cookies[name] = value.strip().strip('"')
    return cookies


def double_submitted_csrf(request: Request, cookies: dict[str, str]) -> str:
    """The CSRF token when the header repeats the cookie; 403 ``csrf_failed`` otherwise."""
    header = request.headers.get(CSRF_HEADER.lower()) or ""
    cookie = cookies.get(CSRF_COOKIE) or ""
    if not header or not cookie or not hmac.compare_digest(header.encode(), cookie.encode()):
        raise CsrfMissing(
            f"Cookie-authenticated requests that change state must send the {CSRF_HEADER} header "
            f"with the value of the {CSRF_COOKIE} cookie."
        )
    return header


def base_path(request: Request) -> str:
    """The path prefix in front of the app's routes (API Gateway's stage name, or empty)."""
    full = (request.context or {}).get("path") or ""
    route = (request.context or {}).get("resourcePath") or ""
    if route and "{" not in route and full.endswith(route):
        return full[: len(full) - len(route)].rstrip("/")
    return ""


def _cookie(name: str, value: str, *, path: str, max_age: int, http_only: bool = True) -> str:
    parts = [f"{name}={value}", f"Path={path}", f"Max-Age={max_age}", "Secure", "SameSite=Strict"]
    if http_only:
        parts.append("HttpOnly")
    return "; ".join(parts)


def session_cookies(
    request: Request,
    *,
    refresh_token: str,
    refresh_max_age: int,
    csrf_token: str,
) -> list[str]:
    prefix = base_path(request)
    return [
        _cookie(REFRESH_COOKIE, refresh_token, path=prefix + "/auth", max_age=refresh_max_age),
        _cookie(CSRF_COOKIE, csrf_token, path="/", max_age=refresh_max_age, http_only=False),
    ]


def clearing_cookies(request: Request) -> list[str]:
    prefix = base_path(request)
    return [
        _cookie(REFRESH_COOKIE, "", path=prefix + "/auth", max_age=0),
        _cookie(CSRF_COOKIE, "", path="/", max_age=0, http_only=False),
    ]

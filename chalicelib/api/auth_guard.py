"""Authenticating a request and checking its permission, for every non-public route.

Called by ``chalicelib.api.routing`` before it looks at any input; the result is also recorded
on the request context so the activity log knows who made the request. One convention for every
client, the dashboard included: ``Authorization: Bearer <access token>`` (no access cookie, so no
CSRF check on these routes — another site cannot make a browser send this header).
"""

from __future__ import annotations

from chalice.app import Request

from chalicelib.api import context as request_context
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import AuthenticationFailed
from chalicelib.domain.permissions import Permission
from chalicelib.services import auth_service

COUNTRY_HEADER = "X-Country"


class NotAuthenticated(AuthenticationFailed):
    code = "unauthenticated"


def access_token_from(request: Request) -> str | None:
    """The Bearer token of the Authorization header; None without the header."""
    authorization: str | None = request.headers.get("authorization")
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("The Authorization header must be 'Bearer <access token>'.")
    return token.strip()


def authenticate_request(request: Request, permission: Permission | None) -> Caller:
    """The caller of ``request``; 401 without valid credentials, 403 without ``permission``."""
    token = access_token_from(request)
    if token is None:
        raise NotAuthenticated("Authentication required: send 'Authorization: Bearer <access token>'.")
    context = request_context.current()
    country = request.headers.get(COUNTRY_HEADER.lower())
    caller = auth_service.authenticate(
        token,
        requested_country=country if country and country.strip() else None,
        client_ip=context.client_ip if context else None,
        request_id=context.request_id if context else None,
    )
    if context is not None:
        context.principal = caller
    if permission is not None:
        caller.require(permission)
    return caller

"""Authenticating a request and checking its permission, for every non-public route.

Called by ``chalicelib.api.routing`` before it looks at any input; the result is also recorded
on the request context so the activity log knows who made the request. One convention for people,
the dashboard included: ``Authorization: Bearer <access token>`` (no access cookie, so no CSRF
check on these routes — another site cannot make a browser send this header); agency systems
send ``X-API-Key``.
"""

from __future__ import annotations

from chalice.app import Request

from chalicelib.api import context as request_context
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import AuthenticationFailed, PermissionDenied
from chalicelib.domain.permissions import Permission
from chalicelib.services import api_key_service, auth_service

COUNTRY_HEADER = "X-Country"
API_KEY_HEADER = "X-API-Key"


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


def authenticate_request(request: Request, permission: Permission | None, *, partner_route: bool = False) -> Caller:
    """The caller of ``request``; 401 without valid credentials, 403 without ``permission``.

    ``X-API-Key`` authenticates an agency's system (it wins over a token). Agency accounts reach
    only ``partner_route`` routes, and API keys nothing else at all (not even /me): 403.
    """
    context = request_context.current()
    api_key = request.headers.get(API_KEY_HEADER.lower())
    if api_key is not None:
        caller = api_key_service.authenticate(
            api_key,
            client_ip=context.client_ip if context else None,
            request_id=context.request_id if context else None,
        )
    else:
        caller = _token_caller(request)
    if context is not None:
        context.principal = caller
    if caller.agency_id is not None and not partner_route and (permission is not None or caller.api_key_id):
        raise PermissionDenied("Agency accounts may not use this route.")
    if permission is not None:
        caller.require(permission)
    return caller


def _token_caller(request: Request) -> Caller:
    token = access_token_from(request)
    if token is None:
        raise NotAuthenticated("Authentication required: send 'Authorization: Bearer <access token>'.")
    context = request_context.current()
    country = request.headers.get(COUNTRY_HEADER.lower())
    return auth_service.authenticate(
        token,
        requested_country=country if country and country.strip() else None,
        client_ip=context.client_ip if context else None,
        request_id=context.request_id if context else None,
    )

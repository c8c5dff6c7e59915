"""Authenticating a request and checking its permission, for every non-public route.

Called by ``chalicelib.api.routing`` before it looks at any input; the result is also recorded
on the request context so the activity log knows who made the request.
"""

from __future__ import annotations

from chalice.app import Request

from chalicelib.api import context as request_context
from chalicelib.api.cookies import ACCESS_COOKIE, SAFE_METHODS, double_submitted_csrf, request_cookies
from chalicelib.domain.access import Caller
from chalicelib.domain.errors import AuthenticationFailed, PermissionDenied
from chalicelib.domain.permissions import Permission
from chalicelib.services import api_key_service, auth_service

COUNTRY_HEADER = "X-Country"
API_KEY_HEADER = "X-API-Key"


class NotAuthenticated(AuthenticationFailed):
    code = "unauthenticated"


def access_token_from(request: Request) -> tuple[str | None, bool]:
    """(token, came from the cookie). The Authorization header wins over the cookie."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthenticated("The Authorization header must be 'Bearer <access token>'.")
        return token.strip(), False
    cookie = request_cookies(request).get(ACCESS_COOKIE)
    return (cookie, True) if cookie else (None, False)


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
    token, from_cookie = access_token_from(request)
    if token is None:
        raise NotAuthenticated(
            "Authentication required: send 'Authorization: Bearer <access token>' or the session cookie."
        )
    csrf_token = None
    if from_cookie and request.method.upper() not in SAFE_METHODS:
        csrf_token = double_submitted_csrf(request, request_cookies(request))
    context = request_context.current()
    country = request.headers.get(COUNTRY_HEADER.lower())
    return auth_service.authenticate(
        token,
        requested_country=country if country and country.strip() else None,
        csrf_token=csrf_token,
        client_ip=context.client_ip if context else None,
        request_id=context.request_id if context else None,
    )

"""Authentication routes: login, refresh, logout, passwords, 2FA, country selection, ``/me``."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from chalice.app import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api import context as request_context
from chalicelib.api.auth_guard import access_token_from
from chalicelib.api.cookies import (
    CSRF_COOKIE,
    CSRF_HEADER,
    REFRESH_COOKIE,
    clearing_cookies,
    double_submitted_csrf,
    request_cookies,
    session_cookies,
)
from chalicelib.api.routing import JSON, ApiBlueprint
from chalicelib.api.schemas import CountryCode, Email, OtpCode, Password, request_body_config
from chalicelib.api.users import UserOut
from chalicelib.api.view_models import ViewModel
from chalicelib.domain.access import Caller
from chalicelib.domain.languages import Language
from chalicelib.services import auth_service, mfa_service, password_service, user_service
from chalicelib.services.auth_service import IssuedSession

blueprint = ApiBlueprint(__name__, tag="auth")

_EXAMPLE_PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - an example shown in the API docs
_CSRF_DESCRIPTION = f"required when the refresh token comes from its cookie: the value of the {CSRF_COOKIE} cookie"
_USE_COOKIES = (
    "true for browsers: the refresh token is set as an HttpOnly cookie (with the CSRF cookie) and left "
    "out of the body; the access token stays in the body, for the page to keep in memory"
)


class LoginRequest(BaseModel):
    model_config = request_body_config({"email": "staff@example.com", "password": _EXAMPLE_PASSWORD})

    email: Email
    password: Password
    otp_code: OtpCode | None = Field(
        default=None, description="TOTP code (6 digits) or a recovery code, when the account has 2FA on"
    )
    use_cookies: bool = Field(default=False, description=_USE_COOKIES)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str | None = Field(
        default=None, min_length=1, max_length=200, description="omit to use the ptx_refresh cookie"
    )


class SessionResponse(BaseModel):
    """Tokens of a new or refreshed session. The access token is always in the body (send it as
    ``Authorization: Bearer``); in cookie mode the refresh token is only in Set-Cookie."""

    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the OAuth token type, not a secret
    delivery: Literal["body", "cookie"] = Field(description="where the refresh token is: the body or a cookie")
    user_id: int
    access_token: str
    expires_in: int = Field(description="seconds the access token lives")
    refresh_expires_in: int = Field(description="seconds the refresh token lives")
    refresh_token: str | None = Field(default=None, description="body mode only")
    csrf_token: str | None = Field(
        default=None, description="cookie mode: send it back as X-CSRF-Token when refreshing or logging out"
    )


class ForgotPasswordRequest(BaseModel):
    model_config = request_body_config({"email": "staff@example.com"})

    email: Email


class Accepted(BaseModel):
    message: str


class ResetPasswordRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=200)
    new_password: Password


class ChangePasswordRequest(BaseModel):
    model_config = request_body_config(
        {"current_password": _EXAMPLE_PASSWORD, "new_password": "another-long-passphrase-2026"}
    )

    current_password: Password
    new_password: Password
    use_cookies: bool = Field(default=False, description=_USE_COOKIES)


class CountrySelection(BaseModel):
    model_config = request_body_config({"country_code": "VN"})

    country_code: CountryCode | None = Field(description="null: all countries (country switchers only)")


class MeResponse(ViewModel, view=user_service.Profile):
    user: UserOut
    active_country: str | None = Field(description="the country this request works in; null = all")
    mfa_required: bool = Field(description="the role requires two-factor authentication")
    mfa_enrollment_required: bool = Field(description="required but not set up yet: permissions are withheld")
    agency_name: str | None = Field(
        default=None, description="an agency's account: its agency's name (the agency is user.agency_id); staff: null"
    )


class MeUpdate(BaseModel):
    model_config = request_body_config({"language": "id"})

    language: Language = Field(description="the dashboard language: en, vi, id (Indonesian) or ms (Malay)")


class PasswordConfirmation(BaseModel):
    model_config = request_body_config({"password": _EXAMPLE_PASSWORD})

    password: Password


class TotpSetupResponse(BaseModel):
    secret: str = Field(description="base32 secret, for manual entry")
    otpauth_uri: str = Field(description="otpauth:// URI for a QR code")


class TotpCode(BaseModel):
    model_config = request_body_config({"code": "123456"})

    code: OtpCode


class TotpChange(BaseModel):
    model_config = request_body_config({"password": _EXAMPLE_PASSWORD, "code": "123456"})

    password: Password
    code: OtpCode


class RecoveryCodes(BaseModel):
    recovery_codes: list[str] = Field(description="single-use codes; shown only this once")


@dataclass(frozen=True)
class LoginSubject:
    """Who just logged in, for the activity log of the (public) login request."""

    user_id: int
    email: str
    home_country: str | None = None
    active_country: str | None = None


def _client() -> tuple[str | None, str | None]:
    context = request_context.current()
    return (context.client_ip, context.user_agent) if context else (None, None)


def _session_response(issued: IssuedSession, *, cookies: bool) -> Response:
    body = SessionResponse(
        delivery="cookie" if cookies else "body",
        user_id=issued.user_id,
        expires_in=issued.access_expires_in,
        refresh_expires_in=issued.refresh_expires_in,
        access_token=issued.access_token,
        refresh_token=None if cookies else issued.refresh_token,
        csrf_token=issued.csrf_token if cookies else None,
    )
    headers: dict[str, str | list[str]] = {"Content-Type": JSON}
    if cookies:
        headers["Set-Cookie"] = session_cookies(
            blueprint.current_request,
            refresh_token=issued.refresh_token,
            refresh_max_age=issued.refresh_expires_in,
            csrf_token=issued.csrf_token,
        )
    return Response(body=body.model_dump(mode="json"), status_code=200, headers=headers)


@blueprint.endpoint(
    "/auth/login",
    "POST",
    summary="Log in with email and password (and a 2FA code when the account has one)",
    response=SessionResponse,
    public=True,
    error_statuses=(401, 429),
)
def login(body: LoginRequest) -> Response:
    """Starts a session: a 15-minute access token and a 7-day, single-use refresh token.

    Every failure answers 401 ``invalid_credentials`` (unknown email, wrong password and disabled
    account look alike); ``mfa_required`` / ``invalid_mfa_code`` once the password was right.
    5 attempts per minute per account and per client IP (429 with Retry-After).
    """
    client_ip, user_agent = _client()
    issued = auth_service.login(body.email, body.password, body.otp_code, client_ip=client_ip, user_agent=user_agent)
    context = request_context.current()
    if context is not None:
        context.principal = LoginSubject(user_id=issued.user_id, email=body.email)
    return _session_response(issued, cookies=body.use_cookies)


@blueprint.endpoint(
    "/auth/refresh",
    "POST",
    summary="Exchange a refresh token for new tokens (each refresh token works once)",
    body_required=False,
    response=SessionResponse,
    public=True,
    error_statuses=(401, 403, 429),
    headers={CSRF_HEADER: _CSRF_DESCRIPTION},
)
def refresh(body: RefreshRequest) -> Response:
    """The refresh token comes from the body (API clients) or the ``ptx_refresh`` cookie
    (browsers, which must then send ``X-CSRF-Token``). A token presented twice revokes its whole
    session (401 ``refresh_token_reused``). 10 per minute per account and per client IP.
    """
    request = blueprint.current_request
    client_ip, user_agent = _client()
    token, csrf, from_cookie = body.refresh_token, None, False
    if token is None:
        cookies = request_cookies(request)
        token = cookies.get(REFRESH_COOKIE)
        if not token:
            raise auth_service.InvalidRefreshToken("Send refresh_token in the body, or the ptx_refresh cookie.")
        csrf, from_cookie = double_submitted_csrf(request, cookies), True
    issued = auth_service.refresh(token, csrf_token=csrf, client_ip=client_ip, user_agent=user_agent)
    return _session_response(issued, cookies=from_cookie)


@blueprint.endpoint(
    "/auth/logout",
    "POST",
    summary="End the session (its refresh tokens stop working; cookies are cleared)",
    body_required=False,
    status=204,
    public=True,
    error_statuses=(403,),
    headers={CSRF_HEADER: _CSRF_DESCRIPTION},
)
def logout(body: RefreshRequest) -> Response:
    """Names the session by the refresh token (body or cookie) or the Bearer access token.
    Cookie-borne logouts need ``X-CSRF-Token``. Always 204, even for unknown tokens."""
    request = blueprint.current_request
    cookies = request_cookies(request)
    refresh_token = body.refresh_token
    csrf = None
    if refresh_token is None and cookies.get(REFRESH_COOKIE):
        refresh_token, csrf = cookies[REFRESH_COOKIE], double_submitted_csrf(request, cookies)
    access_token = access_token_from(request)
    auth_service.logout(refresh_token=refresh_token, access_token=access_token, csrf_token=csrf)
    return Response(body="", status_code=204, headers={"Set-Cookie": clearing_cookies(request)})


@blueprint.endpoint(
    "/auth/forgot-password",
    "POST",
    summary="Email a password-reset link (the answer never says whether the account exists)",
    status=202,
    public=True,
    error_statuses=(429,),
)
def forgot_password(body: ForgotPasswordRequest) -> Accepted:
    client_ip, _ = _client()
    password_service.forgot_password(body.email, client_ip=client_ip)
    return Accepted(message="If this address belongs to an account, we sent it a link to reset the password.")


@blueprint.endpoint(
    "/auth/reset-password",
    "POST",
    summary="Set a new password with the emailed token (single use, 30 minutes)",
    status=204,
    public=True,
    error_statuses=(429,),
)
def reset_password(body: ResetPasswordRequest) -> None:
    """Every session of the account ends."""
    client_ip, _ = _client()
    password_service.reset_password(body.token, body.new_password, client_ip=client_ip)


@blueprint.endpoint(
    "/auth/change-password",
    "POST",
    summary="Change your password (all your sessions end; a new one is returned)",
    response=SessionResponse,
    error_statuses=(429,),
)
def change_password(caller: Caller, body: ChangePasswordRequest) -> Response:
    """Browsers send ``"use_cookies": true``: the new session's refresh token replaces the cookie."""
    _, user_agent = _client()
    issued = password_service.change_password(caller, body.current_password, body.new_password, user_agent=user_agent)
    return _session_response(issued, cookies=body.use_cookies)


@blueprint.endpoint("/me", summary="Who you are, what you may do, which countries you see", response=MeResponse)
def me(caller: Caller) -> MeResponse:
    return MeResponse.of(user_service.profile(caller))


@blueprint.endpoint("/me", "PATCH", summary="Change your own preferences (the dashboard language)", response=MeResponse)
def update_me(caller: Caller, body: MeUpdate) -> MeResponse:
    return MeResponse.of(user_service.set_language(caller, body.language))


@blueprint.endpoint(
    "/auth/country", "POST", summary="Choose the country this session works in (country switchers; null = all)"
)
def select_country(caller: Caller, body: CountrySelection) -> MeResponse:
    """Staff are fixed to their country (another one is 403 ``country_not_allowed``). A single
    request can also name its country with the ``X-Country`` header."""
    auth_service.select_country(caller, body.country_code)
    updated = replace(caller, active_country=body.country_code if caller.may_switch_country else caller.home_country)
    return MeResponse.of(user_service.profile(updated))


@blueprint.endpoint(
    "/auth/2fa/setup",
    "POST",
    summary="Start TOTP enrollment: returns the secret and otpauth URI (password required)",
    error_statuses=(409, 429),
)
def totp_setup(caller: Caller, body: PasswordConfirmation) -> TotpSetupResponse:
    enrollment = mfa_service.begin_enrollment(caller, body.password)
    return TotpSetupResponse(secret=enrollment.secret, otpauth_uri=enrollment.otpauth_uri)


@blueprint.endpoint(
    "/auth/2fa/enable",
    "POST",
    summary="Confirm TOTP with a first code; returns recovery codes (shown once)",
    error_statuses=(409, 429),
)
def totp_enable(caller: Caller, body: TotpCode) -> RecoveryCodes:
    """Your other sessions end (they were opened without the second factor)."""
    return RecoveryCodes(recovery_codes=mfa_service.confirm_enrollment(caller, body.code))


@blueprint.endpoint(
    "/auth/2fa/disable",
    "POST",
    summary="Turn TOTP off (not allowed for roles that require it)",
    status=204,
    error_statuses=(409, 429),
)
def totp_disable(caller: Caller, body: TotpChange) -> None:
    mfa_service.disable(caller, body.password, body.code)


@blueprint.endpoint(
    "/auth/2fa/recovery-codes",
    "POST",
    summary="Replace your recovery codes (the old ones stop working)",
    error_statuses=(409, 429),
)
def totp_recovery_codes(caller: Caller, body: TotpChange) -> RecoveryCodes:
    return RecoveryCodes(recovery_codes=mfa_service.regenerate_recovery_codes(caller, body.password, body.code))

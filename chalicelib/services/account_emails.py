"""Emails to account owners, sent through SES once the transaction that caused them commits."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.aws.email import send_email
from chalicelib.db.models import User
from chalicelib.db.unit_of_work import SqlUnitOfWork
from chalicelib.observability import logger


def email_after_commit(uow: SqlUnitOfWork, user: User, subject: str, body: str, *, kind: str) -> None:
    """Queue an email to ``user`` for after ``uow`` commits; a send failure is logged, not raised
    (the change it reports already happened)."""
    recipient, user_id = user.email, user.id

    def deliver() -> None:
        try:
            send_email(recipient, subject, body)
        except (ClientError, BotoCoreError):
            logger.exception("account email not sent", extra={"kind": kind, "user_id": user_id})

    uow.after_commit(deliver)


def notify_security_change(uow: SqlUnitOfWork, user: User, change: str) -> None:
    """Tell the owner that their credentials changed (ASVS: users learn of changes to their authentication)."""
    body = (
        f"Hello {user.full_name},\n\n{change}\n\n"
        "If this was not you, reset your password at once and tell your administrator.\n"
    )
    email_after_commit(uow, user, "Security change on your PTX Channel Manager account", body, kind="security_notice")

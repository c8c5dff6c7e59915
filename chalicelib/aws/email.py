"""Sending email through SES (moto locally; the sender identity is verified by the bootstrap)."""

from __future__ import annotations

from chalicelib.aws import clients
from chalicelib.config import get_settings


def send_email(to: str, subject: str, text_body: str) -> str:
    """Send a plain-text email from ``EMAIL_SENDER``; returns the SES message id."""
    response = clients.ses().send_email(
        Source=get_settings().email_sender,
        Destination={"ToAddresses": [to]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": text_body, "Charset": "UTF-8"}},
        },
    )
    return str(response["MessageId"])

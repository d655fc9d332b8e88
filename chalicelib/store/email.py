"""E-mail through SES v2 `SendEmail` (locally the emulator, which records it for /dev/outbox)."""
from __future__ import annotations

from .clients import aws_client


class EmailNotSentError(Exception):
    """The provider refused the message or could not be reached; `maybe_sent` when its answer was lost
    (a read timeout): the message may have gone."""

    def __init__(self, reason: str, *, maybe_sent: bool = False) -> None:
        super().__init__(reason)
        self.maybe_sent = maybe_sent


def send_email(*, sender: str, to: str, subject: str, text: str) -> str:
    """Send a plain-text UTF-8 e-mail; returns the provider's message id."""
    from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

    try:
        response = aws_client("sesv2", single_attempt=True).send_email(
            FromEmailAddress=sender, Destination={"ToAddresses": [to]},
            Content={"Simple": {"Subject": {"Data": subject, "Charset": "UTF-8"},
                                "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}}})
    except (BotoCoreError, ClientError) as error:
        raise EmailNotSentError(type(error).__name__, maybe_sent=isinstance(error, ReadTimeoutError)) from None
    return str(response["MessageId"])

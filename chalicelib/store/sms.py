"""Text messages to phone numbers, through SNS Publish (AWS End User Messaging under it; locally the emulator)."""
from __future__ import annotations

from .clients import aws_client


class SmsNotSentError(Exception):
    """The provider refused the message or could not be reached; `maybe_sent` when its answer was lost
    (a read timeout): the message may have gone."""

    def __init__(self, reason: str, *, maybe_sent: bool = False) -> None:
        super().__init__(reason)
        self.maybe_sent = maybe_sent


def send_sms(phone: str, text: str, *, sender_id: str | None = None) -> str:
    """Send `text` to `phone` (E.164) as a transactional SMS; returns the provider's message id.

    `sender_id`: the registered alphanumeric sender shown on the phone (per message, since SNS's account
    default is an API setting, not a CloudFormation one).
    """
    from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

    client = aws_client("sns", single_attempt=True)
    attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}
    if sender_id:
        attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender_id}
    try:
        response = client.publish(PhoneNumber=phone, Message=text, MessageAttributes=attributes)
    except (BotoCoreError, ClientError) as error:
        raise SmsNotSentError(type(error).__name__, maybe_sent=isinstance(error, ReadTimeoutError)) from None
    return str(response["MessageId"])

"""Text messages to phone numbers, through SNS Publish (AWS End User Messaging under it; locally the emulator)."""
from __future__ import annotations

from .clients import aws_client


class SmsNotSentError(Exception):
    """The provider refused the message or could not be reached."""


def send_sms(phone: str, text: str) -> str:
    """Send `text` to `phone` (E.164) as a transactional SMS; returns the provider's message id."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = aws_client("sns")
    try:
        response = client.publish(PhoneNumber=phone, Message=text, MessageAttributes={
            "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}})
    except (BotoCoreError, ClientError) as error:
        raise SmsNotSentError(type(error).__name__) from None
    return str(response["MessageId"])

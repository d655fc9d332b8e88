"""Sign-up codes on the local emulator (local/verification.py) and its outbox (local/outbox.py, /dev/outbox).

Cognito texts or e-mails a 6-digit code on SignUp and ResendConfirmationCode and refuses a
wrong one on ConfirmSignUp; moto 5.2.5 does none of it. Against the real local stack, through
boto3 as any Cognito client would call it.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import requests
from botocore.exceptions import ClientError

from .browser_helpers import code_from_outbox, outbox
from .conftest import LocalStack

PASSWORD = "phone-pass-2026"


def _phone() -> str:
    return f"+92300{uuid.uuid4().int % 10**7:07d}"


def _error(call: Any) -> str:
    with pytest.raises(ClientError) as raised:
        call()
    return str(raised.value.response["Error"]["Code"])


def _sign_up(stack: LocalStack, username: str, attribute: str) -> dict[str, Any]:
    cognito = stack.client("cognito-idp")
    answer: dict[str, Any] = cognito.sign_up(ClientId=stack.client_id, Username=username, Password=PASSWORD,
                                             UserAttributes=[{"Name": attribute, "Value": username}])
    return answer


def _sign_in(stack: LocalStack, username: str) -> dict[str, Any]:
    result: dict[str, Any] = stack.client("cognito-idp").initiate_auth(
        ClientId=stack.client_id, AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD})
    return result


def test_a_phone_sign_up_texts_a_code_that_only_confirms_when_right(stack: LocalStack) -> None:
    cognito = stack.client("cognito-idp")
    phone = _phone()

    answer = _sign_up(stack, phone, "phone_number")

    assert answer["UserConfirmed"] is False
    assert answer["CodeDeliveryDetails"] == {"Destination": f"+{'*' * 8}{phone[-4:]}", "DeliveryMedium": "SMS",
                                             "AttributeName": "phone_number"}
    [sms] = [sent for sent in outbox(stack.web_url) if sent["recipient"] == phone]
    assert sms["channel"] == "sms"
    assert re.fullmatch(r"Made in Pakistan code: \d{6}", sms["text"])  # the pool's SmsVerificationMessage
    code = code_from_outbox(stack.web_url, phone)
    assert f"sign-up code {code} sent by SMS to +********{phone[-4:]}" in stack.output  # printed, masked
    assert phone not in stack.output
    assert _error(lambda: _sign_in(stack, phone)) == "UserNotConfirmedException"
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert _error(lambda: cognito.confirm_sign_up(ClientId=stack.client_id, Username=phone,
                                                  ConfirmationCode=wrong)) == "CodeMismatchException"
    assert _error(lambda: _sign_in(stack, phone)) == "UserNotConfirmedException"

    cognito.confirm_sign_up(ClientId=stack.client_id, Username=phone, ConfirmationCode=code)

    tokens = _sign_in(stack, phone)["AuthenticationResult"]
    user = cognito.get_user(AccessToken=tokens["AccessToken"])
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["phone_number"] == phone
    assert attributes["phone_number_verified"] == "true"
    assert _error(lambda: cognito.confirm_sign_up(ClientId=stack.client_id, Username=phone,
                                                  ConfirmationCode=code)) == "NotAuthorizedException"


def test_a_resent_code_replaces_the_first(stack: LocalStack) -> None:
    cognito = stack.client("cognito-idp")
    phone = _phone()
    _sign_up(stack, phone, "phone_number")
    first = code_from_outbox(stack.web_url, phone)

    resent = cognito.resend_confirmation_code(ClientId=stack.client_id, Username=phone)

    assert resent["CodeDeliveryDetails"]["DeliveryMedium"] == "SMS"
    assert len([sent for sent in outbox(stack.web_url) if sent["recipient"] == phone]) == 2
    second = code_from_outbox(stack.web_url, phone)
    if first != second:  # one chance in a million that they are the same
        assert _error(lambda: cognito.confirm_sign_up(ClientId=stack.client_id, Username=phone,
                                                      ConfirmationCode=first)) == "CodeMismatchException"
    cognito.confirm_sign_up(ClientId=stack.client_id, Username=phone, ConfirmationCode=second)
    assert _error(lambda: cognito.resend_confirmation_code(ClientId=stack.client_id, Username=phone)) \
        == "InvalidParameterException"
    assert _error(lambda: cognito.resend_confirmation_code(ClientId=stack.client_id, Username=_phone())) \
        == "UserNotFoundException"


def test_an_email_sign_up_emails_the_code(stack: LocalStack) -> None:
    email = f"new-{uuid.uuid4().hex[:10]}@test.mip.pk"

    answer = _sign_up(stack, email, "email")

    assert answer["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert answer["CodeDeliveryDetails"]["Destination"] == "n***@t***"
    [mail] = [sent for sent in outbox(stack.web_url) if sent["recipient"] == email]
    assert mail["channel"] == "email"
    stack.client("cognito-idp").confirm_sign_up(ClientId=stack.client_id, Username=email,
                                                ConfirmationCode=code_from_outbox(stack.web_url, email))
    assert "IdToken" in _sign_in(stack, email)["AuthenticationResult"]


def test_the_outbox_shows_any_sms_the_emulator_sends_newest_first(stack: LocalStack) -> None:
    phone = _phone()
    sns = stack.client("sns")
    sns.publish(PhoneNumber=phone, Message="خوش آمدید: first")
    sns.publish(PhoneNumber=phone, Message="second")

    listed = [sent for sent in outbox(stack.web_url) if sent["recipient"] == phone]

    assert [sent["text"] for sent in listed] == ["second", "خوش آمدید: first"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", sent["at"]) for sent in listed)
    page = requests.get(f"{stack.web_url}/dev/outbox", timeout=10)
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "خوش آمدید: first" in page.text and phone in page.text

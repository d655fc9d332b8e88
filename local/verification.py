"""Sign-up verification codes on the emulator, as Cognito sends and checks them.

moto 5.2.5 sends no code on `SignUp`, confirms `ConfirmSignUp` whatever code it is given,
and does not implement `ResendConfirmationCode` (its server answers 500). Cognito texts
a code to a phone number (through SNS) or e-mails it, and refuses a wrong one. This
middleware, in front of moto, does the same with moto's own SNS and SES, so the code lands
in the emulator's outbox (`local/outbox.py`, shown at `/dev/outbox`) and in the stack's
log; ConfirmSignUp then checks it:
- `SignUp` (after moto registers the user): a fresh 6-digit code, valid 24 hours, by SMS to
  `phone_number` when the pool auto-verifies phone numbers, else by e-mail; the answer's
  `CodeDeliveryDetails` names the medium and the masked destination, as Cognito's does;
- `ResendConfirmationCode`: a new code (the old one stops working); 400
  `UserNotFoundException` for an unknown user, `InvalidParameterException` if already confirmed;
- `ConfirmSignUp`: 400 `CodeMismatchException` for a wrong code, `ExpiredCodeException` for
  an expired one (or none sent), `NotAuthorizedException` if already confirmed; the right
  code confirms the user (moto) and marks the attribute that received it verified.
Local only: the code is printed to the stack's log, which no AWS code path does.
"""

from __future__ import annotations

import functools
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from moto.cognitoidp.models import CognitoIdpUser, CognitoIdpUserPool, UserStatus
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from local.emulator import CognitoError, _cognito_answer, _json_loads, _pool_of_client, _read_body
from local.outbox import OUTBOX, Outbox

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_TARGET = "AWSCognitoIdentityProviderService."
CODE_SECONDS = 24 * 3600  # Cognito's confirmation codes are valid for 24 hours
# Cognito's own defaults, where the pool does not set its messages.
DEFAULT_SMS = "Your verification code is {####}."
DEFAULT_EMAIL = "Your verification code is {####}."
EMAIL_SUBJECT = "Your verification code"
SENDER = "no-reply@verificationemail.com"


def mask(destination: str) -> str:
    """Cognito's masked destination: `+*******4567` for a phone, `a***@e***` for an e-mail address."""
    if "@" in destination:
        local, domain = destination.split("@", 1)
        return f"{local[:1]}***@{domain[:1]}***"
    return f"+{'*' * max(len(destination) - 5, 0)}{destination[-4:]}"


class CognitoVerification:
    """WSGI middleware: SignUp's code sent, ResendConfirmationCode answered, ConfirmSignUp's code checked."""

    def __init__(self, app: WsgiApp, *, outbox: Outbox = OUTBOX, say: Callable[[str], None] | None = None) -> None:
        self._app = app
        self._outbox = outbox
        self._say = say or functools.partial(print, flush=True)
        self._lock = threading.Lock()
        self._codes: dict[tuple[str, str], tuple[str, float]] = {}  # (pool id, sub) -> (code, expires at)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        action = target[len(_TARGET):] if target.startswith(_TARGET) else ""
        if environ.get("REQUEST_METHOD") != "POST" or action not in ("SignUp", "ConfirmSignUp",
                                                                     "ResendConfirmationCode"):
            return self._app(environ, start_response)
        try:
            request = _json_loads(_read_body(environ))
        except ValueError:
            return self._app(environ, start_response)  # moto answers the malformed request
        if not isinstance(request, dict):
            return self._app(environ, start_response)
        try:
            if action == "SignUp":
                return self._sign_up(request, environ, start_response)
            if action == "ConfirmSignUp":
                return self._confirm(request, environ, start_response)
            return _cognito_answer(environ, start_response, None, body=self._resend(request))
        except CognitoError as error:
            return _cognito_answer(environ, start_response, error)

    def _sign_up(self, request: dict[str, Any], environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        answered: list[tuple[str, list[tuple[str, str]]]] = []
        body = b"".join(self._app(environ, lambda status, headers, exc_info=None: answered.append((status, headers))))
        status, headers = answered[-1]
        found = _pool_of_client(str(request.get("ClientId")))
        user = found[0]._get_user(str(request.get("Username"))) if found and status.startswith("200") else None
        if found is None or user is None:
            start_response(status, headers)
            return [body]
        answer = json.loads(body)
        details = self._send_code(found[0], user)
        if details is None:
            answer.pop("CodeDeliveryDetails", None)
        else:
            answer["CodeDeliveryDetails"] = details
        rewritten = json.dumps(answer).encode()
        start_response(status, [(name, value) for name, value in headers if name.lower() != "content-length"]
                       + [("Content-Length", str(len(rewritten)))])
        return [rewritten]

    def _resend(self, request: dict[str, Any]) -> dict[str, Any]:
        pool, user = self._user(request)
        if user.status is not UserStatus.UNCONFIRMED:
            raise CognitoError("InvalidParameterException", "User is already confirmed.")
        details = self._send_code(pool, user)
        if details is None:
            raise CognitoError("InvalidParameterException", "Cannot resend codes. Auto verification not turned on.")
        return {"CodeDeliveryDetails": details}

    def _confirm(self, request: dict[str, Any], environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        pool, user = self._user(request)
        if user.status is not UserStatus.UNCONFIRMED:
            raise CognitoError("NotAuthorizedException",
                               f"User cannot be confirmed. Current status is {UserStatus(user.status).value}")
        given = str(request.get("ConfirmationCode") or "")
        with self._lock:
            code, expires_at = self._codes.get((pool.id, user.id), ("", 0.0))
        if not code or time.time() > expires_at:
            raise CognitoError("ExpiredCodeException", "Invalid code provided, please request a code again.")
        if not hmac.compare_digest(given.encode(), code.encode()):
            raise CognitoError("CodeMismatchException", "Invalid verification code provided, please try again.")
        answered: list[str] = []

        def recording(status: str, headers: Any, exc_info: Any = None) -> Any:
            answered.append(status)
            return start_response(status, headers, exc_info)

        body = b"".join(self._app(environ, recording))
        if answered and answered[-1].startswith("200"):
            with self._lock:
                self._codes.pop((pool.id, user.id), None)
            medium = "phone_number" if self._sends_sms(pool, user) else "email"
            user.update_attributes([{"Name": f"{medium}_verified", "Value": "true"}])
        return [body]

    @staticmethod
    def _user(request: dict[str, Any]) -> tuple[CognitoIdpUserPool, CognitoIdpUser]:
        client_id, username = request.get("ClientId"), request.get("Username")
        if not isinstance(client_id, str) or not isinstance(username, str) or not client_id or not username:
            raise CognitoError("InvalidParameterException", "ClientId and Username are required.")
        found = _pool_of_client(client_id)
        if found is None:
            raise CognitoError("ResourceNotFoundException", f"Client {client_id} does not exist.")
        user = found[0]._get_user(username)
        if user is None:
            raise CognitoError("UserNotFoundException", "Username/client id combination not found.")
        return found[0], user

    @staticmethod
    def _sends_sms(pool: CognitoIdpUserPool, user: CognitoIdpUser) -> bool:
        return ("phone_number" in user.attribute_lookup
                and "phone_number" in pool.extended_config.get("AutoVerifiedAttributes", []))

    def _send_code(self, pool: CognitoIdpUserPool, user: CognitoIdpUser) -> dict[str, str] | None:
        """A new code for the user, texted or e-mailed through the emulator; the CodeDeliveryDetails."""
        auto_verified = pool.extended_config.get("AutoVerifiedAttributes", [])
        code = f"{secrets.randbelow(10**6):06d}"
        if self._sends_sms(pool, user):
            medium, attribute = "SMS", "phone_number"
            destination = user.attribute_lookup[attribute]
            text = str(pool.extended_config.get("SmsVerificationMessage") or DEFAULT_SMS).replace("{####}", code)
            sns_backends[pool.account_id][pool.region].publish(text, None, phone_number=destination)
        elif "email" in user.attribute_lookup and "email" in auto_verified:
            medium, attribute = "EMAIL", "email"
            destination = user.attribute_lookup[attribute]
            text = str(pool.extended_config.get("EmailVerificationMessage") or DEFAULT_EMAIL).replace("{####}", code)
            ses = ses_backends[pool.account_id][pool.region]
            ses.verify_email_identity(SENDER)
            ses.send_email(SENDER, EMAIL_SUBJECT, text, {"ToAddresses": [destination]})
        else:
            return None
        with self._lock:
            self._codes[(pool.id, user.id)] = (code, time.time() + CODE_SECONDS)
        self._outbox.stamp()
        self._say(f"local-aws: sign-up code {code} sent by {medium} to {mask(destination)} (see /dev/outbox)")
        return {"Destination": mask(destination), "DeliveryMedium": medium, "AttributeName": attribute}

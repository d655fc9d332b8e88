"""A registry import through the real local stack: ops create it, the file goes up by the presigned POST,
the emulator's S3 notifies the import queue, the stack's pump hands the message to the worker, and an
imported artisan signs in with the phone number and the temporary password of the welcome SMS."""

from __future__ import annotations

import csv
import io
import re
import time
from typing import Any

import pytest
import requests

from chalicelib.onboarding.rules import normalise_phone
from tools.registry_file import generate

from .conftest import LocalStack, User

ROWS = 60
# The worker's designed pace is 10 rows/s (chalicelib/onboarding/pace.py): 60 rows take about 6 s.
DONE_WITHIN_SECONDS = 60
WELCOME_WITHIN_SECONDS = 30
_PASSWORD = re.compile(r"([A-Za-z0-9]{10})\s*$")


def api(stack: LocalStack, method: str, path: str, user: User | None = None, body: Any = None,
        token: str | None = None) -> requests.Response:
    headers = user.headers if user is not None else {"Authorization": f"Bearer {token}"}
    return requests.request(method, f"{stack.api_url}{path}", json=body, headers=headers, timeout=10)


def upload_registry(stack: LocalStack, ops: User, data: bytes) -> dict[str, Any]:
    """What the dashboard does: create the import, then post the file with every field of the grant."""
    created = api(stack, "POST", "/ops/artisan-imports", ops, {"size_bytes": len(data)})
    assert created.status_code == 201, created.text
    document: dict[str, Any] = created.json()
    assert document["status"] == "waiting_upload"
    assert document["upload"]["url"].startswith(stack.aws_url + "/")
    posted = requests.post(document["upload"]["url"], data=document["upload"]["fields"],
                           files={"file": ("registry.csv", data, "text/csv")}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text
    return document


def wait_until_done(stack: LocalStack, ops: User, import_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + DONE_WITHIN_SECONDS
    document: dict[str, Any] = {}
    while time.monotonic() < deadline:
        response = api(stack, "GET", f"/ops/artisan-imports/{import_id}", ops)
        assert response.status_code == 200, response.text
        document = response.json()
        if document["status"] in ("done", "failed"):
            return document
        time.sleep(0.5)
    pytest.fail(f"the import was not done within {DONE_WITHIN_SECONDS} s: {document}")


def welcome_sms(stack: LocalStack, phone: str) -> str:
    """The text of the SMS the emulator's SNS took for `phone`, from the stack's outbox page: the welcome
    the notifier sends once the relay (or the sweep) hands it the row's event; the local stack has no
    quiet hours (SMS_QUIET_HOURS is empty there)."""
    deadline = time.monotonic() + WELCOME_WITHIN_SECONDS
    texts: list[str] = []
    while time.monotonic() < deadline:
        outbox = requests.get(f"{stack.web_url}/dev/outbox.json", timeout=10)
        assert outbox.status_code == 200
        texts = [item["text"] for item in outbox.json()["items"] if item["channel"] == "sms"
                 and item["recipient"] == phone]
        if texts:
            break
        time.sleep(0.5)
    assert len(texts) == 1, f"{len(texts)} SMS to the imported artisan"
    return str(texts[0])


@pytest.fixture(scope="module")
def ops(stack: LocalStack) -> User:
    return stack.user("ops")


def test_a_registry_file_becomes_artisans_who_sign_in_by_phone(stack: LocalStack, ops: User) -> None:
    registry = generate(ROWS, seed=2101, invalid_share=0.1, duplicate_share=0.08)
    assert all(registry.expected.values())  # created, duplicates and rejected rows all present
    import_id = upload_registry(stack, ops, registry.data)["import_id"]

    document = wait_until_done(stack, ops, import_id)
    assert document["status"] == "done", document
    assert document["total"] == document["processed"] == ROWS
    assert {name: document[name] for name in ("created", "duplicates", "rejected")} == registry.expected

    report = requests.get(document["errors_url"], timeout=10)
    assert report.status_code == 200
    lines = list(csv.DictReader(io.StringIO(report.content.decode("utf-8"))))
    assert [int(line["row"]) for line in lines if line["outcome"] == "rejected"] == registry.rejected_rows
    assert [int(line["row"]) for line in lines if line["outcome"] == "duplicate"] == registry.duplicate_rows
    assert len(lines) == registry.expected["rejected"] + registry.expected["duplicates"]
    assert all(line["reason"] for line in lines)

    listed = api(stack, "GET", "/ops/artisan-imports?limit=5", ops).json()["items"]
    assert listed[0]["import_id"] == import_id and listed[0]["status"] == "done"

    # The last row created is the newest SMS: it signs in as the SMS says, and must choose a password.
    records = list(csv.reader(io.StringIO(registry.data.decode("utf-8-sig"))))
    refused = set(registry.rejected_rows) | set(registry.duplicate_rows)
    created_rows = [number for number in range(2, ROWS + 2) if number not in refused]
    row = dict(zip(records[0], records[created_rows[-1] - 1], strict=True))
    phone = normalise_phone(row["phone"])
    assert phone is not None
    text = welcome_sms(stack, phone)
    assert phone in text and "پاس ورڈ" in text  # Urdu by default, with the sign-in name
    match = _PASSWORD.search(text)
    assert match, text

    cognito = stack.client("cognito-idp")
    challenge = cognito.initiate_auth(ClientId=stack.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                      AuthParameters={"USERNAME": phone, "PASSWORD": match.group(1)})
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    signed_in = cognito.respond_to_auth_challenge(
        ClientId=stack.client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": phone, "NEW_PASSWORD": "my-own-pass-2026"})
    token = signed_in["AuthenticationResult"]["IdToken"]

    me = api(stack, "GET", "/artisans/me", token=token)
    assert me.status_code == 200, me.text
    profile = me.json()
    assert profile["display_name"] == row["display_name"]
    assert profile["phone"] == phone
    assert profile["verification"] == ("verified" if row["verified"] == "true" else "pending")

    again = cognito.initiate_auth(ClientId=stack.client_id, AuthFlow="USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": phone, "PASSWORD": "my-own-pass-2026"})
    assert "AuthenticationResult" in again  # the new password is the one now

"""Registry imports through the real app on moto in-process: presigned POST, the import queue, the worker.

Faults are injected at the AWS protocol boundary with botocore hooks (as in test_faults.py): an
`after-call` handler that raises models a worker that dies after AWS did the work but before it
heard back. Nothing in `chalicelib` is patched.
"""
from __future__ import annotations

import csv
import io
import json
import threading
import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
import requests
from chalice.local import LambdaContext

from chalicelib.notifications.service import relay_pending
from harness.aws import Aws
from harness.environment import REGION
from harness.http import body_of, call, code_of
from harness.imports import drain_imports, import_of, sms_sent, start_import
from harness.notifications import deliver
from tools.registry_file import HEADER, generate

COUNTS = ("created", "duplicates", "rejected")
DAY = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)  # 10:00 in Pakistan: outside SMS quiet hours


def welcomes_sent(aws: Aws) -> list[tuple[str, str]]:
    """The notifier given what the relay queued (each created row's welcome), then every SMS sent."""
    deliver(aws, now=DAY)
    return sms_sent(aws)


@pytest.fixture
def ops(aws: Aws) -> Any:
    return aws.user("ops")


def counts(document: dict[str, Any]) -> dict[str, int]:
    return {name: document[name] for name in COUNTS}


def users_in_pool(aws: Aws) -> list[dict[str, Any]]:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    users: list[dict[str, Any]] = []
    for page in cognito.get_paginator("list_users").paginate(UserPoolId=aws.env["COGNITO_USER_POOL_ID"]):
        users += page["Users"]
    return [user for user in users if any(a["Name"] == "phone_number" for a in user["Attributes"])]


def artisans_group(aws: Aws) -> set[str]:
    cognito = boto3.client("cognito-idp", region_name=REGION)
    members = cognito.list_users_in_group(UserPoolId=aws.env["COGNITO_USER_POOL_ID"], GroupName="artisans")
    return {user["Username"] for user in members["Users"]}


def error_report(url: str) -> list[dict[str, str]]:
    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def test_an_import_creates_each_valid_row_once_and_counts_and_reports_the_others(client, aws, ops):
    registry = generate(40, seed=11, invalid_share=0.15, duplicate_share=0.1)
    assert registry.expected["rejected"] and registry.expected["duplicates"]  # the file exercises all three
    import_id = start_import(client, ops, registry.data)
    assert import_of(client, ops, import_id)["status"] == "waiting_upload"
    drain_imports(aws)

    document = import_of(client, ops, import_id)
    assert document["status"] == "done"
    assert document["total"] == document["processed"] == 40
    assert counts(document) == registry.expected
    report = error_report(document["errors_url"])
    assert [int(line["row"]) for line in report if line["outcome"] == "rejected"] == registry.rejected_rows
    assert [int(line["row"]) for line in report if line["outcome"] == "duplicate"] == registry.duplicate_rows
    assert all(line["reason"] for line in report)

    users = users_in_pool(aws)
    assert len(users) == registry.expected["created"]
    assert {user["Username"] for user in users} <= artisans_group(aws) | {user["Username"] for user in users}
    assert len(artisans_group(aws)) == registry.expected["created"]
    texts = welcomes_sent(aws)
    assert len(texts) == registry.expected["created"]  # one welcome each
    assert len({phone for phone, _ in texts}) == len(texts)
    assert all("پاس ورڈ" in text for _, text in texts)  # Urdu by default


def test_an_imported_artisan_has_the_profile_the_row_describes(client, aws, ops):
    rows = [HEADER, ("علی خان", "Pottery", "Sindh", "Hala", "0300-1112223", "1111122222223", "", "Blue pottery",
                     "نیلے برتن", "true"),
            HEADER[:6] + ("verified",), ]
    text = "\n".join(",".join(row) for row in rows[:2]) + "\n"
    import_id = start_import(client, ops, text.encode())
    drain_imports(aws)
    assert counts(import_of(client, ops, import_id)) == {"created": 1, "duplicates": 0, "rejected": 0}
    (user,) = users_in_pool(aws)
    sub = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
    public = body_of(call(client, "GET", f"/artisans/{sub}"))
    assert public["display_name"] == "علی خان"
    assert (public["craft"], public["province"], public["district"]) == ("pottery", "sindh", "Hala")
    assert public["verification"] == "verified"
    queue = body_of(call(client, "GET", "/ops/artisans?verification=verified", ops))["items"]
    (private,) = [item for item in queue if item["artisan_id"] == sub]
    assert private["phone"] == "+923001112223"
    assert private["cnic_last4"] == "2223"


def test_the_same_file_uploaded_twice_creates_nobody_twice(client, aws, ops):
    registry = generate(30, seed=12)
    first = start_import(client, ops, registry.data)
    drain_imports(aws)
    second = start_import(client, ops, registry.data)
    drain_imports(aws)
    assert counts(import_of(client, ops, first)) == registry.expected
    again = import_of(client, ops, second)
    assert again["status"] == "done"
    assert counts(again) == {"created": 0, "duplicates": registry.expected["created"] + registry.expected["duplicates"],
                             "rejected": registry.expected["rejected"]}
    assert len(users_in_pool(aws)) == registry.expected["created"]
    assert len(welcomes_sent(aws)) == registry.expected["created"]
    listed = body_of(call(client, "GET", "/ops/artisan-imports?limit=1", ops))
    assert [item["import_id"] for item in listed["items"]] == [second]  # newest first
    rest = body_of(call(client, "GET", f"/ops/artisan-imports?limit=5&cursor={listed['next_cursor']}", ops))
    assert [item["import_id"] for item in rest["items"]] == [first]


@pytest.mark.parametrize("operation", ["AdminCreateUser", "TransactWriteItems", "AdminAddUserToGroup"])
def test_a_worker_killed_mid_chunk_resumes_from_the_redelivered_message_with_exact_counts(
        client, aws, ops, hooks, operation):
    registry = generate(25, seed=13, invalid_share=0.1, duplicate_share=0.1)
    import_id = start_import(client, ops, registry.data)
    seen = {"calls": 0, "killed": 0}

    def die_after_aws_answered(http_response: Any, **_: Any) -> None:
        seen["calls"] += 1
        if seen["calls"] == 7 and http_response.status_code == 200:
            seen["killed"] += 1
            raise RuntimeError("the worker died after AWS did the work")

    service = "dynamodb" if operation == "TransactWriteItems" else "cognito-idp"
    hooks.add(f"after-call.{service}.{operation}", die_after_aws_answered)
    deliveries = drain_imports(aws)
    assert seen["killed"] == 1
    assert deliveries >= 2  # the killed delivery, then the redelivered message that finished the file

    document = import_of(client, ops, import_id)
    assert document["status"] == "done"
    assert counts(document) == registry.expected
    assert len(users_in_pool(aws)) == registry.expected["created"]  # nobody twice
    relay_pending()  # the sweep: a worker killed after a row's transaction never relayed its welcome
    texts = welcomes_sent(aws)
    assert len({phone for phone, _ in texts}) == registry.expected["created"]  # everyone welcomed
    assert len(texts) == registry.expected["created"]  # and once


def test_a_worker_short_of_time_sends_itself_a_continuation_and_the_next_one_finishes(client, aws, ops,
                                                                                       monkeypatch):
    from app import process_import_events
    from chalicelib.onboarding import worker

    monkeypatch.setattr(worker, "CHUNK_ROWS", 10)
    registry = generate(35, seed=14)
    import_id = start_import(client, ops, registry.data)
    short = {"left": 1}

    def handler(event: dict[str, Any], context: Any) -> Any:
        if short["left"]:  # the first invocation has only 30 s left after its first chunk
            short["left"] -= 1
            context = LambdaContext("process_import_events", memory_size=512, max_runtime_ms=30_000)
        return process_import_events(event, context)

    deliveries = drain_imports(aws, handler)
    assert deliveries == 2
    document = import_of(client, ops, import_id)
    assert (document["status"], counts(document)) == ("done", registry.expected)


def test_two_workers_on_one_import_at_once_count_exactly(client, aws, ops, hooks):
    """Both take every row; each row is settled by one of them. AWS serialises each request, as the local
    stack's emulator does (in-process moto would not: ARCHITECTURE.md)."""
    from app import process_import_events

    one_at_a_time = threading.Lock()

    def enter(**_: Any) -> None:
        one_at_a_time.acquire()

    def leave(**_: Any) -> None:
        one_at_a_time.release()

    hooks.add("before-call", enter)
    hooks.add("after-call", leave)
    registry = generate(30, seed=15, invalid_share=0.1, duplicate_share=0.1)
    import_id = start_import(client, ops, registry.data)
    sqs = boto3.client("sqs", region_name=REGION)
    queued = sqs.receive_message(QueueUrl=aws.env["IMPORT_QUEUE_URL"], MaxNumberOfMessages=10)["Messages"]
    (message,) = [queued_message for queued_message in queued if import_id in queued_message["Body"]]
    event = {"Records": [{"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
                          "body": message["Body"], "attributes": {}, "messageAttributes": {},
                          "md5OfBody": message["MD5OfBody"], "eventSource": "aws:sqs",
                          "eventSourceARN": "arn:aws:sqs:ap-south-1:123456789012:imports", "awsRegion": REGION}]}
    results: list[Any] = []

    def worker() -> None:
        results.append(process_import_events(event, LambdaContext("process_import_events", memory_size=512,
                                                                  max_runtime_ms=900_000)))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert results == [{"batchItemFailures": []}] * 2
    document = import_of(client, ops, import_id)
    assert document["status"] == "done"
    assert document["processed"] == 30
    assert counts(document) == registry.expected
    assert len(users_in_pool(aws)) == registry.expected["created"]
    assert len(welcomes_sent(aws)) == registry.expected["created"]


@pytest.mark.parametrize(("data", "reason"), [
    (b"display_name,craft\nAli,pottery\n", "lacks the column(s) province, district, phone, cnic"),
    ("display_name,craft,province,district,phone,cnic\nعلی".encode("utf-16"), "not UTF-8"),
    (b"\n", "lacks the column(s) display_name"),
], ids=["missing-columns", "utf-16", "blank"])
def test_a_file_that_is_not_a_registry_fails_the_import_with_the_reason(client, aws, ops, data, reason):
    import_id = start_import(client, ops, data)
    drain_imports(aws)
    document = import_of(client, ops, import_id)
    assert document["status"] == "failed"
    assert reason in document["failure_reason"]
    assert document["errors_url"] is None
    assert users_in_pool(aws) == []


def test_only_ops_start_and_read_imports_and_the_size_is_bounded(client, aws, ops):
    artisan = aws.user("artisans")
    assert call(client, "POST", "/ops/artisan-imports", artisan, {"size_bytes": 10}).status_code == 403
    assert call(client, "GET", "/ops/artisan-imports", artisan).status_code == 403
    too_big = call(client, "POST", "/ops/artisan-imports", ops, {"size_bytes": 52428801})
    assert too_big.status_code == 400 and code_of(too_big) == "VALIDATION_ERROR"
    assert call(client, "GET", "/ops/artisan-imports/RNOSUCHIMPORT000", ops).status_code == 404


def test_the_upload_policy_fixes_the_key_the_type_and_the_size(client, aws, ops):
    response = call(client, "POST", "/ops/artisan-imports", ops, {"size_bytes": 1234})
    created = body_of(response)
    assert created["status"] == "waiting_upload"
    fields = created["upload"]["fields"]
    assert fields["key"] == f"imports/{created['import_id']}.csv"
    policy = json.loads(__import__("base64").b64decode(fields["policy"]))
    assert ["content-length-range", 1, 1234] in policy["conditions"]
    assert {"key": fields["key"]} in policy["conditions"]


def test_the_import_is_recorded_in_the_audit_log(client, aws, ops):
    import_id = start_import(client, ops, generate(2, seed=16).data)
    table = boto3.resource("dynamodb", region_name=REGION).Table(aws.env["TABLE_AUDIT"])
    (entry,) = table.query(KeyConditionExpression=boto3.dynamodb.conditions.Key("target_id").eq(import_id))["Items"]
    assert (entry["action"], entry["actor_id"]) == ("artisan_import.created", ops.sub)


def test_import_rows_per_second_sets_the_workers_pace(client, aws, ops, monkeypatch):
    from chalicelib.wiring import get_settings, reset_settings

    monkeypatch.setenv("IMPORT_ROWS_PER_SECOND", "0")
    reset_settings()
    with pytest.raises(RuntimeError, match="IMPORT_ROWS_PER_SECOND"):
        get_settings()
    monkeypatch.setenv("IMPORT_ROWS_PER_SECOND", "2")
    reset_settings()
    registry = generate(5, seed=17, invalid_share=0, duplicate_share=0)
    import_id = start_import(client, ops, registry.data)
    started = time.monotonic()
    drain_imports(aws)
    # A bucket of 2 tokens refilled at 2 a second: the last 3 of 5 accounts wait 1.5 s in all.
    assert time.monotonic() - started >= 1.5
    assert counts(import_of(client, ops, import_id))["created"] == 5

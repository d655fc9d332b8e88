"""The local stack as `make run` starts it: it answers, serves the web, matches infra/, stops cleanly."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import jwt
import pytest
import requests

from local.emulator import LocalAws
from local.provision import load_template, provision, references
from local.pump import EventPump
from local.users import DEMO_USERS, sign_in

from .conftest import LocalStack, start_stack

TEMPLATE = load_template(
    Path(__file__).resolve().parents[2] / "infra" / "resources.yaml"
)


def resources_of(resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: spec.get("Properties", {})
        for logical_id, spec in TEMPLATE["Resources"].items()
        if spec["Type"] == resource_type
    }


def dev_name(value: Any, fallback: str) -> str:
    """A name property of the template as the local stack (Stage=dev) resolves it."""
    if value is None:
        return fallback
    if isinstance(value, dict):
        return str(value["Fn::Sub"]).replace("${Stage}", "dev")
    return str(value)


def test_health_answers(stack: LocalStack) -> None:
    response = requests.get(f"{stack.api_url}/health", timeout=5)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


JSON = "application/json; charset=utf-8"


def served_methods(stack: LocalStack, template: str) -> str:
    """The Allow header a path should carry: its methods in the served OpenAPI document."""
    paths = requests.get(f"{stack.api_url}/openapi.json", timeout=5).json()["paths"]
    return ", ".join(sorted(method.upper() for method in paths[template] if method != "parameters"))


def assert_error_shape(response: requests.Response, stack: LocalStack, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == JSON
    assert response.headers["Access-Control-Allow-Origin"] == stack.web_url
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_a_method_http_servers_do_not_serve_is_405_in_the_error_shape(stack: LocalStack) -> None:
    response = requests.request("TRACE", f"{stack.api_url}/health", timeout=5)

    assert_error_shape(response, stack, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == "GET"


@pytest.mark.parametrize(
    ("method", "path", "template"),
    [
        ("DELETE", "/health", "/health"),
        ("PUT", "/orders", "/orders"),
        ("PUT", "/listings/some-listing?currency=USD", "/listings/{listing_id}"),
        ("BREW", "/listings/some-listing", "/listings/{listing_id}"),
    ],
)
def test_an_undeclared_method_on_a_known_path_is_405_with_allow(
    stack: LocalStack, method: str, path: str, template: str
) -> None:
    response = requests.request(method, f"{stack.api_url}{path}", timeout=5)

    assert_error_shape(response, stack, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["Allow"] == served_methods(stack, template)


@pytest.mark.parametrize("method", ["GET", "POST", "TRACE", "OPTIONS"])
def test_an_unknown_path_is_404_in_the_error_shape(stack: LocalStack, method: str) -> None:
    plain = requests.request(method, f"{stack.api_url}/nope", timeout=5)
    # Chalice's own answer differed when a token came along (403, quoting the header back).
    with_token = requests.request(
        method, f"{stack.api_url}/listings/x/nope", headers={"Authorization": "Bearer abc.def.ghi"}, timeout=5
    )

    assert_error_shape(plain, stack, 404, "NOT_FOUND")
    assert_error_shape(with_token, stack, 404, "NOT_FOUND")
    assert "abc.def" not in with_token.text


def test_a_refused_request_leaves_the_kept_alive_connection_usable(stack: LocalStack) -> None:
    with requests.Session() as session:
        refused = session.request("TRACE", f"{stack.api_url}/health", data=b"x" * 5000, timeout=5)
        head = session.head(f"{stack.api_url}/health", timeout=5)
        health = session.get(f"{stack.api_url}/health", timeout=5)

    assert refused.status_code == 405
    assert (head.status_code, head.content) == (405, b"")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})


def test_web_page_is_served_as_utf8(stack: LocalStack) -> None:
    response = requests.get(f"{stack.web_url}/", timeout=5)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<meta charset="utf-8">' in response.content.decode("utf-8")


def test_web_server_refuses_paths_outside_web(stack: LocalStack) -> None:
    response = requests.get(f"{stack.web_url}/../app.py", timeout=5)
    encoded = requests.get(f"{stack.web_url}/%2e%2e/app.py", timeout=5)

    assert response.status_code == 404
    assert encoded.status_code == 404


def test_every_table_of_the_template_exists_with_its_keys_and_indexes(
    stack: LocalStack,
) -> None:
    dynamodb = stack.client("dynamodb")
    tables = resources_of("AWS::DynamoDB::Table")
    assert tables

    for logical_id, props in tables.items():
        table = dynamodb.describe_table(TableName=f"mip-local-{logical_id}")["Table"]
        assert table["KeySchema"] == props["KeySchema"], logical_id
        assert sorted(table["AttributeDefinitions"], key=str) == sorted(
            props["AttributeDefinitions"], key=str
        ), logical_id
        assert table["BillingModeSummary"]["BillingMode"] == props["BillingMode"]
        indexes = {
            index["IndexName"]: (
                index["KeySchema"],
                index["Projection"]["ProjectionType"],
            )
            for index in table.get("GlobalSecondaryIndexes", [])
        }
        assert indexes == {
            index["IndexName"]: (
                index["KeySchema"],
                index["Projection"]["ProjectionType"],
            )
            for index in props.get("GlobalSecondaryIndexes", [])
        }, logical_id
        ttl = dynamodb.describe_time_to_live(TableName=table["TableName"])
        wanted = props.get("TimeToLiveSpecification")
        if wanted:
            assert ttl["TimeToLiveDescription"] == {
                "TimeToLiveStatus": "ENABLED",
                "AttributeName": wanted["AttributeName"],
            }


def test_every_queue_exists_with_its_dead_letter_queue(stack: LocalStack) -> None:
    sqs = stack.client("sqs")
    queues = resources_of("AWS::SQS::Queue")
    arns = {}
    attributes = {}
    for logical_id, props in queues.items():
        name = dev_name(props.get("QueueName"), f"mip-local-{logical_id}")
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        attributes[logical_id] = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["All"]
        )["Attributes"]
        arns[logical_id] = attributes[logical_id]["QueueArn"]

    redriven = {k: p for k, p in queues.items() if "RedrivePolicy" in p}
    assert redriven
    for logical_id, props in redriven.items():
        policy = json.loads(attributes[logical_id]["RedrivePolicy"])
        (dlq,) = references(props["RedrivePolicy"]["deadLetterTargetArn"])
        assert policy["deadLetterTargetArn"] == arns[dlq]
        assert (
            int(policy["maxReceiveCount"]) == props["RedrivePolicy"]["maxReceiveCount"]
        )
        assert attributes[logical_id]["VisibilityTimeout"] == str(
            props["VisibilityTimeout"]
        )


def local_bucket_name(logical_id: str) -> str:
    """ImagesBucket -> mip-local-images, WebBucket -> mip-local-web."""
    words = re.findall(r"[A-Z][a-z0-9]*", logical_id.removesuffix("Bucket"))
    return "mip-local-" + "-".join(word.lower() for word in words)


def test_every_bucket_exists_and_uploads_notify_their_queues(
    stack: LocalStack,
) -> None:
    """Photos (uploads/) notify the image queue and registry files (imports/) the import queue, as in the template."""
    s3 = stack.client("s3")
    sqs = stack.client("sqs")
    buckets = resources_of("AWS::S3::Bucket")
    existing = {bucket["Name"] for bucket in s3.list_buckets()["Buckets"]}
    assert {local_bucket_name(logical_id) for logical_id in buckets} <= existing

    ((logical_id, props),) = [
        (logical_id, props)
        for logical_id, props in buckets.items()
        if "NotificationConfiguration" in props
    ]
    bucket = local_bucket_name(logical_id)
    assert bucket == "mip-local-images"
    cors = s3.get_bucket_cors(Bucket=bucket)["CORSRules"]
    assert [rule["AllowedOrigins"] for rule in cors] == [[stack.web_url]]
    assert [sorted(rule["AllowedMethods"]) for rule in cors] == [
        sorted(rule["AllowedMethods"])
        for rule in props["CorsConfiguration"]["CorsRules"]
    ]
    expected = []
    for wanted in props["NotificationConfiguration"]["QueueConfigurations"]:
        (queue_id,) = references(wanted["Queue"])
        queue_props = resources_of("AWS::SQS::Queue")[queue_id]
        queue_url = sqs.get_queue_url(QueueName=dev_name(queue_props["QueueName"], ""))["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        expected.append((queue_arn, [wanted["Event"]], wanted["Filter"]["S3Key"]["Rules"]))
    notifications = s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
    assert sorted((c["QueueArn"], c["Events"], c["Filter"]["Key"]["FilterRules"]) for c in notifications) == sorted(
        expected)
    prefixes = {rule["Value"] for _, _, rules in expected for rule in rules if rule["Name"].lower() == "prefix"}
    assert prefixes == {"uploads/", "imports/"}


def test_the_user_pool_client_and_groups_exist(stack: LocalStack) -> None:
    cognito = stack.client("cognito-idp")
    (pool_props,) = resources_of("AWS::Cognito::UserPool").values()
    clients_props = resources_of("AWS::Cognito::UserPoolClient").values()

    pool = cognito.describe_user_pool(UserPoolId=stack.user_pool_id)["UserPool"]
    assert pool["Name"] == dev_name(pool_props["UserPoolName"], "")
    assert pool["UsernameAttributes"] == pool_props["UsernameAttributes"]
    # Every app client of the template (the storefront's, and any other), by name.
    clients = {
        listed["ClientName"]: cognito.describe_user_pool_client(
            UserPoolId=stack.user_pool_id, ClientId=listed["ClientId"]
        )["UserPoolClient"]
        for listed in cognito.list_user_pool_clients(UserPoolId=stack.user_pool_id, MaxResults=60)[
            "UserPoolClients"
        ]
    }
    assert sorted(clients) == sorted(dev_name(props["ClientName"], "") for props in clients_props)
    for props in clients_props:
        client = clients[dev_name(props["ClientName"], "")]
        assert sorted(client["ExplicitAuthFlows"]) == sorted(props["ExplicitAuthFlows"])
    assert stack.client_id in {client["ClientId"] for client in clients.values()}
    groups = {
        g["GroupName"]
        for g in cognito.list_groups(UserPoolId=stack.user_pool_id)["Groups"]
    }
    assert groups == {
        props["GroupName"]
        for props in resources_of("AWS::Cognito::UserPoolGroup").values()
    }


def test_a_created_user_signs_in_with_a_token_of_the_pool(stack: LocalStack) -> None:
    user = stack.user("artisans")

    jwks = requests.get(
        f"{stack.aws_url}/{stack.user_pool_id}/.well-known/jwks.json", timeout=5
    )
    assert user.token.count(".") == 2
    assert jwks.status_code == 200
    assert jwks.json()["keys"]


def test_the_seeded_stack_signs_in_its_printed_demo_users(
    seeded_stack: LocalStack,
) -> None:
    cognito = seeded_stack.client("cognito-idp")
    sign_ins = [
        line.split()[1:4:2]
        for line in seeded_stack.lines
        if line.startswith("  ") and "@" in line and " / " in line
    ]

    assert len(sign_ins) == len(DEMO_USERS)
    # Staff give their authenticator's code too: the banner prints the demo ops user's secret.
    secrets = re.findall(r"python -m local\.totp (\S+)", seeded_stack.output)
    assert len(secrets) == 1
    for email, password in sign_ins:
        staff = email.startswith("ops@")
        token = sign_in(
            cognito,
            client_id=seeded_stack.ops_client_id if staff else seeded_stack.client_id,
            email=email,
            password=password,
            totp_secret=secrets[0] if staff else None,
        )
        claims = jwt.decode(token, options={"verify_signature": False})
        assert ("ops" in claims.get("cognito:groups", [])) == staff


def _processes_in_group(pgid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    found.append(int(entry.name))
            except ProcessLookupError:
                continue
    return found


@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"]
)
def test_a_signal_stops_the_stack_cleanly_leaving_no_process(
    sig: signal.Signals,
) -> None:
    own = start_stack()
    pgid = own.process.pid

    started = time.monotonic()
    code = own.stop(sig)

    assert code == 0, own.output
    assert time.monotonic() - started < 10
    assert _processes_in_group(pgid) == []
    for url in (own.api_url, own.web_url, own.aws_url):
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=2)


@pytest.fixture(scope="module")
def image_queue() -> Iterator[tuple[Any, dict[str, str]]]:
    """A provisioned emulator of our own, for driving the event pump directly."""
    aws = LocalAws("127.0.0.1", 0)
    aws.start()
    try:
        env = provision(aws.endpoint_url).environment
        sqs = boto3.client(
            "sqs",
            endpoint_url=aws.endpoint_url,
            region_name="ap-south-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        yield sqs, env
    finally:
        aws.stop()


def _drain(sqs: Any, url: str) -> None:
    while sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        sqs.purge_queue(QueueUrl=url)


def test_the_pump_passes_the_lambda_sqs_event_and_sends_failures_to_the_dlq(
    image_queue: tuple[Any, dict[str, str]],
) -> None:
    sqs, env = image_queue
    url = env["IMAGE_QUEUE_URL"]
    dlq = sqs.get_queue_url(QueueName="mip-local-ImageEventsDLQ")["QueueUrl"]
    _drain(sqs, url)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    events: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        events.append(event)
        assert context.function_name == "process_image_events"
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]}
                for r in event["Records"]
                if r["body"] == "bad"
            ]
        }

    pump = EventPump(
        sqs=sqs,
        queue_url=url,
        queue_arn=arn,
        on_images=handler,
        sweep=lambda event, context: None,
        sweep_seconds=60,
        region="ap-south-1",
        retry_seconds=0,
    )
    sqs.send_message(QueueUrl=url, MessageBody="good")
    sqs.send_message(QueueUrl=url, MessageBody="bad")
    deadline = time.monotonic() + 15
    while sum(len(e["Records"]) for e in events) < 4 and time.monotonic() < deadline:
        pump.deliver_images()
    pump.deliver_images()

    record = events[0]["Records"][0]
    assert set(record) == {
        "messageId",
        "receiptHandle",
        "body",
        "attributes",
        "messageAttributes",
        "md5OfBody",
        "eventSource",
        "eventSourceARN",
        "awsRegion",
    }
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        "aws:sqs",
        arn,
        "ap-south-1",
    )
    bodies = [r["body"] for e in events for r in e["Records"]]
    assert sorted(bodies) == ["bad", "bad", "bad", "good"]
    dead = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in dead] == ["bad"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)


def test_the_pump_retries_a_batch_whose_handler_raised_and_keeps_sweeping(
    image_queue: tuple[Any, dict[str, str]],
) -> None:
    sqs, env = image_queue
    url = env["IMAGE_QUEUE_URL"]
    _drain(sqs, url)
    calls: list[str] = []
    sweeps: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> None:
        calls.append(event["Records"][0]["body"])
        if len(calls) == 1:
            raise RuntimeError("first delivery fails")

    def sweep(event: dict[str, Any], context: Any) -> None:
        sweeps.append(event)
        raise RuntimeError("a failing sweep must not stop the next one")

    pump = EventPump(
        sqs=sqs,
        queue_url=url,
        queue_arn="arn:aws:sqs:ap-south-1:123456789012:q",
        on_images=handler,
        sweep=sweep,
        sweep_seconds=0.1,
        region="ap-south-1",
        retry_seconds=0,
    )
    sqs.send_message(QueueUrl=url, MessageBody="flaky")
    pump.start()
    deadline = time.monotonic() + 10
    while (len(calls) < 2 or len(sweeps) < 3) and time.monotonic() < deadline:
        time.sleep(0.05)
    stopping = time.monotonic()
    pump.stop()

    assert calls[:2] == ["flaky", "flaky"]
    assert len(sweeps) >= 3
    assert sweeps[0]["detail-type"] == "Scheduled Event"
    assert sweeps[0]["source"] == "aws.events"
    assert time.monotonic() - stopping < 3
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)

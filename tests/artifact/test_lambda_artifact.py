"""The Lambda package itself, run the way Lambda runs it, against the local emulator.

build/deployment.zip is unpacked into a fresh directory and loaded by a bare interpreter (`-I -S`)
whose path holds only that directory and the SDK the python3.13 runtime provides (boto3 and its
pure-Python dependencies, at the pinned versions): not the venv. The handlers that the packaged
template names get the events AWS would hand them: API Gateway proxy events for `app.app`, an SQS
event carrying the bucket's notification of a real upload for `app.process_image_events`, and an
EventBridge scheduled event for `app.sweep_expired_orders`.

The other tiers run the source tree on the venv; only this one would see a module that Chalice left
out, native code built for another Python, or a library the package's native code found on this
machine and Lambda will not have (a Pillow built from source loads Debian's libjpeg.so.62).
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
import yaml  # type: ignore[import-untyped]
from PIL import Image

from local.emulator import LocalAws
from local.provision import provision
from local.stack import StackSettings, app_environment
from local.users import new_signed_in_user
from tools.lambda_runtime import foreign_libraries, isolated_python, provide_runtime_sdk, unpack
from tools.registry_file import generate

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "build" / "deployment.zip"
TEMPLATE = ROOT / "build" / "sam.yaml"
BOOTSTRAP = Path(__file__).with_name("lambda_bootstrap.py")
HOST = "127.0.0.1"
REGION = "ap-south-1"
ACCOUNT = "123456789012"
FUNCTIONS = {"APIHandler": "app.app", "ProcessImageEvents": "app.process_image_events",
             "ProcessImportEvents": "app.process_import_events", "SweepExpiredOrders": "app.sweep_expired_orders",
             "SendNotifications": "app.send_notifications", "WeeklyPayoutRun": "app.weekly_payout_run"}
# An order's stock is held this long (0.02 min = 1.2 s), so the sweep has one to expire.
RESERVATION_MINUTES = "0.02"
REPLY_TIMEOUT_SECONDS = 60
# Libraries the package's native code opens with dlopen() when this machine has them and does without
# on Lambda: no wheel bundles them and no DT_NEEDED names them.
OPTIONAL_LIBRARIES = {
    "libfribidi.so.0": "PIL._imagingft, for bidirectional text layout (PIL.features.check('fribidi'))",
}


@dataclass(frozen=True)
class Emulator:
    aws_url: str
    env: dict[str, str]

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.aws_url, region_name=REGION,
                            aws_access_key_id="local", aws_secret_access_key="local")

    def user(self, group: str | None = None) -> tuple[str, str]:
        """A confirmed user (in `group`), signed in as the API expects (ops with a TOTP code): sub and ID token."""
        sub, token, _ = new_signed_in_user(
            self.client("cognito-idp"), pool_id=self.env["COGNITO_USER_POOL_ID"],
            client_id=self.env["COGNITO_CLIENT_ID"], ops_client_id=self.env["COGNITO_OPS_CLIENT_ID"],
            email=f"{group or 'buyer'}-{uuid.uuid4().hex[:12]}@artifact.test", password="Artifact-2026",
            groups=(group,) if group else ())
        return sub, token


class LambdaProcess:
    """The package in the isolated interpreter, one request at a time (tests/artifact/lambda_bootstrap.py)."""

    def __init__(self, task_root: Path, runtime_sdk: Path, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._stderr = log.open("w")
        self.process = subprocess.Popen(isolated_python(task_root, runtime_sdk, BOOTSTRAP.read_text()),
                                        cwd=task_root, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self._stderr, text=True)

    def ask(self, request: dict[str, Any]) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            pytest.fail(f"the Lambda process exited ({self.process.wait()}):\n{self.log.read_text()[-4000:]}")
        reply = json.loads(line)
        if "error" in reply:
            pytest.fail(f"{request.get('invoke', 'inspect')} raised:\n{reply['error']}")
        return reply["result"]

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        return self.ask({"invoke": FUNCTIONS[function], "function": function, "event": event})

    def api(self, method: str, resource: str, *, token: str | None = None, body: Any = None,
            headers: dict[str, str] | None = None, **path_parameters: str) -> tuple[int, Any]:
        """`app.app` on a REST API proxy event; the status and the decoded JSON body."""
        response = self.invoke("APIHandler", api_event(method, resource, token=token, body=body, headers=headers,
                                                       path_parameters=path_parameters))
        if response["statusCode"] >= 500:
            pytest.fail(f"{method} {resource}: {response}\n{self.log.read_text()[-4000:]}")
        return response["statusCode"], json.loads(response["body"]) if response.get("body") else None

    def close(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.close()
        code = self.process.wait(timeout=REPLY_TIMEOUT_SECONDS)
        self._stderr.close()
        return code


def api_event(method: str, resource: str, *, token: str | None, body: Any, headers: dict[str, str] | None,
              path_parameters: dict[str, str]) -> dict[str, Any]:
    """The API Gateway (REST API, payload 1.0) proxy event for one request on stage `api`."""
    path = resource.format(**path_parameters)
    domain = f"abc123defg.execute-api.{REGION}.amazonaws.com"
    sent = {"Host": domain, "User-Agent": "artifact-test", "Accept": "application/json", "X-Forwarded-Proto": "https",
            **({"Content-Type": "application/json"} if body is not None else {}),
            **({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
    return {
        "resource": resource, "path": path, "httpMethod": method,
        "headers": sent, "multiValueHeaders": {name: [value] for name, value in sent.items()},
        "queryStringParameters": None, "multiValueQueryStringParameters": None,
        "pathParameters": path_parameters or None, "stageVariables": None,
        "requestContext": {
            "resourcePath": resource, "httpMethod": method, "path": f"/api{path}", "stage": "api",
            "requestId": str(uuid.uuid4()), "accountId": ACCOUNT, "apiId": "abc123defg", "domainName": domain,
            "protocol": "HTTP/1.1", "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "artifact-test"},
        },
        "body": json.dumps(body) if body is not None else None, "isBase64Encoded": False,
    }


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS event source mapping passes for these received messages."""
    return {"Records": [{
        "messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
        "attributes": message.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": REGION,
    } for message in messages]}


def scheduled_event(rule: str) -> dict[str, Any]:
    """The event EventBridge passes to a scheduled function."""
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
            "account": ACCOUNT, "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"], "detail": {}}


def photo() -> bytes:
    """A real 1600 x 1200 JPEG, as a phone would upload it."""
    buffer = io.BytesIO()
    Image.effect_noise((1600, 1200), 40).convert("RGB").save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    if not PACKAGE.is_file() or not TEMPLATE.is_file():
        pytest.fail(f"{PACKAGE} is missing: `make package` (or `make test`, which builds it) first", pytrace=False)
    loaded: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text())
    return loaded


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    """moto's server on a free port, provisioned from infra/resources.yaml, as `make run` starts it."""
    local_aws = LocalAws(HOST, 0)
    local_aws.start()
    try:
        settings = StackSettings.from_env({"AWS_PORT": str(local_aws.port), "RESERVATION_MINUTES": RESERVATION_MINUTES})
        provisioned = provision(local_aws.endpoint_url, region=REGION, parameters={"AllowedOrigin": settings.web_url})
        env = {
            "AWS_ENDPOINT_URL": local_aws.endpoint_url, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION,
            **app_environment(settings, provisioned.environment, {}),
        }
        yield Emulator(local_aws.endpoint_url, env)
    finally:
        local_aws.stop()


@pytest.fixture(scope="module")
def lambda_process(template: dict[str, Any], emulator: Emulator,
                   tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaProcess]:
    """The package unpacked into a fresh directory, loaded by a bare interpreter with the function environment."""
    root = tmp_path_factory.mktemp("lambda")
    task_root = unpack(PACKAGE, root / "task")
    runtime_sdk = provide_runtime_sdk(root / "runtime")
    variables = template["Resources"]["APIHandler"]["Properties"].get("Environment", {}).get("Variables", {})
    env = {
        "PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "TZ": ":UTC", "LAMBDA_TASK_ROOT": str(task_root),
        **{name: value for name, value in variables.items() if isinstance(value, str)},
        **emulator.env,
    }
    process = LambdaProcess(task_root, runtime_sdk, env, root / "stderr.log")
    yield process
    assert process.close() == 0, process.log.read_text()[-4000:]


def test_the_template_runs_this_python_and_names_the_handlers(template: dict[str, Any],
                                                               lambda_process: LambdaProcess) -> None:
    python = lambda_process.ask({"inspect": True})["python"]
    functions = {name: resource["Properties"] for name, resource in template["Resources"].items()
                 if resource["Type"] == "AWS::Serverless::Function"}
    assert {name: (p["Runtime"], p["Handler"]) for name, p in functions.items()} == {
        name: (f"python{python}", handler) for name, handler in FUNCTIONS.items()}
    assert all(p.get("Architectures", ["x86_64"]) == ["x86_64"] for p in functions.values())


def test_health(lambda_process: LambdaProcess) -> None:
    assert lambda_process.api("GET", "/health") == (200, {"status": "ok"})


def test_a_photographed_listing_is_ordered_and_its_unpaid_order_expires(lambda_process: LambdaProcess,
                                                                        emulator: Emulator) -> None:
    api = lambda_process.api
    artisan_id, artisan = emulator.user("artisans")
    _, ops = emulator.user("ops")
    _, buyer = emulator.user()
    profile = {"display_name": "Zainab Potters", "craft": "pottery", "province": "sindh", "district": "Hala",
               "phone": "+923331234567", "cnic": "41303-1234567-8"}
    assert api("PUT", "/artisans/me", token=artisan, body=profile)[0] == 201
    status, body = api("POST", "/ops/artisans/{artisan_id}/verification", token=ops, body={"decision": "verified"},
                       artisan_id=artisan_id)
    assert status == 200, body
    listing = {"title": "Blue glazed bowl", "title_ur": "نیلا پیالہ", "category": "pottery",
               "price": {"amount": 180000, "currency": "PKR"}, "stock": 4, "weight_grams": 600, "processing_days": 2}
    status, created = api("POST", "/listings", token=artisan, body=listing)
    assert status == 201, created
    listing_id = created["listing_id"]

    # The photo: a grant, the browser's presigned POST to the bucket, the bucket's notification through SQS.
    jpeg = photo()
    status, grant = api("POST", "/listings/{listing_id}/images", token=artisan, listing_id=listing_id,
                        body={"content_type": "image/jpeg", "size_bytes": len(jpeg)})
    assert status == 201, grant
    posted = requests.post(grant["upload"]["url"], data=grant["upload"]["fields"],
                           files={"file": ("bowl.jpg", jpeg, "image/jpeg")}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text
    messages, queue_arn = _queue_messages(emulator, emulator.env["IMAGE_QUEUE_URL"], grant["image_id"])
    assert lambda_process.invoke("ProcessImageEvents", sqs_event(messages, queue_arn)) == {"batchItemFailures": []}

    status, stored = api("GET", "/listings/{listing_id}", token=artisan, listing_id=listing_id)
    image = next(i for i in stored["images"] if i["image_id"] == grant["image_id"])
    assert (image["status"], image["width"], image["height"]) == ("ready", 1600, 1200), image
    s3 = emulator.client("s3")
    renditions = s3.list_objects_v2(Bucket=emulator.env["IMAGES_BUCKET"], Prefix=f"public/{listing_id}/")["Contents"]
    assert len(renditions) == 3, renditions
    for rendition in renditions:
        picture = Image.open(io.BytesIO(s3.get_object(Bucket=emulator.env["IMAGES_BUCKET"],
                                                      Key=rendition["Key"])["Body"].read()))
        assert picture.format == "JPEG" and picture.width <= 1600

    status, published = api("POST", "/listings/{listing_id}/publish", token=artisan, listing_id=listing_id)
    assert status == 200, published
    order_body = {"items": [{"listing_id": listing_id, "quantity": 1}], "currency": "PKR",
                  "payment_method": "jazzcash",
                  "shipping_address": {"name": "Ayesha Khan", "phone": "+923001112223", "line1": "House 12, Street 4",
                                       "city": "Lahore", "region": "Punjab", "postal_code": "54000", "country": "PK"}}
    status, order = api("POST", "/orders", token=buyer, body=order_body, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert status == 201, order
    assert order["status"] == "pending_payment"
    assert api("GET", "/listings/{listing_id}", token=artisan, listing_id=listing_id)[1]["stock"] == 3

    # Unpaid past its reservation: the scheduled sweep expires it and gives the stock back.
    time.sleep(max(0.0, (datetime.fromisoformat(order["expires_at"]) - datetime.now(UTC)).total_seconds()) + 0.2)
    swept = lambda_process.invoke("SweepExpiredOrders", scheduled_event("sweep-expired-orders"))
    assert swept == {"expired": 1, "repaired": 0}
    assert api("GET", "/orders/{order_id}", token=buyer, order_id=order["order_id"])[1]["status"] == "expired"
    assert api("GET", "/listings/{listing_id}", token=artisan, listing_id=listing_id)[1]["stock"] == 4


def _queue_messages(emulator: Emulator, queue_url: str, wanted: str) -> tuple[list[dict[str, Any]], str]:
    """The messages on a queue until one mentions `wanted` (10 s at most), and the queue's ARN."""
    sqs = emulator.client("sqs")
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while not any(wanted in m["Body"] for m in messages) and time.monotonic() < deadline:
        messages += sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                        AttributeNames=["All"]).get("Messages", [])
    assert any(wanted in m["Body"] for m in messages), messages
    return [m for m in messages if wanted in m["Body"]], queue_arn


def test_a_registry_file_becomes_artisans_through_the_packaged_import_worker(lambda_process: LambdaProcess,
                                                                              emulator: Emulator) -> None:
    """The import worker as it ships: Cognito accounts, claims, profiles, the error report; then the
    packaged notifier's welcome SMS."""
    _, ops = emulator.user("ops")
    registry = generate(12, seed=4242, invalid_share=0.2, duplicate_share=0.1)
    status, created = lambda_process.api("POST", "/ops/artisan-imports", token=ops,
                                         body={"size_bytes": len(registry.data)})
    assert status == 201, created
    posted = requests.post(created["upload"]["url"], data=created["upload"]["fields"],
                           files={"file": ("registry.csv", registry.data, "text/csv")}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text
    messages, queue_arn = _queue_messages(emulator, emulator.env["IMPORT_QUEUE_URL"], created["import_id"])
    assert lambda_process.invoke("ProcessImportEvents", sqs_event(messages, queue_arn)) == {"batchItemFailures": []}

    status, done = lambda_process.api("GET", "/ops/artisan-imports/{import_id}", token=ops,
                                      import_id=created["import_id"])
    assert status == 200, done
    assert (done["status"], done["total"], done["processed"]) == ("done", 12, 12), done
    assert {name: done[name] for name in ("created", "duplicates", "rejected")} == registry.expected
    report = requests.get(done["errors_url"], timeout=10)
    assert report.status_code == 200
    assert len(report.content.decode("utf-8").strip().splitlines()) == 1 + done["duplicates"] + done["rejected"]

    # Each created row's welcome, relayed from the row's transaction, sent by the packaged notifier (which
    # sets the password it carries: the worker may not, nor publish SMS), recorded with the password masked.
    welcome = f"artisan.welcome#{created['import_id']}#"
    sqs = emulator.client("sqs")
    url = emulator.env["NOTIFICATIONS_QUEUE_URL"]
    welcomes: list[dict[str, Any]] = []
    deadline = time.monotonic() + 10
    while len(welcomes) < done["created"] and time.monotonic() < deadline:
        welcomes += [m for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                                    AttributeNames=["All"]).get("Messages", [])
                     if welcome in m["Body"]]
    assert len(welcomes) == done["created"]
    notices_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert lambda_process.invoke("SendNotifications", sqs_event(welcomes, notices_arn)) == {"batchItemFailures": []}
    deliveries = emulator.client("dynamodb").scan(TableName=emulator.env["TABLE_DELIVERIES"], ConsistentRead=True)
    sent = [item for item in deliveries["Items"]
            if item["delivery_id"]["S"].startswith(welcome) and item["channel"]["S"] == "sms"]
    assert [item["status"]["S"] for item in sent] == ["sent"] * done["created"]  # no quiet hours locally
    assert all(item["body"]["S"].endswith("**********") for item in sent)


def test_the_packaged_notifier_tells_an_artisan_of_their_verification_once(lambda_process: LambdaProcess,
                                                                          emulator: Emulator) -> None:
    """The outbox event the API relays, handed twice to the notifier as it ships: one delivery, recorded."""
    artisan_id, artisan = emulator.user("artisans")
    _, ops = emulator.user("ops")
    profile = {"display_name": "Sughra Weaves", "craft": "textiles", "province": "punjab", "district": "Kasur",
               "phone": "+923331239876", "cnic": "35102-7654321-9"}
    assert lambda_process.api("PUT", "/artisans/me", token=artisan, body=profile)[0] == 201
    status, body = lambda_process.api("POST", "/ops/artisans/{artisan_id}/verification", token=ops,
                                      body={"decision": "verified"}, artisan_id=artisan_id)
    assert status == 200, body
    messages, queue_arn = _queue_messages(emulator, emulator.env["NOTIFICATIONS_QUEUE_URL"], artisan_id)
    for _ in range(2):  # SQS delivers at least once
        assert lambda_process.invoke("SendNotifications", sqs_event(messages, queue_arn)) == {"batchItemFailures": []}

    deliveries = emulator.client("dynamodb").scan(TableName=emulator.env["TABLE_DELIVERIES"], ConsistentRead=True)
    mine = [item for item in deliveries["Items"] if artisan_id in item["delivery_id"]["S"]]
    statuses = {item["channel"]["S"]: item["status"]["S"] for item in mine}
    assert len(mine) == 2 and statuses["email"] == "suppressed"  # an artisan is told by SMS unless they choose e-mail
    # An SMS decided in Pakistan's quiet hours (22:00-08:00) is held until the morning: recorded, not yet sent.
    assert statuses["sms"] in ("sent", "held")


def test_the_packaged_weekly_payout_run_starts_once_a_week(lambda_process: LambdaProcess) -> None:
    first = lambda_process.invoke("WeeklyPayoutRun", scheduled_event("weekly-payout-run"))
    again = lambda_process.invoke("WeeklyPayoutRun", scheduled_event("weekly-payout-run"))
    assert first["status"] == "ready" and again == first


def test_everything_ran_from_the_package_the_runtime_sdk_and_the_stdlib(lambda_process: LambdaProcess) -> None:
    """Every native module in the package imports, and nothing came from the venv or this machine's libraries."""
    report = lambda_process.ask({"inspect": True})
    assert report["failed"] == {}
    assert {"PIL._imaging", "cryptography.hazmat.bindings._rust", "pydantic_core._pydantic_core"} <= set(
        report["imported"])
    assert report["outside"] == []
    assert not any("site-packages" in entry for entry in report["sys_path"]), report["sys_path"]
    foreign = foreign_libraries(report["loaded"], Path(report["sys_path"][0]))
    assert foreign.keys() <= OPTIONAL_LIBRARIES.keys(), foreign

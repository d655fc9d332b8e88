"""The whole local stack in one process: emulator, API, web, event pump, demo data.

Order matters: the emulator first, then the environment every AWS client and
`chalicelib.config` reads, then the app (imported only once that environment
is in place), then the servers and the pump. Stopping runs the same steps in
reverse, so SIGINT/SIGTERM leave no thread or socket behind.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import secrets
import threading
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from local.contention import Contention
from local.emulator import LocalAws
from local.provision import provision
from local.pump import EventPump, Queue
from local.totp import otpauth_uri
from local.users import DemoUser, create_demo_users
from local.webserver import WebServer

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
REGION = "ap-south-1"


@dataclass(frozen=True)
class StackSettings:
    """What `make run` can be told through the environment (defaults from API.md)."""

    api_port: int
    aws_port: int
    web_port: int
    seed: bool
    reservation_minutes: str
    sweep_seconds: float
    commission_bps: str
    jazzcash_merchant_id: str
    jazzcash_integrity_salt: str
    card_webhook_secret: str

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> StackSettings:
        return cls(
            api_port=int(environ.get("API_PORT", "8000")),
            aws_port=int(environ.get("AWS_PORT", "4566")),
            web_port=int(environ.get("WEB_PORT", "8080")),
            seed=environ.get("SEED", "1") == "1",
            reservation_minutes=environ.get("RESERVATION_MINUTES", "30"),
            sweep_seconds=float(environ.get("SWEEP_SECONDS", "30")),
            commission_bps=environ.get("COMMISSION_BPS", "500"),
            jazzcash_merchant_id=environ.get("JAZZCASH_MERCHANT_ID", "MC00000"),
            jazzcash_integrity_salt=environ.get(
                "JAZZCASH_INTEGRITY_SALT", "local-integrity-salt"
            ),
            card_webhook_secret=environ.get("CARD_WEBHOOK_SECRET", "whsec_local"),
        )

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    @property
    def web_url(self) -> str:
        return f"http://{HOST}:{self.web_port}"

    @property
    def aws_url(self) -> str:
        return f"http://{HOST}:{self.aws_port}"


def aws_environment(settings: StackSettings) -> dict[str, str]:
    """Points every boto3/pynamodb client at the emulator, with harmless credentials."""
    return {
        "AWS_ENDPOINT_URL": settings.aws_url,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        # The emulator checks TOTP codes as Cognito does (moto skips the check unless told).
        "MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP": "true",
    }


def app_environment(
    settings: StackSettings, provisioned: Mapping[str, str], environ: Mapping[str, str]
) -> dict[str, str]:
    """Every variable `chalicelib.config` reads; secrets are random per run unless given."""
    return {
        **provisioned,
        "IMAGES_BASE_URL": f"{settings.aws_url}/{provisioned['IMAGES_BUCKET']}",
        "COGNITO_ENDPOINT": settings.aws_url,
        "CURSOR_SECRET": environ.get("CURSOR_SECRET") or secrets.token_hex(32),
        "CNIC_HASH_KEY": environ.get("CNIC_HASH_KEY") or secrets.token_hex(32),
        "RESERVATION_MINUTES": settings.reservation_minutes,
        "SWEEP_SECONDS": str(settings.sweep_seconds),
        "COMMISSION_BPS": settings.commission_bps,
        "RETURN_DAYS": environ.get("RETURN_DAYS", "14"),
        "JAZZCASH_MERCHANT_ID": settings.jazzcash_merchant_id,
        "JAZZCASH_PASSWORD": environ.get("JAZZCASH_PASSWORD", "local-password"),
        "JAZZCASH_INTEGRITY_SALT": settings.jazzcash_integrity_salt,
        "JAZZCASH_ACTION_URL": f"{settings.web_url}/sandbox/jazzcash",
        "CARD_ACTION_URL": f"{settings.web_url}/sandbox/card",
        "CARD_WEBHOOK_SECRET": settings.card_webhook_secret,
        # Refunds and inquiries go to the sandbox gateways' server APIs (local/sandbox.py).
        "CARD_API_URL": f"{settings.web_url}/sandbox/card-api",
        "CARD_API_KEY": environ.get("CARD_API_KEY", "sk_local"),
        "JAZZCASH_API_URL": f"{settings.web_url}/sandbox/jazzcash-api",
        # Easypaisa: the hosted checkout and the Inquire Transaction API are the sandbox's too.
        "EASYPAISA_STORE_ID": environ.get("EASYPAISA_STORE_ID", "10000"),
        "EASYPAISA_HASH_KEY": environ.get("EASYPAISA_HASH_KEY") or secrets.token_hex(8),
        "EASYPAISA_ACTION_URL": f"{settings.web_url}/sandbox/easypaisa",
        "EASYPAISA_API_URL": f"{settings.web_url}/sandbox/easypaisa-api",
        "EASYPAISA_ACCOUNT_NUM": environ.get("EASYPAISA_ACCOUNT_NUM", "100000001"),
        "EASYPAISA_INQUIRY_USERNAME": environ.get("EASYPAISA_INQUIRY_USERNAME", "local-inquiry"),
        "EASYPAISA_INQUIRY_PASSWORD": environ.get("EASYPAISA_INQUIRY_PASSWORD", "local-inquiry-password"),
        # No SMS quiet hours locally (unless asked for): the end-to-end tests read an imported artisan's
        # welcome SMS at any hour; the functional tests prove the quiet hours with a fixed clock.
        "SMS_QUIET_HOURS": environ.get("SMS_QUIET_HOURS", ""),
        "API_BASE_URL": settings.api_url,
        "STOREFRONT_URL": settings.web_url,
        "ALLOWED_ORIGIN": settings.web_url,
    }


BACKLOG = 256


class ApiServer:
    """The Chalice app behind Chalice's local server, in a thread."""

    def __init__(self, app: Any, port: int) -> None:
        from chalice.config import Config
        from chalice.local import ChaliceRequestHandler, create_local_server

        from chalicelib.http.operations import REGISTRY
        from local.edge import Edge, send_refusal

        declared: dict[str, set[str]] = {}
        for operation in REGISTRY:  # the methods each path takes, for Allow
            declared.setdefault(operation.path, set()).add(operation.method)
        edge = Edge(app.routes, declared)

        class NoDelayHandler(ChaliceRequestHandler):
            # Kept-alive connections otherwise wait ~40 ms on Nagle + delayed ACK.
            disable_nagle_algorithm = True

            def parse_request(self) -> bool:
                # Before any do_<METHOD>: an unknown path or a method its route does not
                # take (TRACE included) is answered in the contract's error shape.
                if not super().parse_request():
                    return False
                refusal = edge.refusal(self.command, self.path)
                if refusal is None:
                    return True
                send_refusal(self, refusal)
                return False

        config_file = ROOT / ".chalice" / "config.json"
        on_disk = json.loads(config_file.read_text()) if config_file.exists() else {}
        config = Config(chalice_stage="dev", config_from_disk=on_disk)
        self._local = create_local_server(app, config, HOST, port)
        # socketserver listens with a backlog of 5: a burst of buyers (a flash sale) got connection resets.
        self._local.server.socket.listen(BACKLOG)
        self._local.server.RequestHandlerClass = functools.partial(
            NoDelayHandler, app_object=app, config=config
        )
        self._thread = threading.Thread(
            target=self._local.server.serve_forever, name="api", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._local.server.shutdown()
        self._local.server.server_close()
        self._thread.join()


def serve_renditions(s3: Any, bucket: str) -> None:
    """Let anyone GET `public/*` from the emulator, which stands in for the CDN.

    On AWS the bucket stays private and CloudFront (with an Origin Access
    Control) serves the renditions; locally `IMAGES_BASE_URL` is the emulator's
    bucket URL, and moto answers an unsigned GET only when a bucket policy
    allows it. Uploads under `uploads/` stay private, as on AWS.
    """
    statement = {
        "Sid": "LocalCdnReadsRenditionsOnly",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/public/*",
    }
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def seed(cognito: Any, pool_id: str, client_id: str) -> dict[str, DemoUser]:
    """Demo users, then the demo catalogue if `local/seed.py` exists."""
    users = create_demo_users(cognito, pool_id=pool_id, client_id=client_id)
    try:
        seed_module = importlib.import_module("local.seed")
    except ModuleNotFoundError as error:
        if error.name != "local.seed":
            raise
        return users
    seed_module.seed_catalog(users)
    return users


def run(
    environ: Mapping[str, str],
    wait_for_stop: Callable[[], None],
    say: Callable[[str], None] = print,
) -> None:
    """Start everything, say READY, block in `wait_for_stop`, then stop in reverse order."""
    settings = StackSettings.from_env(environ)
    with ExitStack() as started:
        emulator = LocalAws(HOST, settings.aws_port, contention=Contention.from_env(environ))
        emulator.start()
        started.callback(emulator.stop)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            os.environ.pop(name, None)  # never a real account's credentials
        os.environ.update(aws_environment(settings))
        provisioned = provision(
            emulator.endpoint_url,
            region=REGION,
            parameters={"AllowedOrigin": settings.web_url},
        ).environment
        os.environ.update(app_environment(settings, provisioned, environ))
        serve_renditions(boto3.client("s3"), provisioned["IMAGES_BUCKET"])

        app_module = importlib.import_module("app")
        api = ApiServer(app_module.app, settings.api_port)
        api.start()
        started.callback(api.stop)

        web = WebServer(HOST, settings.web_port)
        web.start()
        started.callback(web.stop)

        sqs = boto3.client("sqs")
        queue_url = provisioned["IMAGE_QUEUE_URL"]
        pump = EventPump(
            sqs=sqs,
            queue_url=queue_url,
            queue_arn=sqs.get_queue_attributes(
                QueueUrl=queue_url, AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"],
            on_images=app_module.process_image_events,
            sweep=app_module.sweep_expired_orders,
            sweep_seconds=settings.sweep_seconds,
            region=REGION,
            queues=(
                Queue(
                    url=provisioned["IMPORT_QUEUE_URL"],
                    arn=sqs.get_queue_attributes(
                        QueueUrl=provisioned["IMPORT_QUEUE_URL"],
                        AttributeNames=["QueueArn"],
                    )["Attributes"]["QueueArn"],
                    handler=app_module.process_import_events,
                    function_name="process_import_events",
                    batch_size=1,
                ),
                # The outbox relay's events to the notifier (its SMS and e-mails land in /dev/outbox).
                Queue(
                    url=provisioned["NOTIFICATIONS_QUEUE_URL"],
                    arn=sqs.get_queue_attributes(
                        QueueUrl=provisioned["NOTIFICATIONS_QUEUE_URL"],
                        AttributeNames=["QueueArn"],
                    )["Attributes"]["QueueArn"],
                    handler=app_module.send_notifications,
                    function_name="send_notifications",
                ),
            ),
        )
        pump.start()
        started.callback(pump.stop)

        users: dict[str, DemoUser] = {}
        if settings.seed:
            users = seed(
                boto3.client("cognito-idp"),
                provisioned["COGNITO_USER_POOL_ID"],
                provisioned["COGNITO_CLIENT_ID"],
            )
        say(banner(settings, provisioned, users))
        say("READY")
        wait_for_stop()
        say("stopping")


def banner(
    settings: StackSettings,
    provisioned: Mapping[str, str],
    users: Mapping[str, DemoUser],
) -> str:
    lines = [
        f"API:        {settings.api_url}",
        f"Web:        {settings.web_url}",
        f"Local AWS:  {settings.aws_url}",
        f"User pool:  {provisioned['COGNITO_USER_POOL_ID']}",
        f"App client: {provisioned['COGNITO_CLIENT_ID']}",
        f"Ops client: {provisioned['COGNITO_OPS_CLIENT_ID']}",
        f"Sweep:      every {settings.sweep_seconds:g} s",
        f"Hold stock: {settings.reservation_minutes} min",
    ]
    if users:
        lines.append("Demo sign-ins (e-mail / password):")
        lines += [
            f"  {role:<9} {user['email']} / {user['password']}"
            for role, user in users.items()
        ]
        lines += [
            f"  {role} also gives an authenticator code: add {otpauth_uri(secret, account=user['email'])}"
            f" to an app, or run: .venv/bin/python -m local.totp {secret}"
            for role, user in users.items()
            if (secret := user.get("totp_secret"))
        ]
    return "\n".join(lines)

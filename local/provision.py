"""Create the resources of `infra/resources.yaml` on the local emulator.

The same template deploys to AWS, so the tables, queues, bucket and user pool
that the app sees locally cannot drift from production. moto's own
CloudFormation would not create the Cognito pool, hence this small provisioner:
it walks the template's resources in dependency order, resolves the intrinsic
functions, and calls the service APIs. Resource types the local stack does not
need (IAM, alarms, CDN, ...) are skipped. Rerunning it is harmless.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import yaml  # type: ignore[import-untyped]

from chalicelib.config import TABLE_ENV

TEMPLATE = Path(__file__).resolve().parent.parent / "infra" / "resources.yaml"
PREFIX = "mip-local"
ACCOUNT_ID = "123456789012"


# --- Reading the template -------------------------------------------------


class TemplateLoader(yaml.SafeLoader):
    """A YAML loader that turns CloudFormation short tags (`!Ref x`) into their long form."""


def _construct_tag(
    loader: yaml.SafeLoader, suffix: str, node: yaml.Node
) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    return {f"Fn::{suffix}": value}


TemplateLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        template: dict[str, Any] = yaml.load(handle, Loader=TemplateLoader)
    return template


# --- Resolving intrinsic functions ------------------------------------------

_NO_VALUE = object()
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


@dataclass
class Resolver:
    """Evaluates Ref, GetAtt, Sub, If, Equals, ... against parameters and created resources."""

    parameters: dict[str, Any]
    conditions: dict[str, Any]
    refs: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    region: str = "ap-south-1"

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.conditions[name]))

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::StackName": PREFIX,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": _NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.refs:
            return self.refs[name]
        raise KeyError(f"unresolvable Ref {name!r}")

    def get_att(self, logical_id: str, attribute: str) -> Any:
        try:
            return self.attributes[logical_id][attribute]
        except KeyError:
            raise KeyError(f"unresolvable GetAtt {logical_id}.{attribute}") from None

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            function = self._functions().get(key)
            if function is not None:
                return function(arg)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not _NO_VALUE}

    def _functions(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "Ref": lambda arg: self.ref(self.resolve(arg)),
            "Condition": lambda arg: self.condition(arg),
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::If": self._if,
            "Fn::Equals": lambda arg: self.resolve(arg[0]) == self.resolve(arg[1]),
            "Fn::Not": lambda arg: not self.resolve(arg[0]),
            "Fn::And": lambda arg: all(self.resolve(item) for item in arg),
            "Fn::Or": lambda arg: any(self.resolve(item) for item in arg),
            "Fn::Join": lambda arg: str(self.resolve(arg[0])).join(
                str(x) for x in self.resolve(arg[1])
            ),
            "Fn::Select": lambda arg: self.resolve(arg[1])[int(self.resolve(arg[0]))],
            "Fn::Split": lambda arg: str(self.resolve(arg[1])).split(
                self.resolve(arg[0])
            ),
            "Fn::GetAZs": lambda arg: [
                f"{self.region}a",
                f"{self.region}b",
                f"{self.region}c",
            ],
            "Fn::Base64": lambda arg: self.resolve(arg),
        }

    def _get_att(self, arg: Any) -> Any:
        logical_id, attribute = self.resolve(arg)
        return self.get_att(logical_id, attribute)

    def _if(self, arg: list[Any]) -> Any:
        name, when_true, when_false = arg
        return self.resolve(when_true if self.condition(name) else when_false)

    def _sub(self, arg: Any) -> str:
        text, variables = (
            (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
        )

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return str(self.get_att(*name.split(".", 1)))
            return str(self.ref(name))

        return _SUB_VARIABLE.sub(replace, text).replace("${!", "${")


def references(value: Any) -> set[str]:
    """Logical ids that a property value refers to (Ref, GetAtt, ${...} in Sub)."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= references(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(
                    item[0] if isinstance(item, list) else str(item).split(".", 1)[0]
                )
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                found |= {name.split(".", 1)[0] for name in _SUB_VARIABLE.findall(text)}
                found |= references(item[1:] if isinstance(item, list) else [])
            else:
                found |= references(item)
    return found


# --- Creating resources -----------------------------------------------------


@dataclass(frozen=True)
class Created:
    """What CloudFormation would report for a resource: its Ref value and its attributes."""

    ref: str
    attributes: dict[str, str]


class Provisioner:
    """Creates each supported resource type on the emulator, idempotently."""

    def __init__(
        self, session: boto3.session.Session, endpoint_url: str | None
    ) -> None:
        self._session = session
        self._endpoint_url = endpoint_url
        self._clients: dict[str, Any] = {}
        self.handlers: dict[str, Callable[[str, dict[str, Any]], Created]] = {
            "AWS::DynamoDB::Table": self.table,
            "AWS::SQS::Queue": self.queue,
            "AWS::S3::Bucket": self.bucket,
            "AWS::Cognito::UserPool": self.user_pool,
            "AWS::Cognito::UserPoolClient": self.user_pool_client,
            "AWS::Cognito::UserPoolGroup": self.user_pool_group,
            "AWS::SES::EmailIdentity": self.email_identity,
        }

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(
                service, endpoint_url=self._endpoint_url
            )
        return self._clients[service]

    def email_identity(self, logical_id: str, props: dict[str, Any]) -> Created:
        """The SES identity e-mails are sent from (the emulator's SES refuses any other sender)."""
        identity = props["EmailIdentity"]
        sesv2 = self.client("sesv2")
        try:
            sesv2.get_email_identity(EmailIdentity=identity)
        except sesv2.exceptions.NotFoundException:
            sesv2.create_email_identity(EmailIdentity=identity)
        return Created(identity, {})

    def table(self, logical_id: str, props: dict[str, Any]) -> Created:
        dynamodb = self.client("dynamodb")
        name = props.get("TableName") or f"{PREFIX}-{logical_id}"
        try:
            description = dynamodb.describe_table(TableName=name)["Table"]
        except dynamodb.exceptions.ResourceNotFoundException:
            request: dict[str, Any] = {
                "TableName": name,
                "KeySchema": props["KeySchema"],
                "AttributeDefinitions": props["AttributeDefinitions"],
                "BillingMode": props.get("BillingMode", "PROVISIONED"),
            }
            for key in (
                "GlobalSecondaryIndexes",
                "LocalSecondaryIndexes",
                "ProvisionedThroughput",
            ):
                if key in props:
                    request[key] = props[key]
            description = dynamodb.create_table(**request)["TableDescription"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            current = dynamodb.describe_time_to_live(TableName=name)[
                "TimeToLiveDescription"
            ]
            if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                dynamodb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={
                        "AttributeName": ttl["AttributeName"],
                        "Enabled": True,
                    },
                )
        return Created(name, {"Arn": description["TableArn"]})

    def queue(self, logical_id: str, props: dict[str, Any]) -> Created:
        sqs = self.client("sqs")
        name = props.get("QueueName") or f"{PREFIX}-{logical_id}"
        if props.get("FifoQueue") and not name.endswith(".fifo"):
            name += ".fifo"
        url = sqs.create_queue(
            QueueName=name,
            Attributes={"FifoQueue": "true"} if props.get("FifoQueue") else {},
        )["QueueUrl"]
        attributes = {
            key: json.dumps(value)
            if isinstance(value, dict)
            else str(value).lower()
            if isinstance(value, bool)
            else str(value)
            for key, value in props.items()
            if key not in ("QueueName", "FifoQueue", "Tags")
        }
        if attributes:
            sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        return Created(url, {"Arn": arn, "QueueName": name, "QueueUrl": url})

    def bucket(self, logical_id: str, props: dict[str, Any]) -> Created:
        s3 = self.client("s3")
        # Not BucketName: AWS needs globally unique names, the emulator short readable ones.
        name = f"{PREFIX}-{_kebab(logical_id.removesuffix('Bucket'))}"
        with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
            s3.create_bucket(
                Bucket=name,
                CreateBucketConfiguration={"LocationConstraint": self._session.region_name},
            )
        cors = props.get("CorsConfiguration")
        if cors:
            s3.put_bucket_cors(
                Bucket=name,
                CORSConfiguration={
                    "CORSRules": [_cors_rule(r) for r in cors["CorsRules"]]
                },
            )
        wanted = [
            _queue_notification(n)
            for n in props.get("NotificationConfiguration", {}).get(
                "QueueConfigurations", []
            )
        ]
        current = s3.get_bucket_notification_configuration(Bucket=name).get(
            "QueueConfigurations", []
        )
        if (
            wanted
            and [{k: v for k, v in c.items() if k != "Id"} for c in current] != wanted
        ):
            # Only when changed: every put sends an s3:TestEvent to the queue.
            s3.put_bucket_notification_configuration(
                Bucket=name, NotificationConfiguration={"QueueConfigurations": wanted}
            )
        return Created(
            name,
            {
                "Arn": f"arn:aws:s3:::{name}",
                "DomainName": f"{name}.s3.amazonaws.com",
                "RegionalDomainName": f"{name}.s3.{self._session.region_name}.amazonaws.com",
            },
        )

    def user_pool(self, logical_id: str, props: dict[str, Any]) -> Created:
        cognito = self.client("cognito-idp")
        name = props.get("UserPoolName") or f"{PREFIX}-{logical_id}"
        pools = cognito.list_user_pools(MaxResults=60)["UserPools"]
        pool_id = next((pool["Id"] for pool in pools if pool["Name"] == name), None)
        if pool_id is None:
            request = {key: props[key] for key in _USER_POOL_KEYS if key in props}
            pool_id = cognito.create_user_pool(PoolName=name, **request)["UserPool"][
                "Id"
            ]
        arn = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Arn"]
        return Created(
            pool_id,
            {
                "Arn": arn,
                "ProviderName": f"cognito-idp.{self._session.region_name}.amazonaws.com/{pool_id}",
                "ProviderURL": f"https://cognito-idp.{self._session.region_name}.amazonaws.com/{pool_id}",
                "UserPoolId": pool_id,
            },
        )

    def user_pool_client(self, logical_id: str, props: dict[str, Any]) -> Created:
        cognito = self.client("cognito-idp")
        pool_id = props["UserPoolId"]
        name = props.get("ClientName") or f"{PREFIX}-{logical_id}"
        clients = cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)[
            "UserPoolClients"
        ]
        client_id = next(
            (c["ClientId"] for c in clients if c["ClientName"] == name), None
        )
        if client_id is None:
            request = {key: props[key] for key in _CLIENT_KEYS if key in props}
            client_id = cognito.create_user_pool_client(
                UserPoolId=pool_id, ClientName=name, **request
            )["UserPoolClient"]["ClientId"]
        return Created(client_id, {"ClientId": client_id, "Name": name})

    def user_pool_group(self, logical_id: str, props: dict[str, Any]) -> Created:
        cognito = self.client("cognito-idp")
        pool_id = props["UserPoolId"]
        name = props.get("GroupName") or logical_id
        try:
            cognito.get_group(GroupName=name, UserPoolId=pool_id)
        except cognito.exceptions.ResourceNotFoundException:
            request = {
                key: props[key]
                for key in ("Description", "Precedence", "RoleArn")
                if key in props
            }
            cognito.create_group(GroupName=name, UserPoolId=pool_id, **request)
        return Created(name, {})


# Properties that only mean something on AWS and name resources the emulator does not create:
# the pool's SMS role (locally, local/verification.py delivers the codes).
_AWS_ONLY: dict[str, tuple[str, ...]] = {"AWS::Cognito::UserPool": ("SmsConfiguration",)}
_USER_POOL_KEYS = (
    "Policies",
    "SmsVerificationMessage",
    "SmsAuthenticationMessage",
    "UsernameAttributes",
    "AliasAttributes",
    "AutoVerifiedAttributes",
    "Schema",
    "MfaConfiguration",
    "AdminCreateUserConfig",
    "AccountRecoverySetting",
    "UsernameConfiguration",
)
_CLIENT_KEYS = (
    "GenerateSecret",
    "ExplicitAuthFlows",
    "PreventUserExistenceErrors",
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ReadAttributes",
    "WriteAttributes",
    "CallbackURLs",
    "LogoutURLs",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "SupportedIdentityProviders",
)


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    renamed = {"MaxAge": "MaxAgeSeconds", "ExposedHeaders": "ExposeHeaders"}
    return {renamed.get(key, key): value for key, value in rule.items() if key != "Id"}


def _queue_notification(config: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {"QueueArn": config["Queue"], "Events": [config["Event"]]}
    rules = config.get("Filter", {}).get("S3Key", {}).get("Rules")
    if rules:
        result["Filter"] = {"Key": {"FilterRules": rules}}
    return result


# --- The whole template -----------------------------------------------------


def creation_order(resources: dict[str, dict[str, Any]]) -> list[str]:
    """The logical ids in an order where everything a resource refers to comes first."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(logical_id: str) -> None:
        if logical_id in ordered:
            return
        if logical_id in visiting:
            raise ValueError(f"circular reference through {logical_id}")
        visiting.add(logical_id)
        spec = resources[logical_id]
        depends_on = spec.get("DependsOn", [])
        named = {depends_on} if isinstance(depends_on, str) else set(depends_on)
        wanted = references(spec.get("Properties", {})) | named
        for dependency in sorted(wanted & resources.keys()):
            visit(dependency)
        visiting.discard(logical_id)
        ordered.append(logical_id)

    for logical_id in resources:
        visit(logical_id)
    return ordered


@dataclass(frozen=True)
class Provisioned:
    """The physical resources created, by logical id, and the environment that the app reads."""

    resources: dict[str, tuple[str, Created]]
    environment: dict[str, str]


def provision(
    endpoint_url: str | None,
    *,
    region: str = "ap-south-1",
    parameters: dict[str, str] | None = None,
    template: dict[str, Any] | None = None,
) -> Provisioned:
    """Create every supported resource of the template on the emulator at endpoint_url.

    With endpoint_url None the clients use boto3's default endpoints, which is
    how the functional tests provision moto's in-process mock.
    """
    template = template if template is not None else load_template()
    session = boto3.session.Session(
        aws_access_key_id="local", aws_secret_access_key="local", region_name=region
    )
    provisioner = Provisioner(session, endpoint_url)
    defaults = {
        name: spec.get("Default")
        for name, spec in template.get("Parameters", {}).items()
    }
    resolver = Resolver(
        parameters={**defaults, "Stage": "dev", **(parameters or {})},
        conditions=template.get("Conditions", {}),
        region=region,
    )
    wanted = {
        logical_id: spec
        for logical_id, spec in template.get("Resources", {}).items()
        if spec["Type"] in provisioner.handlers
        and ("Condition" not in spec or resolver.condition(spec["Condition"]))
    }
    created: dict[str, tuple[str, Created]] = {}
    for logical_id in creation_order(wanted):
        spec = wanted[logical_id]
        props = resolver.resolve({key: value for key, value in spec.get("Properties", {}).items()
                                  if key not in _AWS_ONLY.get(spec["Type"], ())})
        result = provisioner.handlers[spec["Type"]](logical_id, props)
        resolver.refs[logical_id] = result.ref
        resolver.attributes[logical_id] = result.attributes
        created[logical_id] = (spec["Type"], result)
    return Provisioned(created, _environment(wanted, created, resolver))


def _environment(
    specs: dict[str, dict[str, Any]],
    created: dict[str, tuple[str, Created]],
    resolver: Resolver,
) -> dict[str, str]:
    by_type: dict[str, list[str]] = {}
    for logical_id, (resource_type, _) in created.items():
        by_type.setdefault(resource_type, []).append(logical_id)
    env = {
        var: created[logical_id][1].ref
        for logical_id, var in TABLE_ENV.items()
        if logical_id in created
    }
    queues_by_arn = {
        created[queue][1].attributes["Arn"]: queue
        for queue in by_type.get("AWS::SQS::Queue", [])
    }
    notified = {
        bucket: [queues_by_arn[arn] for arn in _notified_arns(specs[bucket], resolver)]
        for bucket in by_type.get("AWS::S3::Bucket", [])
    }
    # The images bucket is the one whose uploads notify a queue: the image queue.
    images = next((b for b, q in notified.items() if q), next(iter(notified), None))
    if images is not None:
        env["IMAGES_BUCKET"] = created[images][1].ref
        for queue in notified[images][:1]:
            env["IMAGE_QUEUE_NAME"] = created[queue][1].attributes["QueueName"]
            env["IMAGE_QUEUE_URL"] = created[queue][1].ref
    for resource_type, var in (
        ("AWS::Cognito::UserPool", "COGNITO_USER_POOL_ID"),
        ("AWS::Cognito::UserPoolClient", "COGNITO_CLIENT_ID"),
    ):
        for logical_id in by_type.get(resource_type, [])[:1]:
            env[var] = created[logical_id][1].ref
    # Registry files land under imports/ and notify their own queue (the import worker's).
    if "ImportEventsQueue" in created:
        env["IMPORT_QUEUE_NAME"] = created["ImportEventsQueue"][1].attributes["QueueName"]
        env["IMPORT_QUEUE_URL"] = created["ImportEventsQueue"][1].ref
    # The outbox relay's queue, read by the notifier.
    if "NotificationsQueue" in created:
        env["NOTIFICATIONS_QUEUE_URL"] = created["NotificationsQueue"][1].ref
    # The ops sign-in's own client (short-lived tokens); the API honours the ops role only in its tokens.
    if "OpsUserPoolClient" in created:
        env["COGNITO_OPS_CLIENT_ID"] = created["OpsUserPoolClient"][1].ref
    return env


def _notified_arns(bucket: dict[str, Any], resolver: Resolver) -> list[str]:
    """The ARNs of the queues that the bucket's notifications go to."""
    props = resolver.resolve(bucket.get("Properties", {}))
    configs = props.get("NotificationConfiguration", {}).get("QueueConfigurations", [])
    return [config["Queue"] for config in configs]

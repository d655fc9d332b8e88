"""The deployable template: what `make package` hands to CloudFormation, checked offline.

The template under test is the one Chalice packages (its functions, API and
schedule merged with `infra/resources.yaml`), generated in-process with the
deployment zip stubbed out: building the real zip pip-installs the Lambda
dependencies, which takes minutes and the network, and says nothing about the
template. `make package` builds the real thing; `make lint` runs cfn-lint on it.
"""
from __future__ import annotations

import json
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml

from chalicelib.config import SSM_BACKED, TABLE_ENV

ROOT = Path(__file__).resolve().parents[2]
MERGE_TEMPLATE = ROOT / "infra" / "resources.yaml"
FUNCTIONS = ("APIHandler", "ProcessImageEvents", "SweepExpiredOrders")
# The chalice names of the functions in .chalice/config.json's lambda_functions.
CHALICE_FUNCTIONS = ("api_handler", "process_image_events", "sweep_expired_orders")


@pytest.fixture(scope="module")
def packaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory `chalice package --stage prod --merge-template infra/resources.yaml` writes."""
    from chalice.cli.factory import CLIFactory
    from chalice.deploy.packager import LambdaDeploymentPackager
    from chalice.package import create_app_packager

    out = tmp_path_factory.mktemp("package")
    stub = out / "stub.zip"
    zipfile.ZipFile(stub, "w").close()
    with mock.patch.object(LambdaDeploymentPackager, "create_deployment_package", lambda *_: str(stub)), \
            mock.patch.dict(os.environ, {"AWS_DEFAULT_REGION": "ap-south-1"}):
        factory = CLIFactory(project_dir=str(ROOT), environ=dict(os.environ))
        config = factory.create_config_obj("prod")
        packager = create_app_packager(config, factory.create_package_options(), "cloudformation", "yaml",
                                       str(MERGE_TEMPLATE))
        packager.package_app(config, str(out), "prod")
    return out / "sam.yaml"


@pytest.fixture(scope="module")
def template(packaged: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(packaged.read_text(encoding="utf-8"))
    return loaded


def resources(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {logical_id: spec for logical_id, spec in template["Resources"].items() if spec["Type"] == resource_type}


def props(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    properties: dict[str, Any] = template["Resources"][logical_id]["Properties"]
    return properties


def statements(template: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every policy statement of the template: roles, managed policies, bucket and queue policies."""
    for logical_id, spec in template["Resources"].items():
        properties = spec.get("Properties", {})
        documents = [properties.get("PolicyDocument")]
        documents += [policy["PolicyDocument"] for policy in properties.get("Policies", [])
                      if isinstance(policy, dict) and "PolicyDocument" in policy]
        for document in documents:
            if document:
                for statement in document["Statement"]:
                    yield logical_id, statement


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# --- the template as a whole ------------------------------------------------


def test_cfn_lint_finds_nothing(packaged: Path) -> None:
    from cfnlint.api import ManualArgs, lint

    # Errors and warnings for the deployment region, as `make lint` runs it.
    matches = lint(packaged.read_text(encoding="utf-8"), config=ManualArgs(regions=["ap-south-1"]))

    assert [str(match) for match in matches] == []


def test_local_provisioning_reads_the_same_file() -> None:
    from local.provision import TEMPLATE

    assert TEMPLATE.resolve() == MERGE_TEMPLATE


def test_the_package_has_the_three_functions_the_api_and_the_schedule(template: dict[str, Any]) -> None:
    functions = resources(template, "AWS::Serverless::Function")
    assert sorted(functions) == sorted(FUNCTIONS)
    (schedule,) = props(template, "SweepExpiredOrders")["Events"].values()
    assert schedule["Type"] == "Schedule"
    assert schedule["Properties"]["Schedule"].startswith("rate(")
    assert resources(template, "AWS::Serverless::Api").keys() == {"RestAPI"}


# --- data -------------------------------------------------------------------


def test_every_table_is_on_demand_recoverable_encrypted_and_protected_in_prod(template: dict[str, Any]) -> None:
    tables = resources(template, "AWS::DynamoDB::Table")
    assert tables.keys() == TABLE_ENV.keys()
    for logical_id, spec in tables.items():
        properties = spec["Properties"]
        assert properties["BillingMode"] == "PAY_PER_REQUEST", logical_id
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, logical_id
        assert properties["SSESpecification"] == {"SSEEnabled": True}, logical_id
        assert properties["DeletionProtectionEnabled"] == {"Fn::If": ["IsProd", True, False]}, logical_id
    assert template["Conditions"]["IsProd"] == {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}


def test_idempotency_records_expire(template: dict[str, Any]) -> None:
    ttl = props(template, "IdempotencyTable")["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": "expires_at_epoch", "Enabled": True}


# --- images -----------------------------------------------------------------


def test_the_buckets_are_private_and_encrypted(template: dict[str, Any]) -> None:
    buckets = resources(template, "AWS::S3::Bucket")
    assert buckets.keys() == {"ImagesBucket", "WebBucket"}
    for logical_id, spec in buckets.items():
        properties = spec["Properties"]
        assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}, logical_id
        assert len(properties["PublicAccessBlockConfiguration"]) == 4, logical_id
        (rule,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms"), logical_id


def test_stale_uploads_are_removed_and_browsers_may_post_from_the_storefront(template: dict[str, Any]) -> None:
    images = props(template, "ImagesBucket")
    stale = [rule for rule in images["LifecycleConfiguration"]["Rules"] if rule.get("Prefix") == "uploads/"]
    assert stale and stale[0]["Status"] == "Enabled" and stale[0]["ExpirationInDays"] <= 2
    (cors,) = images["CorsConfiguration"]["CorsRules"]
    assert "POST" in cors["AllowedMethods"]
    assert cors["AllowedOrigins"] == [{"Ref": "AllowedOrigin"}]


def test_uploads_notify_the_queue_that_admits_only_this_bucket_without_a_cycle(template: dict[str, Any]) -> None:
    images = template["Resources"]["ImagesBucket"]
    (notification,) = images["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert notification["Queue"] == {"Fn::GetAtt": ["ImageEventsQueue", "Arn"]}
    assert notification["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "uploads/"}]
    # S3 tests the destination when the notification is set: the policy must exist first,
    # and it names the bucket by its fixed name, not by a reference back to the bucket.
    assert images["DependsOn"] == "ImageEventsQueuePolicy"
    policy = props(template, "ImageEventsQueuePolicy")
    assert policy["Queues"] == [{"Ref": "ImageEventsQueue"}]
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    bucket_name = images["Properties"]["BucketName"]["Fn::Sub"]
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == {
        "Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{bucket_name}"}
    assert "ImagesBucket" not in json.dumps(policy)


def test_failed_image_events_go_to_the_dlq_after_three_receives(template: dict[str, Any]) -> None:
    queue = props(template, "ImageEventsQueue")
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["ImageEventsDLQ", "Arn"]},
                                      "maxReceiveCount": 3}
    assert queue["VisibilityTimeout"] >= props(template, "ProcessImageEvents")["Timeout"]


def test_the_image_processor_reads_this_stacks_queue_and_reports_failures_per_message(
        template: dict[str, Any]) -> None:
    (event,) = props(template, "ProcessImageEvents")["Events"].values()
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::Sub": "${ImageEventsQueue.Arn}"}
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # The poller stays below the reserved concurrency, so SQS never meets a throttled function.
    ceiling = event["Properties"]["ScalingConfig"]["MaximumConcurrency"]
    assert max(ceiling["Fn::If"][1:]) < props(template, "ProcessImageEvents")["ReservedConcurrentExecutions"]


# --- CDN --------------------------------------------------------------------


def test_cloudfront_reads_both_buckets_through_origin_access_control(template: dict[str, Any]) -> None:
    config = props(template, "Distribution")["DistributionConfig"]
    origins = {origin["Id"]: origin for origin in config["Origins"]}
    assert origins["web"]["DomainName"] == {"Fn::GetAtt": ["WebBucket", "RegionalDomainName"]}
    assert origins["images"]["DomainName"] == {"Fn::GetAtt": ["ImagesBucket", "RegionalDomainName"]}
    for origin in origins.values():
        assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["CdnOriginAccessControl", "Id"]}
        assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "web"
    (renditions,) = config["CacheBehaviors"]
    assert renditions["PathPattern"] == "public/*" and renditions["TargetOriginId"] == "images"
    for behaviour in (config["DefaultCacheBehavior"], renditions):
        assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behaviour["AllowedMethods"] == ["GET", "HEAD"]


def test_the_bucket_policies_admit_this_distribution_only_and_only_to_what_it_serves(
        template: dict[str, Any]) -> None:
    distribution_arn = {"Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"}
    readable = {"WebBucketPolicy": "${WebBucket.Arn}/*", "ImagesBucketPolicy": "${ImagesBucket.Arn}/public/*"}
    for logical_id, resource in readable.items():
        allowed = [s for s in props(template, logical_id)["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
        assert allowed == [{
            "Sid": allowed[0]["Sid"], "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject", "Resource": {"Fn::Sub": resource},
            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
        }], logical_id


# --- permissions ------------------------------------------------------------


# X-Ray supports no resource-level permissions: "*" is the only resource these actions take.
NO_RESOURCE_LEVEL = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_no_allow_statement_grants_every_action_or_every_resource(template: dict[str, Any]) -> None:
    for logical_id, statement in statements(template):
        if statement["Effect"] != "Allow":
            continue
        actions = as_list(statement["Action"])
        for action in actions:
            assert action != "*" and not action.endswith(":*"), (logical_id, action)
        if set(actions) <= NO_RESOURCE_LEVEL:
            continue
        for resource in as_list(statement["Resource"]):
            assert resource != "*", (logical_id, statement)


def test_functions_trace_actively(template: dict[str, Any]) -> None:
    assert template["Globals"]["Function"]["Tracing"] == "Active"


def test_each_function_has_its_own_role(template: dict[str, Any]) -> None:
    roles = {function: props(template, function)["Role"] for function in FUNCTIONS}
    assert roles == {function: {"Fn::GetAtt": [f"{function}Role", "Arn"]} for function in FUNCTIONS}
    for function in FUNCTIONS:
        role = props(template, f"{function}Role")
        (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
        assert role["ManagedPolicyArns"] == [{"Ref": "FunctionSecretsPolicy"}, {"Ref": "FunctionTracingPolicy"}]


def table_access(template: dict[str, Any], role: str) -> set[str]:
    """The tables (and `<table>/index`) that a role may use."""
    granted = set()
    for logical_id, statement in statements(template):
        if logical_id == role and any(a.startswith("dynamodb:") for a in as_list(statement["Action"])):
            for resource in as_list(statement["Resource"]):
                if "Fn::GetAtt" in resource:
                    granted.add(resource["Fn::GetAtt"][0])
                else:
                    granted.add(resource["Fn::Sub"].replace("${", "").replace(".Arn}", "").removesuffix("/*"))
    return granted


def test_functions_reach_only_their_tables(template: dict[str, Any]) -> None:
    assert table_access(template, "APIHandlerRole") >= set(TABLE_ENV)
    assert table_access(template, "ProcessImageEventsRole") == {"ListingsTable"}
    assert table_access(template, "SweepExpiredOrdersRole") == {
        "OrdersTable", "OrdersTable/index", "ArtisanOrdersTable", "ListingsTable"}


def test_functions_read_their_parameters_and_decrypt_only_through_ssm(template: dict[str, Any]) -> None:
    document = props(template, "FunctionSecretsPolicy")["PolicyDocument"]
    read, decrypt = document["Statement"]
    assert read["Action"] == "ssm:GetParameters"
    environment = template["Globals"]["Function"]["Environment"]["Variables"]
    names = {environment[f"{name}_PARAM"]["Fn::Sub"] for name in SSM_BACKED}
    assert {arn["Fn::Sub"] for arn in read["Resource"]} == {
        f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{name}" for name in names}
    assert decrypt["Action"] == "kms:Decrypt"
    via_ssm = {"Fn::Sub": "ssm.${AWS::Region}.${AWS::URLSuffix}"}
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": via_ssm}}


# --- configuration ------------------------------------------------------------


def names_read_by_settings() -> tuple[set[str], set[str]]:
    """The variables `get_settings` requires, and those it reads with a default."""
    source = (ROOT / "chalicelib" / "config.py").read_text(encoding="utf-8")
    required = set(re.findall(r"""_env\(\s*["'](\w+)["']\s*[,)](?!\s*["'])""", source))
    required = {name for name in required if not re.search(rf"""_env\(\s*["']{name}["']\s*,\s*["']""", source)}
    optional = set(re.findall(r"""environ\.get\(\s*["'](\w+)["']""", source)) - {"AWS_REGION", "AWS_DEFAULT_REGION"}
    return required, optional


def test_the_functions_get_every_variable_that_settings_require(template: dict[str, Any]) -> None:
    environment = template["Globals"]["Function"]["Environment"]["Variables"]
    required, _ = names_read_by_settings()
    assert {"IMAGES_BUCKET", "CURSOR_SECRET", "STOREFRONT_URL"} <= required  # the parsing above works

    for name in required | set(TABLE_ENV.values()):
        assert name in environment or (name in SSM_BACKED and f"{name}_PARAM" in environment), name
    for logical_id, name in TABLE_ENV.items():
        assert environment[name] == {"Ref": logical_id}
    assert environment["IMAGES_BUCKET"] == {"Ref": "ImagesBucket"}
    assert environment["IMAGES_BASE_URL"] == {"Fn::Sub": "https://${Distribution.DomainName}"}
    assert environment["COGNITO_USER_POOL_ID"] == {"Ref": "UserPool"}
    assert environment["COGNITO_CLIENT_ID"] == {"Ref": "UserPoolClient"}
    assert environment["ALLOWED_ORIGIN"] == {"Ref": "AllowedOrigin"}


def test_secrets_are_named_never_given(template: dict[str, Any]) -> None:
    environment = template["Globals"]["Function"]["Environment"]["Variables"]
    assert not set(SSM_BACKED) & set(environment)
    for function in FUNCTIONS:
        assert not set(SSM_BACKED) & set(props(template, function).get("Environment", {}).get("Variables", {}))
    parameter = props(template, "ApiBaseUrlParameter")
    assert parameter["Name"] == environment["API_BASE_URL_PARAM"]
    assert parameter["Type"] == "String"


def test_config_json_sizes_every_function_and_names_no_resource_secret_or_url() -> None:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    assert config["app_name"] == "made-in-pakistan"
    forbidden = set(TABLE_ENV.values()) | set(SSM_BACKED) | {
        "IMAGES_BUCKET", "IMAGES_BASE_URL", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID", "ALLOWED_ORIGIN",
        "STOREFRONT_URL", "IMAGE_QUEUE_NAME"}
    assert not forbidden & set(config.get("environment_variables", {}))
    assert config["stages"].keys() == {"dev", "prod"}
    for stage_name, stage in config["stages"].items():
        assert not forbidden & set(stage.get("environment_variables", {})), stage_name
        assert stage["api_gateway_stage"] == "api"
        for function in CHALICE_FUNCTIONS:
            sizing = stage["lambda_functions"][function]
            assert {"lambda_memory_size", "lambda_timeout", "reserved_concurrency"} <= sizing.keys(), function


def test_api_gateway_throttles_each_stage(template: dict[str, Any]) -> None:
    (settings,) = props(template, "RestAPI")["MethodSettings"]
    assert settings["ResourcePath"] == "/*" and settings["HttpMethod"] == "*"
    assert "Fn::If" in settings["ThrottlingRateLimit"] and "Fn::If" in settings["ThrottlingBurstLimit"]


# --- operations ---------------------------------------------------------------


def alarms(template: dict[str, Any]) -> list[dict[str, Any]]:
    return [spec["Properties"] for spec in resources(template, "AWS::CloudWatch::Alarm").values()]


def watched(alarm: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(namespace, metric, first dimension's value as "Function argument") of each metric an alarm watches."""
    metrics = [alarm] if "MetricName" in alarm else [m["MetricStat"]["Metric"] for m in alarm["Metrics"]
                                                     if "MetricStat" in m]
    watched = []
    for metric in metrics:
        ((function, argument),) = metric["Dimensions"][0]["Value"].items()
        watched.append((metric["Namespace"], metric["MetricName"],
                        f"{function} {'.'.join(argument) if isinstance(argument, list) else argument}"))
    return watched


def test_every_signal_has_an_alarm_that_notifies_the_topic(template: dict[str, Any]) -> None:
    signals = {signal for alarm in alarms(template) for signal in watched(alarm)}
    for function in FUNCTIONS:
        assert ("AWS/Lambda", "Errors", f"Ref {function}") in signals
        assert ("AWS/Lambda", "Throttles", f"Ref {function}") in signals
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Fn::GetAtt ImageEventsDLQ.QueueName") in signals
    assert ("AWS/ApiGateway", "5XXError", "Fn::Sub ${AWS::StackName}-api") in signals
    assert props(template, "RestAPI")["Name"] == {"Fn::Sub": "${AWS::StackName}-api"}
    for table in TABLE_ENV:
        assert ("AWS/DynamoDB", "WriteThrottleEvents", f"Ref {table}") in signals
        assert ("AWS/DynamoDB", "ReadThrottleEvents", f"Ref {table}") in signals
    for alarm in alarms(template):
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    subscription = template["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"


def test_the_outputs_tell_ops_where_everything_is(template: dict[str, Any]) -> None:
    assert {"ApiUrl", "CdnDomainName", "UserPoolId", "UserPoolClientId", "WebBucketName",
            "DistributionId"} <= template["Outputs"].keys()

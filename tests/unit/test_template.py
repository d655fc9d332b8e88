"""The deployable template: what `make package` hands to CloudFormation, checked offline.

The template under test is the one Chalice packages (its functions, API and
schedule merged with `infra/resources.yaml`, then finished by
`infra/finish_template.py`), generated in-process with the deployment zip
stubbed out: building the real zip pip-installs the Lambda dependencies, which
takes minutes and the network, and says nothing about the template. `make
package` builds the real thing; `make lint` runs cfn-lint and checkov on it.
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
from infra.finish_template import STAGE_ORIGIN, preflight_integrations
from infra.finish_template import main as finish_template

ROOT = Path(__file__).resolve().parents[2]
MERGE_TEMPLATE = ROOT / "infra" / "resources.yaml"
FUNCTIONS = ("APIHandler", "ProcessImageEvents", "ProcessImportEvents", "SweepExpiredOrders", "WeeklyPayoutRun",
             "SendNotifications")
# The chalice names of the functions in .chalice/config.json's lambda_functions.
CHALICE_FUNCTIONS = ("api_handler", "process_image_events", "process_import_events", "sweep_expired_orders",
                     "weekly_payout_run", "send_notifications")


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
    finish_template(str(out / "sam.yaml"))  # as `make package` does
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
    # The stage's origin, written out as StorefrontOriginParameter computes it (the local
    # provisioner resolves this bucket, so it cannot read the parameter).
    assert cors["AllowedOrigins"] == [props(template, "StorefrontOriginParameter")["Value"]]
    assert cors["AllowedOrigins"][0]["Fn::If"][:2] == ["HasAllowedOrigin", {"Ref": "AllowedOrigin"}]


def test_uploads_notify_the_queue_that_admits_only_this_bucket_without_a_cycle(template: dict[str, Any]) -> None:
    images = template["Resources"]["ImagesBucket"]
    notifications = images["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    # Photos (uploads/) go to the image processor's queue, registry files (imports/) to the import worker's.
    assert [(n["Queue"], n["Filter"]["S3Key"]["Rules"]) for n in notifications] == [
        ({"Fn::GetAtt": ["ImageEventsQueue", "Arn"]}, [{"Name": "prefix", "Value": "uploads/"}]),
        ({"Fn::GetAtt": ["ImportEventsQueue", "Arn"]}, [{"Name": "prefix", "Value": "imports/"}])]
    # S3 tests the destination when the notification is set: the policy must exist first,
    # and it names the bucket by its fixed name, not by a reference back to the bucket.
    assert images["DependsOn"] == ["ImageEventsQueuePolicy", "ImportEventsQueuePolicy"]
    for queue in ("ImageEventsQueue", "ImportEventsQueue"):
        policy = props(template, f"{queue}Policy")
        assert policy["Queues"] == [{"Ref": queue}]
        (statement,) = policy["PolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
        assert statement["Action"] == "sqs:SendMessage"
        bucket_name = images["Properties"]["BucketName"]["Fn::Sub"]
        assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == {
            "Fn::Sub": f"arn:${{AWS::Partition}}:s3:::{bucket_name}"}
        assert "ImagesBucket" not in json.dumps(policy)


def test_the_queues_are_encrypted_at_rest(template: dict[str, Any]) -> None:
    queues = resources(template, "AWS::SQS::Queue")
    assert queues.keys() == {"ImageEventsQueue", "ImageEventsDLQ", "ImportEventsQueue", "ImportEventsDLQ",
                             "NotificationsQueue", "NotificationsDLQ"}
    for logical_id, spec in queues.items():
        properties = spec["Properties"]
        assert properties.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in properties, logical_id


def test_failed_image_events_go_to_the_dlq_after_three_receives(template: dict[str, Any]) -> None:
    queue = props(template, "ImageEventsQueue")
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["ImageEventsDLQ", "Arn"]},
                                      "maxReceiveCount": 3}
    assert queue["VisibilityTimeout"] >= props(template, "ProcessImageEvents")["Timeout"]


def test_notification_events_are_retried_with_back_off_then_set_aside_with_an_alarm(template: dict[str, Any]) -> None:
    queue = props(template, "NotificationsQueue")
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": ["NotificationsDLQ", "Arn"]},
                                      "maxReceiveCount": 5}
    assert queue["VisibilityTimeout"] >= 6 * props(template, "SendNotifications")["Timeout"]
    source = props(template, "SendNotifications")["Events"]["SendNotificationsSqsEventSource"]["Properties"]
    assert source["Queue"] == {"Fn::Sub": "${NotificationsQueue.Arn}"}
    assert source["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    signals = {signal for alarm in alarms(template) for signal in watched(alarm)}
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Fn::GetAtt NotificationsDLQ.QueueName") in signals
    assert ("AWS/SNS", "SMSMonthToDateSpentUSD", "") in signals


def test_the_notifier_sends_only_sms_and_email_from_our_identity(template: dict[str, Any]) -> None:
    assert grants(template, "SendNotificationsRole", "sns") == {("sns:Publish", json.dumps("*"))}
    assert grants(template, "SendNotificationsRole", "ses") == {
        ("ses:SendEmail",
         sub("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/${EmailSenderDomain}"))}
    assert grants(template, "SendNotificationsRole", "cognito-idp") == {
        ("cognito-idp:AdminGetUser", arn("UserPool")), ("cognito-idp:AdminSetUserPassword", arn("UserPool"))}
    assert grants(template, "SendNotificationsRole", "sqs") == {
        (action, arn("NotificationsQueue")) for action in
        ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes")}
    denied = [statement for logical_id, statement in statements(template)
              if logical_id == "SendNotificationsRole" and statement["Effect"] == "Deny"]
    assert [statement["Resource"] for statement in denied] == [{"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"}]
    assert props(template, "EmailSenderIdentity")["EmailIdentity"] == {"Ref": "EmailSenderDomain"}


def test_an_import_message_outlives_the_worker_and_survives_throttled_deliveries(template: dict[str, Any]) -> None:
    queue = props(template, "ImportEventsQueue")
    assert queue["VisibilityTimeout"] > props(template, "ProcessImportEvents")["Timeout"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] >= 10
    assert props(template, "ProcessImportEvents")["ReservedConcurrentExecutions"] == 1


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
    # The image bucket's regional name, written out: its CORS rule names the distribution.
    bucket_name = props(template, "ImagesBucket")["BucketName"]["Fn::Sub"]
    assert origins["images"]["DomainName"] == {"Fn::Sub": f"{bucket_name}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}"}
    for origin in origins.values():
        assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["CdnOriginAccessControl", "Id"]}
        assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "web"
    (renditions,) = config["CacheBehaviors"]
    assert renditions["PathPattern"] == "public/*" and renditions["TargetOriginId"] == "images"
    for behaviour in (config["DefaultCacheBehavior"], renditions):
        assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "StorefrontHeadersPolicy"}


def csp_directives(template: dict[str, Any]) -> dict[str, list[str]]:
    policy = props(template, "StorefrontHeadersPolicy")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert policy["ContentSecurityPolicy"]["Override"] is True
    text, variables = policy["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    assert variables == {"JazzCashHost": {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "JazzCashActionUrl"}]}]},
                         "EasypaisaHost": {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "EasypaisaActionUrl"}]}]}}
    directives = [directive.split() for directive in text.split(";")]
    return {name: sources for name, *sources in directives}


def test_the_storefront_is_served_with_a_strict_content_security_policy(template: dict[str, Any]) -> None:
    images_bucket = props(template, "ImagesBucket")["BucketName"]["Fn::Sub"]
    assert csp_directives(template) == {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "font-src": ["'self'"],
        # Renditions come from this distribution's public/ (IMAGES_BASE_URL is the storefront's URL).
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", "https://*.execute-api.${AWS::Region}.${AWS::URLSuffix}",
                        "https://cognito-idp.${AWS::Region}.${AWS::URLSuffix}",
                        f"https://{images_bucket}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}"],
        "form-action": ["'self'", "https://${JazzCashHost}", "https://${EasypaisaHost}"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
    environment = template["Globals"]["Function"]["Environment"]["Variables"]
    assert environment["IMAGES_BASE_URL"] == environment["STOREFRONT_URL"]


def test_the_storefront_sends_the_other_security_headers(template: dict[str, Any]) -> None:
    headers = props(template, "StorefrontHeadersPolicy")["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["StrictTransportSecurity"]["Override"] is True
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"] == {"Override": True, "FrameOption": "DENY"}
    assert headers["ReferrerPolicy"] == {"Override": True, "ReferrerPolicy": "strict-origin-when-cross-origin"}


def test_a_custom_domain_raises_the_tls_floor(template: dict[str, Any]) -> None:
    config = props(template, "Distribution")["DistributionConfig"]
    condition, custom, default = config["ViewerCertificate"]["Fn::If"]
    assert condition == "HasCustomDomain"
    assert custom == {"AcmCertificateArn": {"Ref": "CertificateArn"}, "SslSupportMethod": "sni-only",
                      "MinimumProtocolVersion": "TLSv1.2_2021"}
    assert default == {"CloudFrontDefaultCertificate": True}
    assert config["Aliases"] == {"Fn::If": ["HasCustomDomain", [{"Ref": "DomainName"}], {"Ref": "AWS::NoValue"}]}
    assert template["Conditions"]["HasCustomDomain"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "DomainName"}, ""]}]}


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
# An SMS to a phone number has no resource ARN either; only Cognito's SMS role may send one
# (and test_cognito_may_only_text_phone_numbers checks it can publish nowhere else).
PHONE_SMS = {("UserPoolSmsRole", "sns:Publish"), ("SendNotificationsRole", "sns:Publish")}


def test_no_allow_statement_grants_every_action_or_every_resource(template: dict[str, Any]) -> None:
    for logical_id, statement in statements(template):
        if statement["Effect"] != "Allow":
            continue
        actions = as_list(statement["Action"])
        for action in actions:
            assert action != "*" and not action.endswith(":*"), (logical_id, action)
        if set(actions) <= NO_RESOURCE_LEVEL or {(logical_id, action) for action in actions} <= PHONE_SMS:
            continue
        for resource in as_list(statement["Resource"]):
            assert resource != "*", (logical_id, statement)


def test_cognito_may_only_text_phone_numbers(template: dict[str, Any]) -> None:
    pool = props(template, "UserPool")
    role = props(template, "UserPoolSmsRole")
    assert pool["UsernameAttributes"] == ["email", "phone_number"]
    assert pool["SmsConfiguration"]["SnsCallerArn"] == {"Fn::GetAtt": ["UserPoolSmsRole", "Arn"]}
    assert "{####}" in pool["SmsVerificationMessage"] and "{####}" in pool["SmsAuthenticationMessage"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "cognito-idp.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["sts:ExternalId"] == pool["SmsConfiguration"]["ExternalId"]
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    [policy] = role["Policies"]
    by_effect = {s["Effect"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert set(by_effect) == {"Allow", "Deny"}
    assert by_effect["Allow"]["Action"] == by_effect["Deny"]["Action"] == "sns:Publish"
    assert by_effect["Deny"]["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"}


def test_functions_trace_actively(template: dict[str, Any]) -> None:
    assert template["Globals"]["Function"]["Tracing"] == "Active"
    # Chalice writes PassThrough on each function, which would beat the Globals.
    for function in FUNCTIONS:
        assert props(template, function)["Tracing"] == "Active", function


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
    # Only the import worker reads and writes an import's rows.
    # The API reads the delivery log through its index only (the notifier writes deliveries).
    assert table_access(template, "APIHandlerRole") >= set(TABLE_ENV) - {"ImportRowsTable", "DeliveriesTable"}
    assert "DeliveriesTable/index/by_recipient" in table_access(template, "APIHandlerRole")
    assert table_access(template, "SendNotificationsRole") == {"DeliveriesTable", "NotificationSettingsTable",
                                                               "ArtisansTable"}
    assert "ImportRowsTable" not in table_access(template, "APIHandlerRole")
    assert table_access(template, "ProcessImageEventsRole") == {"ListingsTable"}
    assert table_access(template, "ProcessImportEventsRole") == {"ImportsTable", "ImportRowsTable", "ClaimsTable",
                                                                 "ArtisansTable", "OutboxTable"}
    assert table_access(template, "SweepExpiredOrdersRole") == {
        "OrdersTable", "OrdersTable/index/by_expiry", "OrdersTable/index/by_repair", "ArtisanOrdersTable",
        "ListingsTable", "IdempotencyTable",
        "BuyerLimitsTable",  # an expired or abandoned order gives its buyer's limit counts back
        "RefundsTable", "RefundsTable/index/by_pending",  # finish_pending_refunds
        "ListingsTable/index/by_search_pending", "ArtisansTable", "SearchTable",  # reindex_pending (search)
        "OutboxTable", "OutboxTable/index/by_unrelayed", "DeliveriesTable/index/by_held"}  # notifications


def grants(template: dict[str, Any], role: str, service: str) -> set[tuple[str, str]]:
    """(action, resource as written) of every Allow statement of a role for one service."""
    granted = set()
    for logical_id, statement in statements(template):
        if logical_id != role or statement["Effect"] != "Allow":
            continue
        for action in as_list(statement["Action"]):
            if action.startswith(f"{service}:"):
                for resource in as_list(statement["Resource"]):
                    granted.add((action, json.dumps(resource, sort_keys=True)))
    return granted


def arn(logical_id: str) -> str:
    return json.dumps({"Fn::GetAtt": [logical_id, "Arn"]})


def sub(text: str) -> str:
    return json.dumps({"Fn::Sub": text})


def test_the_sweep_may_only_expire_orders_and_undo_abandoned_reservations(template: dict[str, Any]) -> None:
    # expire_due_orders: Query the expiry index, GetItem the order, one transaction of updates.
    # repair_abandoned_reservations: Query the repair index, mark the order, give back held units
    # (UpdateItem), delete the order and its idempotency record.
    assert grants(template, "SweepExpiredOrdersRole", "dynamodb") == {
        ("dynamodb:Query", sub("${OrdersTable.Arn}/index/by_expiry")),
        ("dynamodb:Query", sub("${OrdersTable.Arn}/index/by_repair")),
        ("dynamodb:GetItem", arn("OrdersTable")),
        ("dynamodb:UpdateItem", arn("OrdersTable")),
        ("dynamodb:UpdateItem", arn("ArtisanOrdersTable")),
        ("dynamodb:UpdateItem", arn("ListingsTable")),
        ("dynamodb:DeleteItem", arn("OrdersTable")),
        ("dynamodb:DeleteItem", arn("IdempotencyTable")),
        # Both give the buyer's limit counts back, in the expiry's transaction and the abandoned order's delete.
        ("dynamodb:UpdateItem", arn("BuyerLimitsTable")),
        # finish_pending_refunds: Query the pending refunds, read each, count an attempt and settle it with
        # its order (the order and its copies: UpdateItem above).
        ("dynamodb:Query", sub("${RefundsTable.Arn}/index/by_pending")),
        ("dynamodb:GetItem", arn("RefundsTable")),
        ("dynamodb:UpdateItem", arn("RefundsTable")),
        # reindex_pending (search): the outbox's sparse index, the listing and its artisan's name, the listing's
        # search items re-written (its manifest read and replaced); the mark is cleared with UpdateItem above.
        ("dynamodb:Query", sub("${ListingsTable.Arn}/index/by_search_pending")),
        ("dynamodb:GetItem", arn("ListingsTable")),
        ("dynamodb:GetItem", arn("ArtisansTable")),
        ("dynamodb:GetItem", arn("SearchTable")),
        ("dynamodb:PutItem", arn("SearchTable")),
        ("dynamodb:DeleteItem", arn("SearchTable")),
        ("dynamodb:BatchWriteItem", arn("SearchTable")),
        # relay_pending: the outbox's unrelayed events, each relayed and its mark cleared; release_due: the
        # SMS held by quiet hours whose morning came (handed to the notifier through its queue).
        ("dynamodb:Query", sub("${OutboxTable.Arn}/index/by_unrelayed")),
        ("dynamodb:UpdateItem", arn("OutboxTable")),
        ("dynamodb:Query", sub("${DeliveriesTable.Arn}/index/by_held")),
    }


def test_the_api_signs_uploads_only_and_deletes_a_photos_files(template: dict[str, Any]) -> None:
    # A presigned POST is authorised as the signer's s3:PutObject: uploads/ only. Deleting a
    # photo removes its renditions under public/ and any unprocessed upload. Nothing is read.
    assert grants(template, "APIHandlerRole", "s3") == {
        ("s3:PutObject", sub("${ImagesBucket.Arn}/uploads/*")),
        ("s3:DeleteObject", sub("${ImagesBucket.Arn}/uploads/*")),
        ("s3:DeleteObject", sub("${ImagesBucket.Arn}/public/*")),
        ("s3:PutObject", sub("${ImagesBucket.Arn}/imports/*")),
        ("s3:GetObject", sub("${ImagesBucket.Arn}/import-errors/*")),
        # A payout run writes its bank file and signs links to it.
        ("s3:PutObject", sub("${ImagesBucket.Arn}/payout-files/*")),
        ("s3:GetObject", sub("${ImagesBucket.Arn}/payout-files/*")),
    }
    dynamodb = grants(template, "APIHandlerRole", "dynamodb")
    assert {action for action, _ in dynamodb} == {
        "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem",
        "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem", "dynamodb:BatchWriteItem"}
    # Batches are written to the search index only (a listing's terms, chalicelib/store/search_index.py).
    assert {resource for action, resource in dynamodb if action == "dynamodb:BatchWriteItem"} == {arn("SearchTable")}
    # Indexes only take Query.
    assert {action for action, resource in dynamodb if "/index/" in resource} == {"dynamodb:Query"}
    # Publishing checks the artisan's row in its transaction, a review the order's; nothing else is condition-checked.
    assert {resource for action, resource in dynamodb if action == "dynamodb:ConditionCheckItem"} == {
        arn("ArtisansTable"), arn("OrdersTable")}
    # Reviews are put, read and hidden (an update), never deleted; listed through their one index.
    assert {action for action, resource in dynamodb if "ReviewsTable" in resource} == {
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"}
    # The audit log is append-only: put once, then only read.
    assert {action for action, resource in dynamodb if "AuditTable" in resource} == {
        "dynamodb:PutItem", "dynamodb:Query"}


def test_the_import_worker_reads_registry_files_writes_reports_and_leaves_the_welcome_to_the_notifier(
        template: dict[str, Any]) -> None:
    assert grants(template, "ProcessImportEventsRole", "s3") == {
        ("s3:GetObject", sub("${ImagesBucket.Arn}/imports/*")),
        ("s3:PutObject", sub("${ImagesBucket.Arn}/import-errors/*")),
    }
    assert {action for action, _ in grants(template, "ProcessImportEventsRole", "cognito-idp")} == {
        "cognito-idp:AdminCreateUser", "cognito-idp:AdminAddUserToGroup", "cognito-idp:AdminGetUser"}
    assert grants(template, "ProcessImportEventsRole", "sns") == set()
    assert ("sqs:SendMessage", arn("NotificationsQueue")) in grants(template, "ProcessImportEventsRole", "sqs")
    assert {(action, resource) for action, resource in grants(template, "ProcessImportEventsRole", "dynamodb")
            if "OutboxTable" in resource} == {("dynamodb:PutItem", arn("OutboxTable")),
                                              ("dynamodb:UpdateItem", arn("OutboxTable"))}
    (source,) = props(template, "ProcessImportEvents")["Events"].values()
    assert source["Properties"]["Queue"] == {"Fn::Sub": "${ImportEventsQueue.Arn}"}
    assert source["Properties"]["BatchSize"] == 1


def test_the_image_processor_reads_uploads_and_writes_renditions_only(template: dict[str, Any]) -> None:
    assert grants(template, "ProcessImageEventsRole", "s3") == {
        ("s3:GetObject", sub("${ImagesBucket.Arn}/uploads/*")),
        ("s3:DeleteObject", sub("${ImagesBucket.Arn}/uploads/*")),
        ("s3:PutObject", sub("${ImagesBucket.Arn}/public/*")),
        ("s3:DeleteObject", sub("${ImagesBucket.Arn}/public/*")),
        ("s3:ListBucket", arn("ImagesBucket")),
    }


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
    # Only through SSM, and only for this stage's parameters (their ARN is the encryption context).
    stage_parameters = {
        "Fn::Sub": "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/mip/${Stage}/*"}
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": via_ssm},
                                    "StringLike": {"kms:EncryptionContext:PARAMETER_ARN": stage_parameters}}


# --- configuration ------------------------------------------------------------


def names_read_by_settings() -> tuple[set[str], set[str]]:
    """The variables `get_settings` requires, and those it reads with a default."""
    source = (ROOT / "chalicelib" / "config.py").read_text(encoding="utf-8")
    # _env("NAME") or, inside Settings.from_environment, env("NAME") / secret("NAME"); a second
    # string argument is a default.
    calls = re.findall(r"""\b(?:_env|env|secret)\(\s*["'](\w+)["']\s*(,\s*["'])?""", source)
    required = {name for name, _ in calls} - {name for name, default in calls if default}
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
    storefront = {"Fn::If": ["HasCustomDomain", {"Fn::Sub": "https://${DomainName}"},
                             {"Fn::Sub": "https://${Distribution.DomainName}"}]}
    assert environment["IMAGES_BASE_URL"] == environment["STOREFRONT_URL"] == storefront
    assert environment["COGNITO_USER_POOL_ID"] == {"Ref": "UserPool"}
    assert environment["COGNITO_CLIENT_ID"] == {"Ref": "UserPoolClient"}
    assert environment["COGNITO_OPS_CLIENT_ID"] == {"Ref": "OpsUserPoolClient"}
    # Values that prod's guards check reach the functions only through those guards.
    assert environment["ALLOWED_ORIGIN"] == {"Fn::GetAtt": ["StorefrontOriginParameter", "Value"]}
    assert environment["JAZZCASH_ACTION_URL"] == {"Fn::GetAtt": ["JazzCashActionUrlParameter", "Value"]}
    assert environment["CARD_ACTION_URL"] == {"Fn::GetAtt": ["CardActionUrlParameter", "Value"]}
    assert props(template, "JazzCashActionUrlParameter")["Value"] == {"Ref": "JazzCashActionUrl"}
    assert props(template, "CardActionUrlParameter")["Value"] == {"Ref": "CardActionUrl"}
    assert environment["JAZZCASH_MERCHANT_ID"] == {"Ref": "JazzCashMerchantId"}


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
        "IMAGES_BUCKET", "IMAGES_BASE_URL", "COGNITO_USER_POOL_ID", "COGNITO_CLIENT_ID", "COGNITO_OPS_CLIENT_ID",
        "ALLOWED_ORIGIN", "STOREFRONT_URL", "IMAGE_QUEUE_NAME", "JAZZCASH_ACTION_URL", "CARD_ACTION_URL"}
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
        if not metric.get("Dimensions"):  # an account-wide metric (SNS's SMS spend)
            watched.append((metric["Namespace"], metric["MetricName"], ""))
            continue
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
    assert {"ApiUrl", "CdnDomainName", "UserPoolId", "UserPoolClientId", "OpsUserPoolClientId", "WebBucketName",
            "DistributionId", "StorefrontOrigin"} <= template["Outputs"].keys()


def test_every_log_group_has_a_retention(template: dict[str, Any]) -> None:
    groups = resources(template, "AWS::Logs::LogGroup")
    assert {"APIHandlerLogGroup", "ProcessImageEventsLogGroup", "SweepExpiredOrdersLogGroup",
            "ApiAccessLogGroup"} <= groups.keys()
    for logical_id, spec in groups.items():
        assert spec["Properties"]["RetentionInDays"] == {"Fn::If": ["IsProd", 90, 14]}, logical_id


def test_every_checkov_exception_states_its_reason(template: dict[str, Any]) -> None:
    skipped = 0
    for logical_id, spec in template["Resources"].items():
        for skip in spec.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), (logical_id, skip)
            assert len(skip.get("comment", "")) > 40, (logical_id, skip["id"])
            skipped += 1
    assert skipped  # the Metadata survives the merge into Chalice's resources


# --- API Gateway's own answers ------------------------------------------------------

# Every gateway response type of a REST API, with the status it should answer here (None:
# the type is answered through DEFAULT_4XX/DEFAULT_5XX, keeping API Gateway's status: API
# keys, IAM signatures and authorizers, which this API does not use).
GATEWAY_RESPONSES: dict[str, tuple[str | None, str | None]] = {
    "MISSING_AUTHENTICATION_TOKEN": ("404", "NOT_FOUND"),  # unknown path, or a known path with another method
    "RESOURCE_NOT_FOUND": ("404", "NOT_FOUND"),
    "UNAUTHORIZED": ("401", "UNAUTHENTICATED"),
    "ACCESS_DENIED": ("403", "FORBIDDEN"),
    "WAF_FILTERED": ("403", "FORBIDDEN"),
    "BAD_REQUEST_BODY": ("400", "VALIDATION_ERROR"),
    "BAD_REQUEST_PARAMETERS": ("400", "VALIDATION_ERROR"),
    "UNSUPPORTED_MEDIA_TYPE": ("400", "VALIDATION_ERROR"),
    "REQUEST_TOO_LARGE": ("413", "PAYLOAD_TOO_LARGE"),
    "THROTTLED": ("429", "RATE_LIMITED"),
    "QUOTA_EXCEEDED": ("429", "RATE_LIMITED"),
    "INTEGRATION_FAILURE": ("502", "SERVICE_UNAVAILABLE"),
    "INTEGRATION_TIMEOUT": ("504", "SERVICE_UNAVAILABLE"),
    "API_CONFIGURATION_ERROR": ("500", "INTERNAL"),
    "DEFAULT_4XX": (None, "BAD_REQUEST"),
    "DEFAULT_5XX": (None, "INTERNAL"),
    "INVALID_API_KEY": (None, None),
    "EXPIRED_TOKEN": (None, None),
    "INVALID_SIGNATURE": (None, None),
    "AUTHORIZER_FAILURE": (None, None),
    "AUTHORIZER_CONFIGURATION_ERROR": (None, None),
}


def gateway_responses(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    body = props(template, "RestAPI")["DefinitionBody"]
    answers: dict[str, dict[str, Any]] = body["x-amazon-apigateway-gateway-responses"]
    return answers


def test_every_answer_api_gateway_gives_itself_is_in_the_contracts_error_shape(template: dict[str, Any]) -> None:
    answers = gateway_responses(template)
    assert answers.keys() == {kind for kind, (_, code) in GATEWAY_RESPONSES.items() if code}
    for kind, answer in answers.items():
        status, code = GATEWAY_RESPONSES[kind]
        assert answer.get("statusCode") == status, kind
        (template_text,) = answer["responseTemplates"].values()
        assert list(answer["responseTemplates"]) == ["application/json"], kind
        body = json.loads(template_text)  # valid JSON as written: no $context variable, no internals
        assert body.keys() == {"error"} and body["error"].keys() == {"code", "message"}, kind
        assert body["error"]["code"] == code, kind
        assert body["error"]["message"].endswith("."), kind
        assert "$" not in template_text, kind
        headers = answer["responseParameters"]
        assert headers["gatewayresponse.header.Content-Type"] == "'application/json; charset=utf-8'", kind
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == STAGE_ORIGIN, kind
        if code == "RATE_LIMITED":
            assert headers["gatewayresponse.header.Retry-After"] == "'1'", kind
            assert headers["gatewayresponse.header.Access-Control-Expose-Headers"] == "'Retry-After'", kind
    # The unused types fall to the defaults, which keep API Gateway's status.
    assert "DEFAULT_4XX" in answers and "DEFAULT_5XX" in answers


def test_error_codes_are_the_contracts_or_the_apps(template: dict[str, Any]) -> None:
    # API.md's table, plus the codes the app itself answers for 500 and 503.
    contract = {"VALIDATION_ERROR", "UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "PAYLOAD_TOO_LARGE",
                "RATE_LIMITED", "INTERNAL", "SERVICE_UNAVAILABLE"}
    codes = {json.loads(text)["error"]["code"] for answer in gateway_responses(template).values()
             for text in answer["responseTemplates"].values()}
    assert codes - contract == {"BAD_REQUEST"}  # the catch-all of 4xx types that nothing here produces


def test_a_new_deployment_carries_every_change_of_the_gateways_answers(template: dict[str, Any]) -> None:
    api = props(template, "RestAPI")
    assert api["AlwaysDeploy"] is True
    assert api["TracingEnabled"] is True


def test_the_preflight_answers_admit_the_stages_origin_only(template: dict[str, Any]) -> None:
    integrations = preflight_integrations(template)
    assert len(integrations) >= 20  # one per path
    for integration in integrations:
        for response in integration["responses"].values():
            origin = response["responseParameters"]["method.response.header.Access-Control-Allow-Origin"]
            assert origin == STAGE_ORIGIN
    assert "'*'" not in json.dumps(props(template, "RestAPI")["DefinitionBody"])


def test_the_api_writes_an_access_log_without_tokens(template: dict[str, Any]) -> None:
    setting = props(template, "RestAPI")["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    line = json.loads(setting["Format"])  # one JSON object a request
    assert {"requestId", "ip", "httpMethod", "resourcePath", "status", "errorType", "waf"} <= line.keys()
    assert all(value.startswith("$context.") for value in line.values())
    assert not re.search(r"authorization|header|querystring|requestOverride|authorizer", setting["Format"], re.I)
    # API Gateway writes logs through the account's CloudWatch role, set before the stage.
    assert template["Resources"]["RestAPI"]["DependsOn"] == "ApiGatewayAccount"
    assert props(template, "ApiGatewayAccount")["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]}
    assert template["Resources"]["ApiGatewayLogsRole"]["DeletionPolicy"] == "Retain"


# --- a per-client limit -------------------------------------------------------------


def test_one_client_is_limited_per_address_with_a_429_in_the_contracts_shape(template: dict[str, Any]) -> None:
    acl = props(template, "ApiWebAcl")
    assert acl["Scope"] == "REGIONAL" and acl["DefaultAction"] == {"Allow": {}}
    rate = next(rule for rule in acl["Rules"] if "RateBasedStatement" in rule["Statement"])
    assert rate["Statement"]["RateBasedStatement"] == {
        "AggregateKeyType": "IP", "EvaluationWindowSec": 300, "Limit": {"Ref": "ApiRateLimitPerClient"}}
    assert template["Parameters"]["ApiRateLimitPerClient"]["Default"] == 2000
    answer = rate["Action"]["Block"]["CustomResponse"]
    assert answer["ResponseCode"] == 429
    body = acl["CustomResponseBodies"][answer["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    assert json.loads(body["Content"])["error"]["code"] == "RATE_LIMITED"
    headers = {header["Name"]: header["Value"] for header in answer["ResponseHeaders"]}
    assert headers["Retry-After"].isdigit()
    assert headers["Access-Control-Allow-Origin"] == {"Fn::GetAtt": ["StorefrontOriginParameter", "Value"]}
    # The AWS common rules only count: what enforcing them would refuse shows in the metrics first.
    (common,) = [rule for rule in acl["Rules"] if "ManagedRuleGroupStatement" in rule["Statement"]]
    assert common["OverrideAction"] == {"Count": {}}
    association = props(template, "ApiWebAclAssociation")
    assert association["WebACLArn"] == {"Fn::GetAtt": ["ApiWebAcl", "Arn"]}
    assert association["ResourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${RestAPI}/stages/${RestAPI.Stage}"}


# --- sign-in --------------------------------------------------------------------------


def test_users_may_add_an_authenticator_app_and_ops_sign_in_with_short_lived_tokens(
        template: dict[str, Any]) -> None:
    pool = props(template, "UserPool")
    assert pool["MfaConfiguration"] == "OPTIONAL" and pool["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["DeletionProtection"] == {"Fn::If": ["IsProd", "ACTIVE", "INACTIVE"]}
    assert props(template, "UserPoolClient")["EnableTokenRevocation"] is True
    ops = props(template, "OpsUserPoolClient")
    assert ops["UserPoolId"] == {"Ref": "UserPool"}
    assert ops["ExplicitAuthFlows"] == ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert ops["EnableTokenRevocation"] is True and ops["GenerateSecret"] is False
    assert ops["TokenValidityUnits"] == {"IdToken": "minutes", "AccessToken": "minutes", "RefreshToken": "minutes"}
    assert (ops["IdTokenValidity"], ops["AccessTokenValidity"], ops["RefreshTokenValidity"]) == (15, 15, 8 * 60)
    # The local provisioner takes the first client of the file as COGNITO_CLIENT_ID.
    from local.provision import load_template

    clients = [logical_id for logical_id, spec in load_template(MERGE_TEMPLATE)["Resources"].items()
               if spec["Type"] == "AWS::Cognito::UserPoolClient"]
    assert clients == ["UserPoolClient", "OpsUserPoolClient"]


# --- prod refuses the sandbox -------------------------------------------------------------


def evaluate(expression: Any, parameters: dict[str, Any]) -> Any:
    """A CloudFormation Rules expression (the functions Rules allow that this template uses)."""
    if isinstance(expression, list):
        return [evaluate(item, parameters) for item in expression]
    if not isinstance(expression, dict):
        return expression
    ((function, argument),) = expression.items()
    if function == "Ref":
        return parameters[argument]
    values = evaluate(argument, parameters)
    if function == "Fn::Equals":
        return values[0] == values[1]
    if function == "Fn::Not":
        return not values[0]
    if function == "Fn::And":
        return all(values)
    if function == "Fn::Or":
        return any(values)
    if function == "Fn::Contains":
        return values[1] in values[0]
    raise AssertionError(f"Rules cannot use {function}")


def refused(template: dict[str, Any], **given: str) -> set[str]:
    """The assertions that CloudFormation would refuse for these parameter values (defaults otherwise)."""
    parameters = {name: spec.get("Default") for name, spec in template["Parameters"].items()}
    parameters.update(given)
    failed = set()
    for rule in template["Rules"].values():
        if "RuleCondition" in rule and not evaluate(rule["RuleCondition"], parameters):
            continue
        for assertion in rule["Assertions"]:
            if not evaluate(assertion["Assert"], parameters):
                failed.add(assertion["AssertDescription"])
    return failed


LIVE = {"JazzCashMerchantId": "MC12345",
        "JazzCashActionUrl": "https://payments.jazzcash.com.pk/CustomerPortal/transactionmanagement/merchantform/",
        "CardActionUrl": "https://pay.cardgateway.example/checkout", "AllowedOrigin": "https://shop.example.pk",
        "EasypaisaStoreId": "43511", "EasypaisaApiUrl": "https://easypay.easypaisa.com.pk",
        "EasypaisaActionUrl": "https://easypay.easypaisa.com.pk/easypay/Index.jsf"}


def test_prod_refuses_the_sandbox_gateway_the_sample_merchant_and_any_origin(template: dict[str, Any]) -> None:
    assert refused(template, Stage="prod", **LIVE) == set()
    assert refused(template, Stage="prod", **{**LIVE, "AllowedOrigin": ""}) == set()  # this stack's storefront
    sandbox = template["Parameters"]["JazzCashActionUrl"]["Default"]
    assert "sandbox" in sandbox
    assert len(refused(template, Stage="prod", **{**LIVE, "JazzCashActionUrl": sandbox})) == 1
    assert len(refused(template, Stage="prod", **{**LIVE, "JazzCashActionUrl": sandbox.rstrip("/")})) == 1
    assert template["Parameters"]["JazzCashMerchantId"]["Default"] == "MC00000"
    assert len(refused(template, Stage="prod", **{**LIVE, "JazzCashMerchantId": "MC00000"})) == 1
    assert len(refused(template, Stage="prod", **{**LIVE, "AllowedOrigin": "*"})) == 1
    assert len(refused(template, Stage="prod", **{**LIVE, "EasypaisaStoreId": "00000"})) == 1
    staging = template["Parameters"]["EasypaisaApiUrl"]["Default"]
    assert len(refused(template, Stage="prod", **{**LIVE, "EasypaisaApiUrl": staging})) == 1
    # The staging checkout page is refused by its guard parameter, as the sandbox pages are by theirs.
    guard = props(template, "EasypaisaActionUrlParameter")["AllowedPattern"]["Fn::If"][1]
    assert not allowed(guard, template["Parameters"]["EasypaisaActionUrl"]["Default"])
    assert allowed(guard, LIVE["EasypaisaActionUrl"])
    # Every other default is refused in prod (CardActionUrl has none: every stage must name it).
    assert len(refused(template, Stage="prod", CardActionUrl=LIVE["CardActionUrl"])) == 5
    assert "Default" not in template["Parameters"]["CardActionUrl"]
    # dev keeps the sandbox.
    assert refused(template, Stage="dev", CardActionUrl=LIVE["CardActionUrl"]) == set()


def test_a_custom_domain_needs_its_certificate(template: dict[str, Any]) -> None:
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-0000-1111-2222-333344445555"
    assert refused(template, Stage="dev", DomainName="shop.example.pk", CertificateArn=certificate) == set()
    assert refused(template, Stage="dev", DomainName="shop.example.pk") != set()
    assert refused(template, Stage="dev", CertificateArn=certificate) != set()
    for name, value in (("DomainName", "shop.example.pk"), ("CertificateArn", certificate)):
        assert re.fullmatch(template["Parameters"][name]["AllowedPattern"], value)
        assert re.fullmatch(template["Parameters"][name]["AllowedPattern"], "")


def allowed(pattern: str, value: str) -> bool:
    # CloudFormation and SSM match the whole value (Java regular expressions; these use nothing Python lacks).
    return re.fullmatch(pattern, value) is not None


def test_no_stage_takes_a_payment_page_over_http_or_on_a_loopback_host(template: dict[str, Any]) -> None:
    for name in ("JazzCashActionUrl", "CardActionUrl"):
        pattern = template["Parameters"][name]["AllowedPattern"]
        for good in (LIVE[name], template["Parameters"]["JazzCashActionUrl"]["Default"]):
            assert allowed(pattern, good), (name, good)
        for bad in ("http://payments.jazzcash.com.pk/x", "https://localhost:8080/sandbox/card",
                    "https://127.0.0.1/pay", "https://localhost", "", "ftp://x.example/"):
            assert not allowed(pattern, bad), (name, bad)
    origin = template["Parameters"]["AllowedOrigin"]["AllowedPattern"]
    for good in ("*", "", "https://shop.example.pk", "http://127.0.0.1:8080"):
        assert allowed(origin, good), good
    for bad in ("https://shop.example.pk/", "https://shop.example.pk/path", "shop.example.pk"):
        assert not allowed(origin, bad), bad


def guard(template: dict[str, Any], logical_id: str) -> str:
    """The pattern that a guard parameter enforces in prod (none in dev)."""
    condition, in_prod, in_dev = props(template, logical_id)["AllowedPattern"]["Fn::If"]
    assert condition == "IsProd" and in_dev == {"Ref": "AWS::NoValue"}
    pattern: str = in_prod
    return pattern


def test_prod_guards_refuse_a_sandbox_payment_page_and_a_non_https_origin(template: dict[str, Any]) -> None:
    # Rules cannot look inside a string: these parameters, which the functions read, can.
    for logical_id in ("JazzCashActionUrlParameter", "CardActionUrlParameter"):
        pattern = guard(template, logical_id)
        assert allowed(pattern, LIVE["JazzCashActionUrl"]) and allowed(pattern, LIVE["CardActionUrl"])
        for bad in ("https://sandbox.jazzcash.com.pk/CustomerPortal/x", "https://pay.example/SandBox/card",
                    "https://checkout.example/v1?mode=sandbox", "http://pay.example/"):
            assert not allowed(pattern, bad), (logical_id, bad)
    origin = guard(template, "StorefrontOriginParameter")
    assert allowed(origin, "https://shop.example.pk") and allowed(origin, "https://d111111abcdef8.cloudfront.net")
    for bad in ("*", "http://shop.example.pk", "https://localhost:8080", "https://127.0.0.1", ""):
        assert not allowed(origin, bad), bad
    # The origin: AllowedOrigin, else the storefront's own domain.
    assert props(template, "StorefrontOriginParameter")["Value"] == {"Fn::If": [
        "HasAllowedOrigin", {"Ref": "AllowedOrigin"},
        {"Fn::If": ["HasCustomDomain", {"Fn::Sub": "https://${DomainName}"},
                    {"Fn::Sub": "https://${Distribution.DomainName}"}]}]}


def test_the_weekly_payout_run_only_pays_artisans_tells_them_and_writes_the_bank_file(template: dict[str, Any]) -> None:
    assert grants(template, "WeeklyPayoutRunRole", "dynamodb") == {
        ("dynamodb:Query", sub("${PayoutsTable.Arn}/index/by_payable")),
        ("dynamodb:GetItem", arn("PayoutsTable")),
        ("dynamodb:PutItem", arn("PayoutsTable")),
        ("dynamodb:UpdateItem", arn("PayoutsTable")),
        ("dynamodb:GetItem", arn("PayoutRunsTable")),
        ("dynamodb:PutItem", arn("PayoutRunsTable")),
        ("dynamodb:UpdateItem", arn("PayoutRunsTable")),
        ("dynamodb:Query", arn("PayoutRunsTable")),
        ("dynamodb:PutItem", arn("AuditTable")),
        ("dynamodb:PutItem", arn("OutboxTable")),
        ("dynamodb:UpdateItem", arn("OutboxTable")),
    }
    assert grants(template, "WeeklyPayoutRunRole", "sqs") == {("sqs:SendMessage", arn("NotificationsQueue"))}
    assert grants(template, "WeeklyPayoutRunRole", "s3") == {
        ("s3:PutObject", sub("${ImagesBucket.Arn}/payout-files/*"))}
    (schedule,) = props(template, "WeeklyPayoutRun")["Events"].values()
    assert schedule["Properties"]["Schedule"] == "cron(0 3 ? * MON *)"

"""The audit trail under mocks: on by default in production, off by default in dev, configurable, and each
piece in the account, project or subscription it records."""

from __future__ import annotations

import copy
import json

import pytest

from components.audit import EventLog, access_log_bucket_policy, event_log_policy
from components.key_policies import key_policy, logs_statement
from components.kubernetes import application_properties
from configuration.loader import parse_config
from tests.configuration.test_config import problems_of, shipped
from tools.plan import plan_stack


@pytest.fixture(scope="module")
def prod():
    return plan_stack("prod")


@pytest.fixture(scope="module")
def dev():
    return plan_stack("dev")


def test_production_records_polaris_events_in_an_encrypted_retained_group(prod):
    [group] = [g for g in prod.of_type("aws:cloudwatch/logGroup:LogGroup") if g.name == "audit-polaris-events-group"]
    assert group.inputs["name"] == "/polaris/prod/events" and group.inputs["retentionInDays"] == 365
    [key] = [k for k in prod.of_type("aws:kms/key:Key") if k.name == "audit-polaris-events-key"]
    assert group.inputs["kmsKeyId"] == key.state["arn"]
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert statements["CloudWatchLogsForOneGroup"]["Condition"]["ArnEquals"] == {
        "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:111111111111:log-group:/polaris/prod/events"
    }
    config = next(
        c for c in prod.of_type("kubernetes:core/v1:ConfigMap") if "application.properties" in c.inputs["data"]
    )
    properties = config.inputs["data"]["application.properties"]
    assert "polaris.event-listener.types=aws-cloudwatch\n" in properties
    assert "polaris.event-listener.aws-cloudwatch.log-group=/polaris/prod/events\n" in properties
    assert "polaris.event-listener.aws-cloudwatch.log-stream=${HOSTNAME}\n" in properties
    write = next(p for p in prod.of_type("aws:iam/rolePolicy:RolePolicy") if p.name == "audit-polaris-events-write")
    assert write.inputs["role"] == prod.outputs["polarisServerRoleArn"].rsplit("/", 1)[1]
    assert json.loads(write.inputs["policy"]) == event_log_policy(
        "arn:aws:logs:eu-west-1:111111111111:log-group:/polaris/prod/events"
    )


def test_each_aws_owner_logs_bucket_access_to_a_log_bucket_in_its_own_account(prod):
    loggings = {log.inputs["bucket"]: log for log in prod.of_type("aws:s3/bucketLogging:BucketLogging")}
    assert set(loggings) == {"acme-shared-data", "acme-archive-exports"}, "created and existing buckets alike"
    for logging in loggings.values():
        log_bucket = next(
            b for b in prod.of_type("aws:s3/bucket:Bucket") if b.state["bucket"] == logging.inputs["targetBucket"]
        )
        assert log_bucket.provider == logging.provider, "the owner's account, not the platform's"
        retention = next(
            r
            for r in prod.of_type("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
            if r.inputs["bucket"] == log_bucket.state["bucket"]
        )
        assert retention.inputs["rules"][0]["expiration"]["days"] == 365
    assert loggings["acme-shared-data"].provider.split("::")[-1].startswith("aws-acme-provider")


def test_gcp_and_azure_owners_record_data_access_in_their_own_project_and_subscription(prod):
    [gcs] = prod.of_type("gcp:projects/iAMAuditConfig:IAMAuditConfig")
    assert gcs.inputs["project"] == "globex-data-prod" and gcs.inputs["service"] == "storage.googleapis.com"
    assert [c["logType"] for c in gcs.inputs["auditLogConfigs"]] == ["DATA_READ", "DATA_WRITE"]
    [setting] = prod.of_type("azure-native:monitor:DiagnosticSetting")
    assert setting.inputs["resourceUri"].endswith("/storageAccounts/initechshared/blobServices/default")
    assert "initech-provider" in setting.provider
    assert {log["category"] for log in setting.inputs["logs"] if log["enabled"]} == {
        "StorageRead",
        "StorageWrite",
        "StorageDelete",
    }
    [workspace] = prod.of_type("azure-native:operationalinsights:Workspace")
    assert (
        setting.inputs["workspaceId"].endswith("/audit-initech-workspace")
        and workspace.inputs["retentionInDays"] == 365
    )


def test_dev_is_off_by_default_and_switches_on_with_its_retention():
    assert parse_config(shipped("dev"), "dev").audit_enabled is False
    raw = copy.deepcopy(shipped("dev"))
    raw["audit"] = {"enabled": True, "retentionDays": 90}
    cfg = parse_config(raw, "dev")
    assert cfg.audit_enabled and cfg.audit.retention_days == 90
    assert parse_config(shipped("prod"), "prod").audit_enabled is True


def test_dev_plan_has_no_audit_resources(dev):
    assert not [r for r in dev.resources if r.type.startswith("polaris-data-exchange:audit:")]
    assert "event-listener" not in json.dumps([c.inputs for c in dev.of_type("kubernetes:core/v1:ConfigMap")])


def test_a_retention_the_log_services_refuse_is_a_config_error():
    raw = copy.deepcopy(shipped("dev"))
    raw["audit"] = {"retentionDays": 731}
    assert "audit.retentionDays" in problems_of(raw)


def test_policies_documents():
    bucket = access_log_bucket_policy("arn:aws:s3:::logs", "arn:aws:s3:::shared", "222222222222")
    [allow, deny] = bucket["Statement"]
    assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert allow["Condition"]["ArnLike"]["aws:SourceArn"] == "arn:aws:s3:::shared"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    policy = key_policy("111111111111", [logs_statement("eu-west-1", "arn:g")])
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    assert len(policy["Statement"]) == 2


def test_event_properties_render_into_the_server_configuration():
    cfg = parse_config(shipped("dev"), "dev")
    text = application_properties(cfg.polaris, EventLog("/polaris/x/events", "eu-west-1"))
    assert "polaris.event-listener.aws-cloudwatch.region=eu-west-1\n" in text
    assert "event-listener" not in application_properties(cfg.polaris)

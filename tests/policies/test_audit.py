"""The audit-trail policies: quiet on the shipped production plan, each one firing when its trail is off."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from configuration.loader import PROJECT_DIR
from policies import audit
from policies.common import AWS_S3_BUCKETS, AZURE_BLOB_CONTAINER, GCP_SERVICE_ACCOUNT, K8S_CONFIG_MAP
from tests.policies.harness import resource, run_stack
from tools import policy_analysis
from tools.plan import plan_stack

POLICIES = {p.name: p for p in audit.POLICIES}
PROD = {"production": True}


def _evaluate(config_dir: Path) -> dict[str, list[str]]:
    plan = plan_stack("prod", config_dir)
    resources = [{**r.to_json(), "inputs": r.unmasked_inputs} for r in plan.resources]
    report = policy_analysis.evaluate(resources, {}, policy_analysis.load_policy_config("prod"))
    found: dict[str, list[str]] = {}
    for violation in report.mandatory:
        found.setdefault(violation.policy, []).append(violation.message)
    return found


def test_every_audit_policy_fires_on_a_production_stack_with_the_trail_off(tmp_path):
    shutil.copy(PROJECT_DIR / "Pulumi.yaml", tmp_path)
    stack = yaml.safe_load((PROJECT_DIR / "Pulumi.prod.yaml").read_text())
    stack["config"]["polaris-data-exchange:audit"] = {"enabled": False}
    (tmp_path / "Pulumi.prod.yaml").write_text(yaml.safe_dump(stack))
    found = {name: messages for name, messages in _evaluate(tmp_path).items() if name.startswith("audit-")}
    assert set(found) == set(POLICIES)
    assert sorted(found["audit-s3-access-logging"]) == [
        "bucket acme-shared-data has no server access logging",
        "existing bucket s3://acme-archive-exports has no server access logging",
    ]
    assert found["audit-azure-blob-diagnostics"] == [
        "storage account initechshared has no blob diagnostic setting for reads, writes and deletes"
    ]


def test_dev_stacks_are_not_judged():
    from pulumi_policy.policy import _NotApplicableError

    with pytest.raises(_NotApplicableError):
        run_stack(POLICIES["audit-gcs-data-access"], [resource(GCP_SERVICE_ACCOUNT, "sa", {})], {"production": False})


def test_an_event_listener_needs_a_declared_retained_encrypted_group():
    config_map = resource(
        K8S_CONFIG_MAP,
        "polaris-config",
        {
            "data": {
                "application.properties": (
                    "polaris.event-listener.types=aws-cloudwatch\n"
                    "polaris.event-listener.aws-cloudwatch.log-group=/polaris/prod/events\n"
                )
            }
        },
    )
    group = resource(audit.AWS_LOG_GROUP, "group", {"name": "/polaris/prod/events", "retentionInDays": 365})
    policy = POLICIES["audit-polaris-events"]
    assert run_stack(policy, [config_map], PROD) == [
        ("Polaris' event log group '/polaris/prod/events' is not declared", config_map.urn)
    ]
    assert run_stack(policy, [config_map, group], PROD) == [
        ("Polaris' event log group needs a retention and a KMS key", group.urn)
    ]
    silent = resource(K8S_CONFIG_MAP, "polaris-config", {"data": {"application.properties": "polaris.realm=x\n"}})
    assert run_stack(policy, [silent], PROD)[0][0].startswith("Polaris' configuration has no aws-cloudwatch")


def test_gcs_audit_needs_both_data_access_types():
    account = resource(GCP_SERVICE_ACCOUNT, "sa", {})
    reads_only = resource(
        audit.GCP_AUDIT_CONFIG,
        "audit",
        {"service": "storage.googleapis.com", "auditLogConfigs": [{"logType": "DATA_READ"}]},
    )
    both = resource(
        audit.GCP_AUDIT_CONFIG,
        "audit",
        {"service": "storage.googleapis.com", "auditLogConfigs": [{"logType": "DATA_READ"}, {"logType": "DATA_WRITE"}]},
    )
    assert run_stack(POLICIES["audit-gcs-data-access"], [account, reads_only], PROD) != []
    assert run_stack(POLICIES["audit-gcs-data-access"], [account, both], PROD) == []


@pytest.mark.parametrize(
    "logs, uri, ok",
    [
        (
            [{"category": c, "enabled": True} for c in ("StorageRead", "StorageWrite", "StorageDelete")],
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default",
            True,
        ),
        (
            [{"category": c, "enabled": True} for c in ("StorageRead", "StorageWrite")],
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/acct/blobServices/default",
            False,
        ),
        (
            [{"category": c, "enabled": True} for c in ("StorageRead", "StorageWrite", "StorageDelete")],
            "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/acct",
            False,
        ),
    ],
)
def test_blob_diagnostics_cover_reads_writes_and_deletes_of_the_blob_service(logs, uri, ok):
    container = resource(AZURE_BLOB_CONTAINER, "container", {"accountName": "acct"})
    setting = resource(audit.AZURE_DIAGNOSTIC_SETTING, "diag", {"resourceUri": uri, "logs": logs, "workspaceId": "w"})
    assert (run_stack(POLICIES["audit-azure-blob-diagnostics"], [container, setting], PROD) == []) is ok


def test_a_log_bucket_need_not_log_itself():
    shared = resource(AWS_S3_BUCKETS[0], "shared", {"bucket": "shared"})
    logs = resource(AWS_S3_BUCKETS[0], "logs", {"bucket": "logs"})
    logging = resource(audit.AWS_S3_LOGGING[0], "logging", {"bucket": "shared", "targetBucket": "logs"})
    assert run_stack(POLICIES["audit-s3-access-logging"], [shared, logs, logging], PROD) == []
    assert run_stack(POLICIES["audit-s3-access-logging"], [shared, logs], PROD) == [
        ("bucket shared has no server access logging", shared.urn),
        ("bucket logs has no server access logging", logs.urn),
    ]

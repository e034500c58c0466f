"""The audit trail is on in production: Polaris' events reach an encrypted, retained CloudWatch log group;
every shared S3 bucket has server access logging; GCP owners record Cloud Storage Data Access logs; every
Azure storage account's blob service sends read, write and delete logs to a destination.

Stack rules, judged only when the policy config says ``production: true`` (prod.json); dev stacks may turn
the trail off (``audit.enabled: false``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs, StackValidationPolicy

from policies.common import (
    AWS_S3_BUCKETS,
    AZURE_BLOB_CONTAINER,
    GCP_SERVICE_ACCOUNT,
    K8S_CONFIG_MAP,
    PRODUCTION,
    StackCheck,
    as_list,
    get,
    of_type,
    stack_policy,
)

AWS_LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
AWS_S3_LOGGING = ("aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2")
GCP_AUDIT_CONFIG = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
AZURE_DIAGNOSTIC_SETTING = "azure-native:monitor:DiagnosticSetting"
EVENT_TYPES_KEY = "polaris.event-listener.types"
EVENT_GROUP_KEY = "polaris.event-listener.aws-cloudwatch.log-group"
GCS_LOG_TYPES = {"DATA_READ", "DATA_WRITE"}
BLOB_CATEGORIES = {"StorageRead", "StorageWrite", "StorageDelete"}
EXISTING_S3 = {
    "existingBuckets": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "description": "Storage roots the stack uses but does not create (s3://<bucket> entries must be logged too).",
    }
}

Findings = Iterable[tuple[str, str | None]]


def _production(check):
    def guarded(args: StackValidationArgs, config: Mapping[str, Any]) -> Findings:
        if not config.get("production"):
            args.not_applicable("not a production stack")
        return check(args, config)

    return guarded


def _properties(text: Any) -> dict[str, str]:
    lines = [line.split("=", 1) for line in str(text or "").splitlines() if "=" in line]
    return {key.strip(): value.strip() for key, value in lines}


def _polaris_event_findings(args: StackValidationArgs, _config: Mapping[str, Any]) -> Findings:
    groups = {get(g.props, "name"): g for g in of_type(args.resources, AWS_LOG_GROUP)}
    configs = [c for c in of_type(args.resources, K8S_CONFIG_MAP) if get(c.props, "data", "application.properties")]
    for config_map in configs:
        properties = _properties(get(config_map.props, "data", "application.properties"))
        if "aws-cloudwatch" not in properties.get(EVENT_TYPES_KEY, "").split(","):
            yield f"Polaris' configuration has no aws-cloudwatch event listener ({EVENT_TYPES_KEY})", config_map.urn
            continue
        group = groups.get(properties.get(EVENT_GROUP_KEY))
        if group is None:
            yield f"Polaris' event log group {properties.get(EVENT_GROUP_KEY)!r} is not declared", config_map.urn
        elif not get(group.props, "retentionInDays") or not get(group.props, "kmsKeyId"):
            yield "Polaris' event log group needs a retention and a KMS key", group.urn


def _s3_logging_findings(args: StackValidationArgs, config: Mapping[str, Any]) -> Findings:
    logging = list(of_type(args.resources, *AWS_S3_LOGGING))
    logged = {get(item.props, "bucket") for item in logging}
    targets = {get(item.props, "targetBucket") for item in logging}
    for bucket in of_type(args.resources, *AWS_S3_BUCKETS):
        name = get(bucket.props, "bucket")
        if name not in logged and name not in targets:  # a log bucket does not log itself
            yield f"bucket {name} has no server access logging", bucket.urn
    for root in config.get("existingBuckets", []):
        if root.startswith("s3://") and root.removeprefix("s3://") not in logged:
            yield f"existing bucket {root} has no server access logging", None


def _gcs_audit_findings(args: StackValidationArgs, _config: Mapping[str, Any]) -> Findings:
    vending = list(of_type(args.resources, GCP_SERVICE_ACCOUNT))
    complete = [
        c
        for c in of_type(args.resources, GCP_AUDIT_CONFIG)
        if get(c.props, "service") in ("storage.googleapis.com", "allServices")
        and {get(log, "logType") for log in as_list(get(c.props, "auditLogConfigs"))} >= GCS_LOG_TYPES
    ]
    if vending and not complete:
        yield "no Data Access audit configuration (DATA_READ, DATA_WRITE) for storage.googleapis.com", vending[0].urn


def _blob_diagnostic_findings(args: StackValidationArgs, _config: Mapping[str, Any]) -> Findings:
    covered = set()
    for setting in of_type(args.resources, AZURE_DIAGNOSTIC_SETTING):
        enabled = {get(log, "category") for log in as_list(get(setting.props, "logs")) if get(log, "enabled")}
        uri = str(get(setting.props, "resourceUri", default=""))
        if (
            enabled >= BLOB_CATEGORIES
            and uri.endswith("/blobServices/default")
            and (get(setting.props, "workspaceId") or get(setting.props, "storageAccountId"))
        ):
            covered.add(uri.removesuffix("/blobServices/default").rsplit("/", 1)[-1])
    for container in of_type(args.resources, AZURE_BLOB_CONTAINER):
        account = get(container.props, "accountName")
        if account not in covered:
            yield (
                f"storage account {account} has no blob diagnostic setting for reads, writes and deletes",
                container.urn,
            )


def _audit_policy(
    name: str, records: str, check: StackCheck, config: Mapping[str, Any] = PRODUCTION
) -> StackValidationPolicy:
    """One cloud's part of the audit trail, required in production; ``audit.enabled`` turns them all off."""
    return stack_policy(
        name,
        description=f"{records} Fix: leave `audit.enabled` unset or true.",
        remediation="Leave `audit.enabled` unset (or true) in the production stack.",
        severity=Severity.HIGH,
        check=_production(check),
        config=config,
    )


POLICIES = [
    _audit_policy(
        "audit-polaris-events",
        "Records who obtained credentials for what in production: Polaris' configuration enables the "
        "aws-cloudwatch event listener writing to a declared log group with a retention and a KMS key.",
        _polaris_event_findings,
    ),
    _audit_policy(
        "audit-s3-access-logging",
        "Records who read what in each AWS owner's account in production: every shared S3 bucket "
        "(created or existing) has server access logging to a log bucket.",
        _s3_logging_findings,
        {**PRODUCTION, **EXISTING_S3},
    ),
    _audit_policy(
        "audit-gcs-data-access",
        "Records who read what in each GCP owner's project in production: Cloud Storage Data Access "
        "audit logs (DATA_READ and DATA_WRITE) are on.",
        _gcs_audit_findings,
    ),
    _audit_policy(
        "audit-azure-blob-diagnostics",
        "Records who read what in each Azure owner's subscription in production: the storage "
        "account's blob service sends StorageRead, StorageWrite and StorageDelete logs to a destination.",
        _blob_diagnostic_findings,
    ),
]

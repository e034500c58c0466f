"""The audit trail of a confidential exchange: who obtained credentials for what, and who read what.

- Polaris' own events (catalogs, principals, grants, tables, credential vending) go to a CloudWatch log group
  in the platform account, encrypted with a key whose policy admits only that log group (``PolarisEventLog``);
- each AWS owner's bucket writes S3 server access logs to a log bucket in the owner's account
  (``AwsStorageAccessLog``), each GCP owner's project records Cloud Storage Data Access audit logs
  (``GcpStorageAuditLog``), each Azure owner's blob service sends read, write and delete logs to a Log
  Analytics workspace in the owner's subscription (``AzureStorageAuditLog``).

Reading it per cloud: docs/operations.md ("The audit trail").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_azure_native as azure_native
import pulumi_gcp as gcp

from components.key_policies import key_policy, logs_statement
from components.s3 import keep_private
from rules.aws import s3_bucket_arn

EVENT_LISTENER = "aws-cloudwatch"
EVENT_LOG_STREAM = "${HOSTNAME}"
"""One stream per pod: Quarkus expands the pod name from the environment."""
S3_LOG_DELIVERY = "logging.s3.amazonaws.com"
GCS_SERVICE = "storage.googleapis.com"
GCS_LOG_TYPES = ("DATA_READ", "DATA_WRITE")
BLOB_LOG_CATEGORIES = ("StorageRead", "StorageWrite", "StorageDelete")


@dataclass(frozen=True)
class EventLog:
    """Where Polaris' event listener writes (``polaris.event-listener.aws-cloudwatch.*``)."""

    log_group: str
    region: str

    def properties(self) -> dict[str, str]:
        prefix = f"polaris.event-listener.{EVENT_LISTENER}"
        return {
            "polaris.event-listener.types": EVENT_LISTENER,
            f"{prefix}.log-group": self.log_group,
            f"{prefix}.log-stream": EVENT_LOG_STREAM,
            f"{prefix}.region": self.region,
        }


def event_log_policy(log_group_arn: str) -> dict[str, Any]:
    """The server role may find its log group and write its own streams there, nothing else."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "FindEventLogGroup", "Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"},
            {
                "Sid": "WriteEvents",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                "Resource": [log_group_arn, f"{log_group_arn}:log-stream:*"],
            },
        ],
    }


def access_log_bucket_policy(log_bucket_arn: str, source_bucket_arn: str, account_id: str) -> dict[str, Any]:
    """S3's log delivery may write for the shared bucket only; nobody may use plain HTTP."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "S3ServerAccessLogs",
                "Effect": "Allow",
                "Principal": {"Service": S3_LOG_DELIVERY},
                "Action": "s3:PutObject",
                "Resource": f"{log_bucket_arn}/*",
                "Condition": {
                    "ArnLike": {"aws:SourceArn": source_bucket_arn},
                    "StringEquals": {"aws:SourceAccount": account_id},
                },
            },
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [log_bucket_arn, f"{log_bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }


def encrypted_log_group(
    name: str, group_name: str, account_id: str, region: str, retention_days: int, opts: pulumi.ResourceOptions
) -> aws.cloudwatch.LogGroup:
    """A log group with a retention and a KMS key of its own that CloudWatch Logs may use for it alone."""
    group_arn = f"arn:aws:logs:{region}:{account_id}:log-group:{group_name}"
    key = aws.kms.Key(
        f"{name}-key",
        description=f"{name}: log group {group_name}",
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=json.dumps(key_policy(account_id, [logs_statement(region, group_arn)])),
        opts=opts,
    )
    return aws.cloudwatch.LogGroup(
        f"{name}-group", name=group_name, retention_in_days=retention_days, kms_key_id=key.arn, opts=opts
    )


@dataclass(frozen=True)
class EventLogArgs:
    account_id: str
    region: str
    server_role_name: pulumi.Input[str]
    retention_days: int


class PolarisEventLog(pulumi.ComponentResource):
    """Polaris' event log group (retention, its own KMS key) and the server role's right to write it.
    Pass the platform provider in ``opts``."""

    event_log: EventLog

    def __init__(self, name: str, args: EventLogArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:audit:PolarisEventLog", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        group_name = f"/polaris/{pulumi.get_stack()}/events"
        group_arn = f"arn:aws:logs:{args.region}:{args.account_id}:log-group:{group_name}"
        group = encrypted_log_group(name, group_name, args.account_id, args.region, args.retention_days, child)
        aws.iam.RolePolicy(
            f"{name}-write",
            role=args.server_role_name,
            policy=json.dumps(event_log_policy(group_arn)),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[group]),
        )
        self.event_log = EventLog(group_name, args.region)
        self.log_group_arn = group.arn
        self.register_outputs({"log_group": group_name, "log_group_arn": self.log_group_arn})


@dataclass(frozen=True)
class AwsAccessLogArgs:
    bucket: pulumi.Input[str]
    account_id: str
    retention_days: int


class AwsStorageAccessLog(pulumi.ComponentResource):
    """S3 server access logs of a shared bucket, into a private log bucket in the owner's account (SSE-S3: the
    only encryption S3 log delivery supports), expired after the retention. Pass the owner's provider."""

    def __init__(self, name: str, args: AwsAccessLogArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:audit:AwsStorageAccessLog", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        logs = aws.s3.Bucket(f"{name}-bucket", force_destroy=False, opts=child)
        keep_private(name, logs, None, child)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-retention",
            bucket=logs.id,
            rules=[
                {
                    "id": "retention",
                    "status": "Enabled",
                    "filter": {},
                    "expiration": {"days": args.retention_days},
                    "noncurrent_version_expiration": {"noncurrent_days": 1},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
                }
            ],
            opts=child,
        )
        source_arn = pulumi.Output.from_input(args.bucket).apply(s3_bucket_arn)
        policy = aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=logs.id,
            policy=pulumi.Output.all(logs.arn, source_arn).apply(
                lambda arns: json.dumps(access_log_bucket_policy(arns[0], arns[1], args.account_id))
            ),
            opts=child,
        )
        aws.s3.BucketLogging(
            f"{name}-logging",
            bucket=args.bucket,
            target_bucket=logs.id,
            target_prefix="s3-access/",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        self.log_bucket = logs.id
        self.register_outputs({"log_bucket": self.log_bucket})


class GcpStorageAuditLog(pulumi.ComponentResource):
    """Cloud Storage Data Access audit logs (reads and writes of objects) in the owner's project; they land in
    the project's ``_Default`` log bucket. Pass the owner's provider."""

    def __init__(self, name: str, project: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:audit:GcpStorageAuditLog", name, None, opts)
        gcp.projects.IAMAuditConfig(
            f"{name}-data-access",
            project=project,
            service=GCS_SERVICE,
            audit_log_configs=[{"log_type": t} for t in GCS_LOG_TYPES],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"service": GCS_SERVICE})


@dataclass(frozen=True)
class AzureAuditArgs:
    storage_account_id: pulumi.Input[str]
    resource_group: str
    location: str
    retention_days: int


class AzureStorageAuditLog(pulumi.ComponentResource):
    """Blob read, write and delete logs of the owner's storage account, into a Log Analytics workspace in the
    owner's resource group. Pass the owner's provider."""

    def __init__(self, name: str, args: AzureAuditArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:audit:AzureStorageAuditLog", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        workspace = azure_native.operationalinsights.Workspace(
            f"{name}-workspace",
            resource_group_name=args.resource_group,
            location=args.location,
            sku={"name": "PerGB2018"},
            retention_in_days=args.retention_days,
            opts=child,
        )
        blob_service = pulumi.Output.from_input(args.storage_account_id).apply(
            lambda account: f"{account}/blobServices/default"
        )
        azure_native.monitor.DiagnosticSetting(
            f"{name}-blob-logs",
            name="polaris-audit",
            resource_uri=blob_service,
            workspace_id=workspace.id,
            logs=[{"category": category, "enabled": True} for category in BLOB_LOG_CATEGORIES],
            opts=child,
        )
        self.workspace_id = workspace.id
        self.register_outputs({"workspace_id": self.workspace_id})

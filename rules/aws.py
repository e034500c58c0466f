"""AWS: account ids, regions, ARNs and S3 bucket names.

ARNs follow `arn:<partition>:<service>:<region>:<account>:<resource>`. Source: "Identify AWS resources with
Amazon Resource Names (ARNs)", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
Patterns here are meant for ``fullmatch``: ``re.match`` with `$` would let a trailing line break through.
"""

from __future__ import annotations

import re

PARTITION = r"aws(?:-[a-z]+)*"
"""`aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, `aws-eusc`, ...: `aws`, then dash-separated words."""
ACCOUNT_ID = re.compile(r"[0-9]{12}")
"""Twelve ASCII digits (a YAML integer loses leading zeros: the configuration quotes it)."""
REGION = re.compile(r"[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-[0-9]")
"""`eu-west-1`, `us-gov-west-1`, `us-isob-east-1`. Source: "AWS Regions",
https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html"""
ROLE_ARN = re.compile(
    rf"arn:{PARTITION}:iam::(?P<account>[0-9]{{12}}):role/(?:[!-\x7f]{{1,510}}/)?[A-Za-z0-9+=,.@_-]{{1,64}}"
)
"""`arn:<partition>:iam::<account>:role/<path/><name>`. IAM's CreateRole: the name is 1-64 ASCII letters, digits
or `+=,.@_-`; the path (`/` alone, or `/.../` of 1-512 characters from `!` to DEL) appears without its leading
slash. Source: IAM API Reference, CreateRole (RoleName, Path); "IAM identifiers", IAM ARNs."""
ACCOUNT_PRINCIPAL = re.compile(rf"[0-9]{{12}}|arn:{PARTITION}:iam::[0-9]{{12}}:root")
"""A policy principal that names a whole account (every identity the account allows): the bare id or its root.
Source: "AWS JSON policy elements: Principal", AWS account principals."""
KMS_KEY_ARN = re.compile(
    rf"arn:{PARTITION}:kms:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{{12}}):key/"
    r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})"
)
"""A KMS key (a UUID key id, or `mrk-` and 32 hex digits for a multi-Region key), never an alias. Source: AWS KMS
Developer Guide, "Key identifiers (KeyId)"."""
ACM_CERTIFICATE_ARN = re.compile(
    rf"arn:{PARTITION}:acm:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{{12}}):certificate/[0-9a-f-]+"
)
"""An ACM certificate; ACM is regional, so region and account say where a load balancer may use it."""
RDS_BACKUP_RETENTION_MAX_DAYS = 35
"""The longest automated backup retention RDS keeps. Source: Amazon RDS User Guide, "Backup retention period"."""
ROLE_CHAINING_MAX_SECONDS = 3600
"""A session assumed with another role's session (Polaris' IRSA session -> a vending role) lasts at most an hour,
whatever the role's maxSessionDuration. Source: IAM User Guide, "Role chaining" (Roles terms and concepts)."""
ROLE_DEFAULT_SESSION_SECONDS = 3600
"""A role's maxSessionDuration when none is set. Source: IAM API Reference, CreateRole (MaxSessionDuration)."""
S3_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
"""3-63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit (see ``s3_bucket_ok``)."""
_IP_ADDRESS = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_S3_ARN_PREFIX = "arn:aws:s3:::"


def role_account(arn: str) -> str | None:
    """The account of an IAM role ARN; None when ``arn`` is not one."""
    match = ROLE_ARN.fullmatch(arn)
    return match["account"] if match else None


def s3_bucket_ok(name: str) -> bool:
    """S3's naming rules for general purpose buckets: ``S3_BUCKET``, no two adjacent periods, not an IP address,
    no `xn--` prefix. Source: "General purpose bucket naming rules",
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"""
    return (
        S3_BUCKET.fullmatch(name) is not None
        and ".." not in name
        and _IP_ADDRESS.fullmatch(name) is None
        and not name.startswith("xn--")
    )


def s3_bucket_arn(bucket: str) -> str:
    """A bucket's ARN: S3 ARNs carry neither region nor account (commercial partition, the one this program
    deploys to)."""
    return _S3_ARN_PREFIX + bucket


def s3_bucket_of(resource: str) -> str | None:
    """The bucket an S3 bucket or object ARN names (``arn:aws:s3:::<bucket>[/<key>]``); None for any other."""
    return resource.removeprefix(_S3_ARN_PREFIX).split("/", 1)[0] if resource.startswith(_S3_ARN_PREFIX) else None

"""S3 credential vending: per AWS data owner, the bucket and the role Polaris assumes to vend credentials.

Polaris' server role (IRSA) calls ``sts:AssumeRole`` on a catalog's role with the catalog's external id and
an inline session policy narrowed to the table's paths; what it gets is the intersection of that session
policy and the role's own policy. So the vending role trusts exactly the server role (with the external id)
and may touch nothing but the owner's shared prefixes. Everything of an owner lives in the owner's account,
through an explicit provider pinned to it: one program spans as many AWS accounts as there are owners.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.audit import AwsAccessLogArgs, AwsStorageAccessLog
from components.aws_accounts import account_provider
from components.s3 import keep_private
from configuration.schema import AwsAccount, AwsCredentials, DataOwnerConfig, S3CompatibleEndpoints
from rules.aws import ROLE_ARN, ROLE_CHAINING_MAX_SECONDS, s3_bucket_arn

POLICY_VERSION = "2012-10-17"
OBJECT_ACTIONS = ("s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject")
KMS_ACTIONS = (
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:DescribeKey",
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "kms:Encrypt",
)
"""What Polaris 1.7.0 puts in a write session's policy for the catalog's keys (AwsCredentialsStorageIntegration
.addKmsKeyPolicy; a read session drops kms:Encrypt): the role grants the same, so no vended action is cut off."""
EXTERNAL_ID_LENGTH = 32


@dataclass(frozen=True)
class AwsVendingArgs:
    owner: DataOwnerConfig
    """A data owner with ``aws`` set."""
    polaris_server_role_arn: pulumi.Input[str] | None
    """The only identity the vending role the program creates trusts: Polaris' IRSA role (None only when the
    owner brings its vending role, which keeps its own trust)."""
    session_tags: bool = False
    """Polaris sends STS session tags (``polaris.sessionTags``): the trust must also allow ``sts:TagSession``."""
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """The stack's tags, applied as the owner provider's default tags. (A factory: dataclasses refuse a
    mappingproxy default.)"""
    credentials: AwsCredentials = AwsCredentials.ASSUME_ROLE
    """How the program reaches the owner's account (``platform.awsCredentials``)."""


def vending_trust_policy(server_role_arn: str, external_id: str, session_tags: bool) -> dict[str, Any]:
    """Only Polaris' server role, and only with the owner's external id (the confused-deputy guard).

    ``sts:TagSession`` gets its own statement: ``sts:ExternalId`` is not a documented key of that action, and
    a condition on a key absent from the request would deny every tagged AssumeRole. Tagging alone grants no
    session, so the external id still gates the role.
    """
    # The one invariant this policy needs of its argument (a resolved output, beyond configuration validation):
    # it names a single role, never an account or a wildcard.
    if not ROLE_ARN.fullmatch(server_role_arn):
        raise ValueError(f"the vending role must trust one IAM role, not {server_role_arn!r}")
    principal = {"AWS": server_role_arn}
    statements = [
        {
            "Sid": "PolarisServerWithExternalId",
            "Effect": "Allow",
            "Principal": principal,
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
        }
    ]
    if session_tags:
        statements.append(
            {"Sid": "PolarisServerSessionTags", "Effect": "Allow", "Principal": principal, "Action": "sts:TagSession"}
        )
    return {"Version": POLICY_VERSION, "Statement": statements}


def vending_permissions_policy(bucket: str, prefixes: Sequence[str], kms_key_arn: str | None) -> dict[str, Any]:
    """Objects under the shared prefixes, listing limited to them, the bucket's region, and the key if any.

    Polaris narrows each vended session further to one table's paths; this is the ceiling.
    """
    paths = [prefix.strip("/") for prefix in prefixes]
    bucket_arn = s3_bucket_arn(bucket)
    statements = [
        {
            "Sid": "SharedObjects",
            "Effect": "Allow",
            "Action": list(OBJECT_ACTIONS),
            "Resource": [f"{bucket_arn}/{path}/*" for path in paths],
        },
        {
            "Sid": "ListSharedPrefixes",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [pattern for path in paths for pattern in (f"{path}/*", path)]}},
        },
        {"Sid": "BucketLocation", "Effect": "Allow", "Action": "s3:GetBucketLocation", "Resource": bucket_arn},
    ]
    if kms_key_arn:
        statements.append({"Sid": "OwnerKey", "Effect": "Allow", "Action": list(KMS_ACTIONS), "Resource": kms_key_arn})
    return {"Version": POLICY_VERSION, "Statement": statements}


def s3_endpoint_settings(endpoints: S3CompatibleEndpoints | None) -> dict[str, Any]:
    """The S3-compatible store's endpoints, as Polaris 1.7.0's AwsStorageConfigInfo names them."""
    if endpoints is None:
        return {}
    settings: dict[str, Any] = {"endpoint": endpoints.s3, "pathStyleAccess": endpoints.path_style_access}
    if endpoints.sts is not None:
        settings["stsEndpoint"] = endpoints.sts
    return settings


def polaris_kms_settings(kms_key_arn: str | None) -> dict[str, Any]:
    """The S3 storage configuration's key fields. Without them Polaris 1.7.0 adds KMS to read sessions only
    (and then for every key of the account): every write under SSE-KMS, its own metadata writes included, is
    denied."""
    return {"currentKmsKey": kms_key_arn, "allowedKmsKeys": [kms_key_arn]} if kms_key_arn else {}


def tls_only_bucket_policy(bucket: str) -> dict[str, Any]:
    """Refuse any request to the bucket or its objects that does not use TLS, whoever makes it."""
    bucket_arn = s3_bucket_arn(bucket)
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def _declaring(child: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions:
    """The options of what the program declares in the owner's account: it has them whenever it creates the
    bucket or the vending role (``reach`` in ``AwsDataOwner``)."""
    if child is None:
        raise RuntimeError("nothing may be declared in a data owner's account without its provider")
    return child


class AwsDataOwner(pulumi.ComponentResource):
    """One AWS data owner (a ``DataOwner``): its hardened bucket (created or existing) and the vending role
    Polaris assumes, created or brought (``vendingRole``)."""

    role_arn: pulumi.Output[str]
    external_id: pulumi.Output[str]
    """Secret: the catalog's ``storageConfigInfo.externalId``."""
    account_id: str
    region: str
    endpoints: S3CompatibleEndpoints | None
    """An S3-compatible store's endpoints; None = AWS S3."""
    allowed_locations: list[str]
    bucket: pulumi.Input[str]
    """The bucket's name; an output of the created bucket, so dependents wait for it."""
    kms_key_arn: str | None
    trust_policy: pulumi.Output[str]
    """Secret, as it holds the external id."""
    permissions_policy: str

    def __init__(self, name: str, args: AwsVendingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:aws:DataOwner", name, None, opts)
        owner, account = args.owner, args.owner.aws
        if account is None:
            raise ValueError(f"data owner {owner.name!r} is not on AWS")
        bucket = owner.storage.bucket
        if bucket is None:  # configuration validation requires it of an AWS owner
            raise ValueError(f"data owner {owner.name!r}: storage.bucket is unset; an AWS data owner needs one")
        given = account.vending_role
        self.account_id, self.region, self.endpoints = account.account_id, account.region, account.endpoints
        self.allowed_locations = list(owner.allowed_locations)
        self.kms_key_arn = account.kms_key_arn
        self.permissions_policy = json.dumps(
            vending_permissions_policy(bucket, owner.storage.prefixes, account.kms_key_arn)
        )
        reach = owner.storage.create or given is None or account.deploy_role_arn is not None
        child = self._child_options(name, account, args) if reach else None
        self.provider = child.provider if child else None
        """The owner's account (None when the program declares nothing there: identity and bucket brought)."""
        self.bucket = (
            self._bucket(name, bucket, account.kms_key_arn, _declaring(child)) if owner.storage.create else bucket
        )
        if given is None:
            trusted = args.polaris_server_role_arn
            if trusted is None:
                raise ValueError(f"data owner {owner.name!r}: a vending role the program creates needs a role to trust")
            self.external_id = self._external_id(name)
            self.trust_policy = pulumi.Output.secret(
                pulumi.Output.all(trusted, self.external_id).apply(
                    lambda values: json.dumps(vending_trust_policy(values[0], values[1], args.session_tags))
                )
            )
            self.role_arn = self._role(name, owner, _declaring(child))
        else:
            # Brought by the owner's security team: the program declares nothing in the owner's account for it.
            self.external_id = pulumi.Output.secret(str(given.external_id))
            self.trust_policy = pulumi.Output.secret("")
            self.role_arn = pulumi.Output.from_input(given.role_arn)
        self.register_outputs(
            {
                "role_arn": self.role_arn,
                "external_id": self.external_id,
                "region": self.region,
                "allowed_locations": self.allowed_locations,
                "bucket": self.bucket,
                "kms_key_arn": self.kms_key_arn,
                "trust_policy": self.trust_policy,
                "permissions_policy": self.permissions_policy,
            }
        )

    @property
    def assumed_roles(self) -> list[pulumi.Output[str]]:
        return [self.role_arn]

    def storage_config(self) -> dict[str, Any]:
        return {
            "storageType": "S3",
            "roleArn": self.role_arn,
            "externalId": self.external_id,
            "region": self.region,
            **s3_endpoint_settings(self.endpoints),
            **polaris_kms_settings(self.kms_key_arn),
        }

    def summary(self) -> dict[str, Any]:
        return {
            "cloud": "aws",
            "roleArn": self.role_arn,
            "externalId": pulumi.Output.secret(self.external_id),
            "allowedLocations": self.allowed_locations,
        }

    def access_log(self, name: str, retention_days: int) -> AwsStorageAccessLog:
        return AwsStorageAccessLog(
            name,
            AwsAccessLogArgs(bucket=self.bucket, account_id=self.account_id, retention_days=retention_days),
            opts=pulumi.ResourceOptions(provider=self.provider),
        )

    def _child_options(self, name: str, account: AwsAccount, args: AwsVendingArgs) -> pulumi.ResourceOptions:
        provider = account_provider(
            f"{name}-provider",
            account_id=account.account_id,
            region=account.region,
            deploy_role_arn=account.deploy_role_arn,
            credentials=args.credentials,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return pulumi.ResourceOptions(parent=self, provider=provider)

    def _external_id(self, name: str) -> pulumi.Output[str]:
        """One per owner, so no owner's id opens another owner's role. Not a cloud resource: no provider."""
        password = random.RandomPassword(
            f"{name}-external-id", length=EXTERNAL_ID_LENGTH, special=False, opts=pulumi.ResourceOptions(parent=self)
        )
        return pulumi.Output.secret(password.result)

    def _role(self, name: str, owner: DataOwnerConfig, child: pulumi.ResourceOptions) -> pulumi.Output[str]:
        role = aws.iam.Role(
            f"{name}-vending",
            assume_role_policy=self.trust_policy,
            max_session_duration=ROLE_CHAINING_MAX_SECONDS,  # Polaris asks for exactly the chaining cap
            description=f"Assumed by Polaris to vend credentials for {owner.name}'s shared prefixes",
            opts=child,
        )
        aws.iam.RolePolicy(f"{name}-vending-access", role=role.id, policy=self.permissions_policy, opts=child)
        return role.arn

    @staticmethod
    def _bucket(
        name: str, bucket_name: str, kms_key_arn: str | None, child: pulumi.ResourceOptions
    ) -> pulumi.Output[str]:
        """The bucket and its hardening. All of it is retained on delete: the data belongs to the owner, so
        neither `destroy`, nor dropping the owner, nor switching to `create: false` may delete it or strip its
        protections; the stack just lets go (see docs/operations.md, tearing down). Not `protect`: that would
        block those legitimate hand-overs, while retaining already makes a Pulumi-driven data loss impossible."""
        kept = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(retain_on_delete=True))
        bucket = aws.s3.Bucket(f"{name}-bucket", bucket=bucket_name, opts=kept)
        access_block = keep_private(name, bucket, kms_key_arn, kept)
        # After the public access block: S3 rejects concurrent changes to one bucket's access settings.
        aws.s3.BucketPolicy(
            f"{name}-tls-only",
            bucket=bucket.id,
            policy=json.dumps(tls_only_bucket_policy(bucket_name)),
            opts=pulumi.ResourceOptions.merge(kept, pulumi.ResourceOptions(depends_on=[access_block])),
        )
        return bucket.bucket

import json

import pytest

from policies import aws
from policies.common import (
    AWS_EKS_CLUSTER,
    AWS_IAM_POLICY,
    AWS_IAM_ROLE,
    AWS_IAM_ROLE_POLICY,
    AWS_RDS_INSTANCE,
    AWS_S3_PUBLIC_ACCESS_BLOCK,
    EKS_COMPONENT_CLUSTER,
)
from tests.policies.harness import run

SERVER_ROLE = "arn:aws:iam::111111111111:role/platform-server-role"


def trust(principal, condition=None, effect="Allow"):
    statement = {"Sid": "Polaris", "Effect": effect, "Principal": principal, "Action": "sts:AssumeRole"}
    if condition is not None:
        statement["Condition"] = condition
    return {"assumeRolePolicy": json.dumps({"Version": "2012-10-17", "Statement": [statement]})}


EXTERNAL_ID = {"StringEquals": {"sts:ExternalId": "abc"}}


@pytest.mark.parametrize(
    "props, expected",
    [
        (trust({"AWS": SERVER_ROLE}, EXTERNAL_ID), []),
        (trust({"Service": "ec2.amazonaws.com"}), []),
        (trust({"AWS": SERVER_ROLE}, EXTERNAL_ID, effect="Deny"), []),
        (trust("*", EXTERNAL_ID), ["statement Polaris trusts every principal; name the Polaris server role"]),
        (trust({"AWS": "*"}, EXTERNAL_ID), ['statement Polaris trusts every AWS principal ("*")']),
        (
            trust({"AWS": "arn:aws:iam::222222222222:root"}, EXTERNAL_ID),
            [
                "statement Polaris trusts the whole account arn:aws:iam::222222222222:root; name the Polaris server role "
                "instead"
            ],
        ),
        (
            trust({"AWS": ["222222222222"]}, EXTERNAL_ID),
            ["statement Polaris trusts the whole account 222222222222; name the Polaris server role instead"],
        ),
        (
            trust({"AWS": SERVER_ROLE}),
            ["statement Polaris lets AWS principals assume the role without a StringEquals sts:ExternalId condition"],
        ),
        (
            trust({"AWS": SERVER_ROLE}, {"StringLike": {"sts:ExternalId": "*"}}),
            ["statement Polaris lets AWS principals assume the role without a StringEquals sts:ExternalId condition"],
        ),
        ({"assumeRolePolicy": "not json"}, ["assumeRolePolicy is not a JSON policy document"]),
    ],
)
def test_role_trust(props, expected):
    assert run(aws.vending_role_trust, AWS_IAM_ROLE, props) == expected


def document(*statements):
    return {"policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})}


OBJECTS = {
    "Sid": "Objects",
    "Effect": "Allow",
    "Action": ["s3:GetObject", "s3:PutObject"],
    "Resource": ["arn:aws:s3:::acme/sales/*"],
}


@pytest.mark.parametrize(
    "props, expected",
    [
        (
            document(
                OBJECTS,
                {"Sid": "Key", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:eu-west-1:1:key/k"},
            ),
            [],
        ),
        (document({"Sid": "Lb", "Effect": "Allow", "Action": "elasticloadbalancing:*", "Resource": "*"}), []),
        (
            document(OBJECTS, {"Sid": "All", "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::acme/*"}),
            ["statement All allows the wildcard action s3:*; list the actions"],
        ),
        (
            document(OBJECTS, {"Sid": "Any", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}),
            ["statement Any allows the wildcard resource *; name the bucket or key"],
        ),
        (
            document(
                OBJECTS,
                {"Sid": "Buckets", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::acme-*"},
            ),
            ["statement Buckets allows the wildcard resource arn:aws:s3:::acme-*; name the bucket or key"],
        ),
        (
            document(OBJECTS, {"Sid": "Iam", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:r"}),
            ["statement Iam allows iam:PassRole, outside s3:, kms:"],
        ),
        (
            document(OBJECTS | {"NotResource": "arn:aws:s3:::x"}),
            ["statement Objects uses NotResource, which allows everything not listed"],
        ),
    ],
)
@pytest.mark.parametrize("type_", [AWS_IAM_ROLE_POLICY, AWS_IAM_POLICY])
def test_vending_permissions(type_, props, expected):
    assert run(aws.vending_permissions, type_, props) == expected


def test_vending_permissions_config_widens_the_allowed_actions():
    props = document(OBJECTS, {"Sid": "Sts", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:r"})
    assert run(aws.vending_permissions, AWS_IAM_ROLE_POLICY, props) == [
        "statement Sts allows sts:AssumeRole, outside s3:, kms:"
    ]
    assert (
        run(
            aws.vending_permissions,
            AWS_IAM_ROLE_POLICY,
            props,
            {"allowedActionPrefixes": ["s3:", "kms:", "sts:AssumeRole"]},
        )
        == []
    )


@pytest.mark.parametrize(
    "props, config, expected",
    [
        ({"maxSessionDuration": 3600.0}, {}, []),
        ({}, {}, []),  # AWS default: one hour
        ({"maxSessionDuration": 43200.0}, {}, ["maxSessionDuration is 43200 s, above 3600 s"]),
        ({"maxSessionDuration": 3600.0}, {"maxSeconds": 900}, ["maxSessionDuration is 3600 s, above 900 s"]),
    ],
)
def test_role_max_session(props, config, expected):
    assert run(aws.role_max_session, AWS_IAM_ROLE, props, config) == expected


FLAGS = dict.fromkeys(aws.PUBLIC_ACCESS_FLAGS, True)


@pytest.mark.parametrize(
    "props, expected",
    [
        (FLAGS, []),
        (FLAGS | {"restrictPublicBuckets": False}, ["restrictPublicBuckets is false, not true"]),
        ({"bucket": "b"}, [f"{flag} is false, not true" for flag in aws.PUBLIC_ACCESS_FLAGS]),  # AWS default: off
    ],
)
def test_public_access_block(props, expected):
    assert run(aws.s3_public_access_block, AWS_S3_PUBLIC_ACCESS_BLOCK, props) == expected


@pytest.mark.parametrize(
    "type_, props, expected",
    [
        (EKS_COMPONENT_CLUSTER, {"encryptionConfigKeyArn": "arn:aws:kms:k"}, []),
        (
            EKS_COMPONENT_CLUSTER,
            {},
            ["encryptionConfigKeyArn is not set: Kubernetes secrets are not envelope-encrypted"],
        ),
        (AWS_EKS_CLUSTER, {"encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": "arn:k"}}}, []),
        (
            AWS_EKS_CLUSTER,
            {"encryptionConfig": {"resources": [], "provider": {"keyArn": "arn:k"}}},
            [
                'encryptionConfig {"provider": {"keyArn": "arn:k"}, "resources": []} does not encrypt `secrets` with a KMS key'
            ],
        ),
        (AWS_EKS_CLUSTER, {}, ["encryptionConfig null does not encrypt `secrets` with a KMS key"]),
    ],
)
def test_eks_secrets_encryption(type_, props, expected):
    assert run(aws.eks_secrets_encryption, type_, props) == expected


@pytest.mark.parametrize("type_", [EKS_COMPONENT_CLUSTER, AWS_EKS_CLUSTER])
@pytest.mark.parametrize(
    "logs, expected",
    [
        (["api", "audit", "authenticator", "scheduler"], []),
        (["api"], ["control-plane log types audit, authenticator are not enabled"]),
        (None, ["control-plane log types api, audit, authenticator are not enabled"]),
    ],
)
def test_eks_control_plane_logging(type_, logs, expected):
    props = {} if logs is None else {"enabledClusterLogTypes": logs}
    assert run(aws.eks_control_plane_logging, type_, props) == expected


OPEN = "the public API endpoint is open to 0.0.0.0/0 in production (the whole internet)"
HALVES = "the public API endpoint is open to 0.0.0.0/1 + 128.0.0.0/1 in production (the whole internet)"


@pytest.mark.parametrize(
    "endpoint, production, expected",
    [
        ({"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]}, True, []),
        ({"endpointPublicAccess": False}, True, []),
        ({"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]}, True, [OPEN]),
        ({}, True, [OPEN]),  # EKS defaults: public, from anywhere
        ({"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/1", "128.0.0.0/1"]}, True, [HALVES]),
        ({"endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/1", "192.0.0.0/2"]}, True, []),
        ({}, False, []),
    ],
)
def test_eks_public_endpoint(endpoint, production, expected):
    config = {"production": production}
    assert run(aws.eks_public_endpoint, EKS_COMPONENT_CLUSTER, endpoint, config) == expected
    assert run(aws.eks_public_endpoint, AWS_EKS_CLUSTER, {"vpcConfig": endpoint}, config) == expected


SAFE_DB = {"storageEncrypted": True, "publiclyAccessible": False, "deletionProtection": True}


@pytest.mark.parametrize(
    "policy, props, config, expected",
    [
        (aws.rds_storage_encrypted, SAFE_DB, {}, []),
        (aws.rds_storage_encrypted, {}, {}, ["storageEncrypted is false, not true"]),
        (aws.rds_not_public, SAFE_DB, {}, []),
        (aws.rds_not_public, SAFE_DB | {"publiclyAccessible": True}, {}, ["publiclyAccessible is true"]),
        (aws.rds_deletion_protection, SAFE_DB, {"production": True}, []),
        (aws.rds_deletion_protection, {}, {"production": False}, []),
        (aws.rds_deletion_protection, {}, {"production": True}, ["deletionProtection is false in production"]),
    ],
)
def test_rds(policy, props, config, expected):
    assert run(policy, AWS_RDS_INSTANCE, props, config) == expected


def test_rules_ignore_other_types():
    assert run(aws.rds_not_public, AWS_IAM_ROLE, {"publiclyAccessible": True}) == []

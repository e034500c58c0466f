import json

import pytest

from policies import gcp
from policies.common import (
    GCP_BUCKET,
    GCP_BUCKET_IAM,
    GCP_PROJECT_IAM,
    GCP_SERVICE_ACCOUNT_IAM,
    GCP_SERVICE_ACCOUNT_KEY,
    GCP_WIF_PROVIDER,
)
from tests.policies.harness import run


def test_service_account_keys_must_not_exist():
    assert run(gcp.no_service_account_keys, GCP_SERVICE_ACCOUNT_KEY, {"serviceAccountId": "sa"}) == [
        "declares a service account key; Polaris impersonates the account through workload identity"
    ]
    assert run(gcp.no_service_account_keys, GCP_BUCKET, {}) == []


PRIVATE = {"name": "b", "uniformBucketLevelAccess": True, "publicAccessPrevention": "enforced"}


@pytest.mark.parametrize(
    "props, expected",
    [
        (PRIVATE, []),
        (PRIVATE | {"uniformBucketLevelAccess": False}, ["uniformBucketLevelAccess is false, not true"]),
        (
            {"name": "b"},
            ["uniformBucketLevelAccess is false, not true", 'publicAccessPrevention is "inherited", not "enforced"'],
        ),
    ],
)
def test_bucket_private(props, expected):
    assert run(gcp.bucket_private, GCP_BUCKET, props) == expected


MEMBER, BINDING, POLICY = 0, 1, 2


def iam(kind: int, role: str) -> dict:
    if kind == POLICY:
        return {"policyData": json.dumps({"bindings": [{"role": role, "members": ["user:a@b"]}]})}
    if kind == BINDING:
        return {"role": role, "members": ["serviceAccount:x"]}
    return {"role": role, "member": "serviceAccount:x"}


@pytest.mark.parametrize("kind", [MEMBER, BINDING, POLICY])
@pytest.mark.parametrize(
    "types, role, expected",
    [
        (GCP_BUCKET_IAM, "roles/storage.objectUser", []),
        (GCP_PROJECT_IAM, "roles/serviceusage.serviceUsageConsumer", []),
        (GCP_SERVICE_ACCOUNT_IAM, "roles/iam.serviceAccountTokenCreator", []),
        (GCP_PROJECT_IAM, "roles/owner", ["grants the basic role roles/owner"]),
        (GCP_BUCKET_IAM, "roles/viewer", ["grants the basic role roles/viewer"]),
        (GCP_SERVICE_ACCOUNT_IAM, "roles/editor", ["grants the basic role roles/editor"]),
        (
            GCP_PROJECT_IAM,
            "roles/storage.objectAdmin",
            ["grants roles/storage.objectAdmin on the whole project; grant it on the bucket instead"],
        ),
    ],
)
def test_no_basic_or_project_storage_roles(kind, types, role, expected):
    assert run(gcp.no_broad_roles, types[kind], iam(kind, role)) == expected


@pytest.mark.parametrize(
    "props, expected",
    [
        ({"attributeCondition": "assertion.sub == 'system:serviceaccount:polaris:polaris'"}, []),
        ({"attributeCondition": "  "}, ['attributeCondition is "  ": every identity of the issuer may federate']),
        ({}, ['attributeCondition is "": every identity of the issuer may federate']),
    ],
)
def test_wif_attribute_condition(props, expected):
    assert run(gcp.wif_attribute_condition, GCP_WIF_PROVIDER, props) == expected

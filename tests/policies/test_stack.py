import json

import pytest

from policies import stack
from policies.common import (
    AWS_IAM_ROLE,
    AWS_IAM_ROLE_POLICY,
    AWS_S3_BUCKET_POLICY,
    AWS_S3_ENCRYPTION,
    AWS_S3_PUBLIC_ACCESS_BLOCK,
    AZURE_BLOB_CONTAINER,
    AZUREAD_SERVICE_PRINCIPAL,
    GCP_BUCKET,
    GCP_SERVICE_ACCOUNT,
    POLARIS_CATALOG,
    POLARIS_CATALOG_ROLE_ASSIGNMENT,
    POLARIS_GRANT,
    POLARIS_PRINCIPAL,
    POLARIS_PRINCIPAL_ROLE_ASSIGNMENT,
)
from tests.policies.harness import resource, run_stack

POLICIES = {p.name: p for p in stack.POLICIES}
ROLE_ARN = "arn:aws:iam::222222222222:role/acme-vending-1"
SA = "polaris-globex@globex.iam.gserviceaccount.com"
TENANT = "tenant-initech"
ACME_S3 = "aws:s3/bucket:Bucket"
GCS_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember"


def doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def catalog(name: str, storage: dict):
    return resource(
        POLARIS_CATALOG, f"catalog-{name}", {"name": name, "connection": "[secret]", "storageConfigInfo": storage}
    )


S3_CATALOG = {"storageType": "S3", "roleArn": ROLE_ARN, "allowedLocations": ["s3://acme/sales/"]}
GCS_CATALOG = {"storageType": "GCS", "gcsServiceAccount": SA, "allowedLocations": ["gs://globex/research/"]}
AZURE_CATALOG = {
    "storageType": "AZURE",
    "tenantId": TENANT,
    "allowedLocations": ["abfss://exchange@initech.dfs.core.windows.net/finance/"],
}


def storage_resources() -> list:
    return [
        resource(ACME_S3, "acme-bucket", {"bucket": "acme"}),
        resource(
            AWS_S3_ENCRYPTION[0],
            "acme-encryption",
            {"bucket": "acme", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]},
        ),
        resource(
            AWS_S3_PUBLIC_ACCESS_BLOCK,
            "acme-pab",
            {
                "bucket": "acme",
                "blockPublicAcls": True,
                "blockPublicPolicy": True,
                "ignorePublicAcls": True,
                "restrictPublicBuckets": True,
            },
        ),
        resource(
            AWS_S3_BUCKET_POLICY,
            "acme-tls",
            {
                "bucket": "acme",
                "policy": doc(
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": "arn:aws:s3:::acme/*",
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ),
            },
        ),
        resource(AWS_IAM_ROLE, "acme-vending", {"arn": ROLE_ARN, "name": "acme-vending-1"}),
        resource(AWS_IAM_ROLE, "platform-node-role", {"name": "node", "arn": "arn:aws:iam::111111111111:role/node"}),
        resource(
            AWS_IAM_ROLE_POLICY,
            "acme-vending-access",
            {
                "role": "acme-vending-1",
                "policy": doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme/sales/*"}),
            },
        ),
        resource(GCP_BUCKET, "globex-bucket", {"name": "globex"}),
        resource(GCP_SERVICE_ACCOUNT, "globex-vending", {"accountId": "polaris-globex"}, {"project": "globex"}),
        resource(GCS_MEMBER, "globex-access", {"bucket": "globex", "member": f"serviceAccount:{SA}"}),
        resource(
            AZURE_BLOB_CONTAINER,
            "initech-container",
            {"accountName": "initech", "containerName": "exchange"},
            {"tenantId": TENANT},
        ),
        resource(AZUREAD_SERVICE_PRINCIPAL, "initech-principal", {"clientId": "c"}, {"tenantId": TENANT}),
        resource(AZUREAD_SERVICE_PRINCIPAL, "home-principal", {"clientId": "c"}, {"tenantId": "home"}),
        catalog("acme_sales", S3_CATALOG),
        catalog("globex_research", GCS_CATALOG),
        catalog("initech_finance", AZURE_CATALOG),
    ]


@pytest.mark.parametrize(
    "name",
    [
        "s3-bucket-encrypted",
        "s3-bucket-public-access-blocked",
        "s3-bucket-tls-only",
        "vending-permissions-on-declared-buckets",
        "catalog-locations-declared",
        "vending-identity-unique",
    ],
)
def test_declared_storage_passes(name):
    assert run_stack(POLICIES[name], storage_resources(), {"existingBuckets": []}) == []


@pytest.mark.parametrize(
    "name, companion, message",
    [
        ("s3-bucket-encrypted", "acme-encryption", "bucket acme has no default encryption configuration"),
        ("s3-bucket-public-access-blocked", "acme-pab", "bucket acme has no public access block with all four flags"),
        ("s3-bucket-tls-only", "acme-tls", "bucket acme has no bucket policy denying aws:SecureTransport=false"),
    ],
)
def test_bucket_without_companion(name, companion, message):
    resources = [r for r in storage_resources() if r.name != companion]
    assert run_stack(POLICIES[name], resources) == [(message, resources[0].urn)]


def test_weak_companion_does_not_count():
    resources = storage_resources()
    resources[2] = resource(AWS_S3_PUBLIC_ACCESS_BLOCK, "acme-pab", {"bucket": "acme", "blockPublicAcls": True})
    assert run_stack(POLICIES["s3-bucket-public-access-blocked"], resources) == [
        ("bucket acme has no public access block with all four flags", resources[0].urn)
    ]


def test_permissions_on_undeclared_bucket_unless_listed_as_existing():
    policy = resource(
        AWS_IAM_ROLE_POLICY,
        "archive-access",
        {
            "role": "r",
            "policy": doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::archive/exports/*"}),
        },
    )
    resources = [*storage_resources(), policy]
    assert run_stack(POLICIES["vending-permissions-on-declared-buckets"], resources) == [
        ("archive-access allows access to bucket archive, which the stack does not declare", policy.urn)
    ]
    assert (
        run_stack(POLICIES["vending-permissions-on-declared-buckets"], resources, {"existingBuckets": ["s3://archive"]})
        == []
    )


@pytest.mark.parametrize(
    "storage, roots",
    [
        (S3_CATALOG | {"allowedLocations": ["s3://other/sales/"]}, "s3://acme"),
        (S3_CATALOG | {"allowedLocations": ["s3://acme-evil/sales/"]}, "s3://acme"),
        (S3_CATALOG | {"roleArn": "arn:aws:iam::222222222222:role/someone-else"}, "none"),
        (GCS_CATALOG | {"allowedLocations": ["gs://other/x/"]}, "gs://globex"),
        (GCS_CATALOG | {"gcsServiceAccount": "other@globex.iam.gserviceaccount.com"}, "none"),
        (AZURE_CATALOG | {"tenantId": "home"}, "none"),
    ],
)
def test_catalog_locations_outside_the_owners_storage(storage, roots):
    bad = catalog("bad", storage)
    location = storage["allowedLocations"][0]
    assert run_stack(POLICIES["catalog-locations-declared"], [*storage_resources(), bad]) == [
        (f"catalog bad: {location} is outside the storage declared for its vending identity ({roots})", bad.urn)
    ]


def test_catalog_location_in_a_declared_existing_bucket():
    resources = [
        *storage_resources(),
        resource(
            AWS_IAM_ROLE_POLICY,
            "archive-access",
            {
                "role": "acme-vending-1",
                "policy": doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::archive/x/*"}),
            },
        ),
        catalog("archive", S3_CATALOG | {"allowedLocations": ["s3://archive/x/"]}),
    ]
    assert len(run_stack(POLICIES["catalog-locations-declared"], resources)) == 1
    assert run_stack(POLICIES["catalog-locations-declared"], resources, {"existingBuckets": ["s3://archive/"]}) == []


@pytest.mark.parametrize(
    "extra, catalog_name, field, value",
    [
        (resource(AWS_IAM_ROLE, "acme-vending-copy", {"name": "acme-vending-1"}), "acme_sales", "roleArn", ROLE_ARN),
        (resource(GCP_SERVICE_ACCOUNT, "globex-copy", {"email": SA}), "globex_research", "gcsServiceAccount", SA),
        (
            resource(AZUREAD_SERVICE_PRINCIPAL, "initech-copy", {}, {"tenantId": TENANT}),
            "initech_finance",
            "tenantId",
            TENANT,
        ),
    ],
)
def test_vending_identity_must_be_unique(extra, catalog_name, field, value):
    found = run_stack(POLICIES["vending-identity-unique"], [*storage_resources(), extra])
    assert found == [
        (
            f"catalog {catalog_name}: 2 vending identities match {field} {value}, expected exactly one",
            named(f"catalog-{catalog_name}").urn,
        )
    ]


def named(name: str):
    return next(r for r in storage_resources() if r.name == name)


def test_vending_identity_missing():
    resources = [r for r in storage_resources() if r.name != "acme-vending"]
    assert run_stack(POLICIES["vending-identity-unique"], resources) == [
        (
            f"catalog acme_sales: 0 vending identities match roleArn {ROLE_ARN}, expected exactly one",
            named("catalog-acme_sales").urn,
        )
    ]


def access_chain(org: str, catalog_name: str, with_grant: bool = True) -> list:
    role = f"{org}_read"
    chain = [
        resource(POLARIS_PRINCIPAL, f"{org}-principal", {"name": org}),
        resource(
            POLARIS_PRINCIPAL_ROLE_ASSIGNMENT, f"{org}-assignment", {"principalName": org, "principalRoleName": org}
        ),
        resource(
            POLARIS_CATALOG_ROLE_ASSIGNMENT,
            f"{org}-{catalog_name}-assignment",
            {"principalRoleName": org, "catalogName": catalog_name, "catalogRoleName": role},
        ),
    ]
    if with_grant:
        chain.append(
            resource(
                POLARIS_GRANT,
                f"{org}-{catalog_name}-grant",
                {
                    "catalogName": catalog_name,
                    "catalogRoleName": role,
                    "grant": {"type": "catalog", "privilege": "TABLE_READ_DATA"},
                },
            )
        )
    return chain


def test_reachable_catalogs_follow_the_whole_chain():
    resources = [*access_chain("contoso", "sales"), *access_chain("fabrikam", "finance", with_grant=False)]
    assert stack.reachable_catalogs(resources) == {"contoso": {"sales"}, "fabrikam": set()}


def test_organisation_reaching_an_undeclared_catalog():
    resources = [*access_chain("contoso", "sales"), *access_chain("contoso", "finance")[2:]]
    policy = POLICIES["organisation-access-declared"]
    assert run_stack(policy, resources, {"organisationAccess": {"contoso": ["sales", "finance"]}}) == []
    assert run_stack(policy, resources, {"organisationAccess": {"contoso": ["sales"]}}) == [
        ("principal contoso reaches catalog finance, which its declared access does not list", resources[0].urn)
    ]
    assert run_stack(policy, resources, {"organisationAccess": {}}) == [
        ("principal contoso reaches catalog finance, which its declared access does not list", resources[0].urn),
        ("principal contoso reaches catalog sales, which its declared access does not list", resources[0].urn),
    ]


def test_organisation_access_without_config_is_not_applicable():
    from pulumi_policy.policy import _NotApplicableError

    with pytest.raises(_NotApplicableError):
        run_stack(POLICIES["organisation-access-declared"], access_chain("contoso", "sales"))


def test_a_brought_vending_identity_counts_once_and_reaches_only_its_storage():
    """An owner's security team may bring the vending role (`dataOwners[].aws.vendingRole`): the stack then
    declares no IAM role, and `givenVendingIdentities` names it with the storage it may reach."""
    resources = [r for r in storage_resources() if r.name not in ("acme-vending", "acme-vending-access")]
    given = {"givenVendingIdentities": {ROLE_ARN: ["s3://acme/"]}}
    assert run_stack(POLICIES["vending-identity-unique"], resources, given) == []
    assert run_stack(POLICIES["catalog-locations-declared"], resources, given) == []
    elsewhere = {"givenVendingIdentities": {ROLE_ARN: ["s3://another-bucket"]}}
    [(message, _)] = run_stack(POLICIES["catalog-locations-declared"], resources, elsewhere)
    assert "is outside the storage declared for its vending identity" in message
    brought_and_created = [*storage_resources()]
    assert (
        "2 vending identities match" in run_stack(POLICIES["vending-identity-unique"], brought_and_created, given)[0][0]
    )

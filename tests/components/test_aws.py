"""S3 vending under mocks: one provider per owner account, hardened buckets, a role only Polaris can assume."""

from __future__ import annotations

import json
from dataclasses import dataclass

import parliament
import pulumi
import pytest
from policy_sentry.querying.actions import get_action_data, get_actions_matching_arn

from components.aws import (
    AwsDataOwner,
    AwsVendingArgs,
    tls_only_bucket_policy,
    vending_permissions_policy,
    vending_trust_policy,
)
from configuration.loader import SECRET
from configuration.schema import AwsAccount, DataOwnerConfig, StorageConfig
from tools.mocks import RealisticMocks
from tools.plan import Plan, PlannedResource, run_program

SERVER_ROLE = "arn:aws:iam::111111111111:role/polaris-server"
ACME_KEY = "arn:aws:kms:eu-west-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ACME = DataOwnerConfig(
    name="acme",
    storage=StorageConfig(bucket="acme-shared", prefixes=("sales", "marketing/")),
    aws=AwsAccount(
        account_id="222222222222",
        region="eu-west-1",
        kms_key_arn=ACME_KEY,
        deploy_role_arn="arn:aws:iam::222222222222:role/polaris-deployer",
    ),
)
GLOBEX = DataOwnerConfig(
    name="globex",
    storage=StorageConfig(bucket="globex-shared", prefixes=("research",)),
    aws=AwsAccount(
        account_id="333333333333", region="us-east-2", deploy_role_arn="arn:aws:iam::333333333333:role/polaris-deployer"
    ),
)
INITECH = DataOwnerConfig(
    name="initech",
    storage=StorageConfig(bucket="initech-lake", create=False, prefixes=("exchange",)),
    aws=AwsAccount(
        account_id="444444444444",
        region="eu-central-1",
        deploy_role_arn="arn:aws:iam::444444444444:role/polaris-deployer",
    ),
)
OWNERS = (ACME, GLOBEX, INITECH)
SESSION_TAGS = {"acme": True, "globex": False, "initech": False}
TAGS = {"project": "polaris-data-exchange", "stack": "unit"}
BUCKET_TYPES = (
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketPolicy:BucketPolicy",
)
ENCRYPTION = BUCKET_TYPES[3]


class InvokeRecordingMocks(RealisticMocks):
    """The realistic mocks, remembering every invoke and the provider it went through."""

    def __init__(self) -> None:
        super().__init__()
        self.invoke_providers: list[str] = []

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:
        self.invoke_providers.append((args.provider or "").rsplit("::", 1)[0])
        return super().call(args)


@dataclass
class Run:
    plan: Plan
    invoke_providers: list[str]
    retained: dict[str, bool]
    """Resource name -> its ``retain_on_delete`` option, as the program set it."""


def record_retention(retained: dict[str, bool]):
    """A (legacy, in-process, inherited by children) transformation that notes each resource's retention."""

    def transformation(args: pulumi.ResourceTransformationArgs) -> None:
        retained[args.name] = bool(args.opts.retain_on_delete)

    return transformation


@pytest.fixture(scope="module")
def run() -> Run:
    mocks, retained = InvokeRecordingMocks(), {}

    def program() -> None:
        server_role = pulumi.Output.from_input(SERVER_ROLE)
        for owner in OWNERS:
            vending = AwsDataOwner(
                owner.name,
                AwsVendingArgs(owner, server_role, SESSION_TAGS[owner.name], TAGS),
                opts=pulumi.ResourceOptions(transformations=[record_retention(retained)]),
            )
            pulumi.export(
                owner.name,
                {
                    "roleArn": vending.role_arn,
                    "externalId": vending.external_id,
                    "region": vending.region,
                    "allowedLocations": vending.allowed_locations,
                    "bucket": vending.bucket,
                    "kmsKeyArn": vending.kms_key_arn,
                    "trustPolicy": vending.trust_policy,
                    "permissionsPolicy": vending.permissions_policy,
                },
            )
            # What the secrets hold, exported in the clear for the assertions only.
            pulumi.export(
                f"revealed-{owner.name}",
                pulumi.Output.unsecret(
                    pulumi.Output.all(externalId=vending.external_id, trustPolicy=vending.trust_policy)
                ),
            )

    return Run(run_program(program, stack="unit", mocks=mocks), mocks.invoke_providers, retained)


@pytest.fixture(scope="module")
def plan(run: Run) -> Plan:
    return run.plan


def child(plan: Plan, owner: str, type_: str) -> PlannedResource:
    (found,) = [r for r in plan.descendants(owner) if r.type == type_]
    return found


def revealed(plan: Plan, owner: str) -> dict:
    return plan.outputs[f"revealed-{owner}"]


# -- the documents, from plain values -----------------------------------------------------------------


def test_trust_names_only_the_server_role_and_requires_the_external_id():
    assert vending_trust_policy(SERVER_ROLE, "ext-123", session_tags=False) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PolarisServerWithExternalId",
                "Effect": "Allow",
                "Principal": {"AWS": SERVER_ROLE},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "ext-123"}},
            }
        ],
    }


def test_session_tags_let_the_same_role_tag_its_sessions():
    statements = vending_trust_policy(SERVER_ROLE, "ext-123", session_tags=True)["Statement"]
    assert statements[0] == vending_trust_policy(SERVER_ROLE, "ext-123", session_tags=False)["Statement"][0]
    assert statements[1:] == [
        {
            "Sid": "PolarisServerSessionTags",
            "Effect": "Allow",
            "Principal": {"AWS": SERVER_ROLE},
            "Action": "sts:TagSession",
        }
    ]


@pytest.mark.parametrize(
    "principal",
    [
        "*",
        "arn:aws:iam::111111111111:root",
        "111111111111",
        "arn:aws:iam::111111111111:user/polaris",
        "arn:aws:iam::*:role/polaris",
    ],
)
def test_trust_refuses_anything_but_one_role(principal):
    with pytest.raises(ValueError, match="must trust one IAM role"):
        vending_trust_policy(principal, "ext-123", session_tags=False)


def test_permissions_cover_the_shared_prefixes_and_the_key_only():
    assert vending_permissions_policy("acme-shared", ("sales", "/marketing/"), ACME_KEY) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "SharedObjects",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"],
                "Resource": ["arn:aws:s3:::acme-shared/sales/*", "arn:aws:s3:::acme-shared/marketing/*"],
            },
            {
                "Sid": "ListSharedPrefixes",
                "Effect": "Allow",
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::acme-shared",
                "Condition": {"StringLike": {"s3:prefix": ["sales/*", "sales", "marketing/*", "marketing"]}},
            },
            {
                "Sid": "BucketLocation",
                "Effect": "Allow",
                "Action": "s3:GetBucketLocation",
                "Resource": "arn:aws:s3:::acme-shared",
            },
            {
                "Sid": "OwnerKey",
                "Effect": "Allow",
                "Action": [
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:DescribeKey",
                    "kms:Decrypt",
                    "kms:GenerateDataKey",
                    "kms:Encrypt",
                ],
                "Resource": ACME_KEY,
            },
        ],
    }


def test_without_a_key_no_kms_is_granted():
    document = vending_permissions_policy("globex-shared", ("research",), None)
    assert [s["Sid"] for s in document["Statement"]] == ["SharedObjects", "ListSharedPrefixes", "BucketLocation"]
    assert "kms" not in json.dumps(document)


# -- the documents are valid IAM -------------------------------------------------------------------------


def unsupported(document: dict) -> list[tuple[str, str]]:
    """(action, problem) pairs: actions IAM does not know, condition keys the action does not support
    (global ``aws:`` keys apply to all), and resources of a type the action does not act on."""
    problems = []
    for statement in document["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        keys = [key for operator in statement.get("Condition", {}).values() for key in operator]
        resources = statement.get("Resource", [])
        for action in actions:
            service, name = action.split(":")
            entries = get_action_data(service, name).get(service, [])
            if not entries:
                problems.append((action, "unknown action"))
            supported = {key for entry in entries for key in entry["condition_keys"]}
            problems += [(action, key) for key in keys if key not in supported and not key.startswith("aws:")]
            problems += [
                (action, arn)
                for arn in ([resources] if isinstance(resources, str) else resources)
                if action not in get_actions_matching_arn(arn)
            ]
    return problems


@pytest.mark.parametrize("session_tags", [False, True])
def test_trust_actions_and_condition_keys_exist(session_tags):
    assert unsupported(vending_trust_policy(SERVER_ROLE, "ext-123", session_tags)) == []


def test_the_external_id_condition_cannot_guard_tag_session():
    """Why TagSession has its own statement: the key is not in that action's request context."""
    combined = {
        "Statement": [
            {"Action": ["sts:AssumeRole", "sts:TagSession"], "Condition": {"StringEquals": {"sts:ExternalId": "x"}}}
        ]
    }
    assert unsupported(combined) == [("sts:TagSession", "sts:ExternalId")]


@pytest.mark.parametrize("kms_key_arn", [ACME_KEY, None])
def test_permission_actions_condition_keys_and_resources_exist(kms_key_arn):
    assert unsupported(vending_permissions_policy("acme-shared", ("sales", "marketing"), kms_key_arn)) == []


@pytest.mark.parametrize(
    "document",
    [
        vending_permissions_policy("acme-shared", ("sales", "marketing"), ACME_KEY),
        vending_permissions_policy("globex-shared", ("research",), None),
        tls_only_bucket_policy("acme-shared"),
    ],
    ids=["with-key", "without-key", "tls-only"],
)
def test_parliament_finds_nothing(document):
    assert [(f.issue, f.detail) for f in parliament.analyze_policy_string(json.dumps(document)).findings] == []


def test_parliament_would_report_a_wrong_condition_key():
    broken = vending_permissions_policy("acme-shared", ("sales",), None)
    broken["Statement"][1]["Condition"] = {"StringLike": {"s3:prefixes": ["sales/*"]}}
    findings = parliament.analyze_policy_string(json.dumps(broken)).findings
    assert [f.issue for f in findings] == ["UNKNOWN_CONDITION_FOR_ACTION"]


# -- one provider per owner account -----------------------------------------------------------------------


@pytest.mark.parametrize("owner", OWNERS, ids=lambda o: o.name)
def test_owner_provider_assumes_the_deploy_role_in_the_owner_account(plan, owner):
    inputs = plan.named(f"{owner.name}-provider").inputs
    assert json.loads(inputs["allowedAccountIds"]) == [owner.aws.account_id]
    assert [r["roleArn"] for r in json.loads(inputs["assumeRoles"])] == [owner.aws.deploy_role_arn]
    assert inputs["region"] == owner.aws.region
    assert json.loads(inputs["defaultTags"]) == {"tags": TAGS}


@pytest.mark.parametrize("owner", OWNERS, ids=lambda o: o.name)
def test_every_cloud_child_uses_the_owner_provider(plan, owner):
    provider = plan.named(f"{owner.name}-provider")
    elsewhere = {r.type for r in plan.descendants(owner.name) if r is not provider and r.provider != provider.urn}
    assert elsewhere == {"random:index/randomPassword:RandomPassword"}  # not a cloud resource: no account


def test_every_invoke_goes_through_an_owner_provider(run):
    """The component builds its documents itself; any invoke added later must not use ambient credentials."""
    owner_providers = {run.plan.named(f"{o.name}-provider").urn for o in OWNERS}
    assert set(run.invoke_providers) <= owner_providers


def test_owners_get_separate_providers_and_identities_in_their_own_accounts(plan):
    assert len({plan.named(f"{o.name}-provider").urn for o in OWNERS}) == len(OWNERS)
    role_arns = [plan.outputs[o.name]["roleArn"] for o in OWNERS]
    assert [arn.split(":")[4] for arn in role_arns] == [o.aws.account_id for o in OWNERS]
    assert all(
        arn.startswith(f"arn:aws:iam::{o.aws.account_id}:role/") for arn, o in zip(role_arns, OWNERS, strict=True)
    )


# -- the vending role -------------------------------------------------------------------------------------


@pytest.mark.parametrize("owner", OWNERS, ids=lambda o: o.name)
def test_role_trust_is_the_documented_one_for_the_owner(plan, owner):
    secrets = revealed(plan, owner.name)
    expected = vending_trust_policy(SERVER_ROLE, secrets["externalId"], SESSION_TAGS[owner.name])
    assert json.loads(secrets["trustPolicy"]) == expected


@pytest.mark.parametrize("owner", OWNERS, ids=lambda o: o.name)
def test_role_policy_is_the_permissions_document(plan, owner):
    expected = vending_permissions_policy(owner.storage.bucket, owner.storage.prefixes, owner.aws.kms_key_arn)
    assert json.loads(child(plan, owner.name, "aws:iam/rolePolicy:RolePolicy").inputs["policy"]) == expected
    assert json.loads(plan.outputs[owner.name]["permissionsPolicy"]) == expected


def test_role_sessions_last_at_most_an_hour_and_its_trust_is_secret(plan):
    role = child(plan, "acme", "aws:iam/role:Role")
    assert role.inputs["maxSessionDuration"] == 3600
    assert role.inputs["assumeRolePolicy"] == SECRET


def test_external_ids_are_distinct_per_owner(plan):
    external_ids = [revealed(plan, o.name)["externalId"] for o in OWNERS]
    assert len(set(external_ids)) == len(OWNERS)
    assert all(len(value) == 32 and value.isalnum() for value in external_ids)


def test_external_id_is_only_ever_a_secret(plan):
    assert all(plan.outputs[o.name]["externalId"] == SECRET for o in OWNERS)
    assert all(plan.outputs[o.name]["trustPolicy"] == SECRET for o in OWNERS)
    visible = json.dumps([[r.inputs, r.state] for r in plan.resources] + [plan.outputs[o.name] for o in OWNERS])
    leaked = [o.name for o in OWNERS if revealed(plan, o.name)["externalId"] in visible]
    assert leaked == []


# -- the bucket -------------------------------------------------------------------------------------------


def test_created_bucket_keeps_its_configured_name(plan):
    assert child(plan, "acme", "aws:s3/bucket:Bucket").inputs["bucket"] == "acme-shared"
    assert plan.outputs["acme"]["bucket"] == "acme-shared"


def test_created_bucket_blocks_all_public_access_and_acls(plan):
    assert child(plan, "acme", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs == {
        "bucket": "acme-shared",
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    ownership = child(plan, "acme", "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}


def test_created_bucket_is_versioned_and_refuses_plain_http(plan):
    versioning = child(plan, "acme", "aws:s3/bucketVersioning:BucketVersioning").inputs
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}
    policy = child(plan, "acme", "aws:s3/bucketPolicy:BucketPolicy").inputs
    assert (
        json.loads(policy["policy"])
        == tls_only_bucket_policy("acme-shared")
        == {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": ["arn:aws:s3:::acme-shared", "arn:aws:s3:::acme-shared/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        }
    )


def test_bucket_with_a_key_uses_sse_kms_with_a_bucket_key(plan):
    rules = child(plan, "acme", ENCRYPTION).inputs["rules"]
    assert rules == [
        {
            "applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms", "kmsMasterKeyId": ACME_KEY},
            "bucketKeyEnabled": True,
        }
    ]


def test_bucket_without_a_key_uses_sse_s3(plan):
    rules = child(plan, "globex", ENCRYPTION).inputs["rules"]
    assert rules == [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}]


def test_each_created_bucket_gets_every_hardening_resource_once(plan):
    for owner in (ACME, GLOBEX):
        assert sorted(r.type for r in plan.descendants(owner.name) if r.type.startswith("aws:s3/")) == sorted(
            BUCKET_TYPES
        )


def test_existing_bucket_is_referenced_by_name_only(plan):
    assert [r.type for r in plan.descendants("initech") if r.type.startswith("aws:s3/")] == []
    assert plan.outputs["initech"]["bucket"] == "initech-lake"
    assert json.loads(plan.outputs["initech"]["permissionsPolicy"])["Statement"][0]["Resource"] == [
        "arn:aws:s3:::initech-lake/exchange/*"
    ]


def test_bucket_and_its_hardening_outlive_the_stack_but_the_role_does_not(run):
    names = [r.name for r in run.plan.descendants("acme") if r.type in BUCKET_TYPES]
    assert len(names) == len(BUCKET_TYPES)
    assert all(run.retained[name] for name in names)
    assert not run.retained["acme-vending"] and not run.retained["acme-vending-access"]


# -- what later stages read -------------------------------------------------------------------------------


def test_outputs_describe_where_and_how_to_vend(plan):
    documents = ("roleArn", "trustPolicy", "permissionsPolicy")  # asserted above
    assert {k: v for k, v in plan.outputs["acme"].items() if k not in documents} == {
        "externalId": SECRET,
        "region": "eu-west-1",
        "bucket": "acme-shared",
        "kmsKeyArn": ACME_KEY,
        "allowedLocations": ["s3://acme-shared/sales/", "s3://acme-shared/marketing/"],
    }
    assert plan.outputs["globex"]["kmsKeyArn"] is None
    assert plan.outputs["initech"]["allowedLocations"] == ["s3://initech-lake/exchange/"]


def test_a_data_owner_on_another_cloud_is_refused():
    other = DataOwnerConfig(name="hooli", storage=StorageConfig(bucket="b", prefixes=("x",)))
    with pytest.raises(ValueError, match="not on AWS"):
        run_program(lambda: AwsDataOwner("hooli", AwsVendingArgs(other, SERVER_ROLE)), stack="unit")


def test_a_created_vending_role_needs_a_role_to_trust():
    """Only an owner that brings its vending role may go without Polaris' server role (a brought Polaris)."""
    with pytest.raises(ValueError, match="needs a role to trust"):
        run_program(lambda: AwsDataOwner("acme", AwsVendingArgs(OWNERS[0], None)), stack="unit")

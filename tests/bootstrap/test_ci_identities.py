"""The bootstrap program under Pulumi mocks, with Pulumi.example.yaml and the real dev and prod stacks.

Each test runs the program (``bootstrap/ci-identities/__main__.py``) under fresh mocks and reads what it
registered: trust subjects and conditions per cloud, and that preview identities get no write permission.
"""

from __future__ import annotations

import json
import re
import runpy
from pathlib import Path

import ci_identities
import pytest
import yaml

from tests.bootstrap.conftest import BOOTSTRAP
from tests.bootstrap.mocks import CiMocks
from tools.plan import Plan, PlannedResource, plan_stack, run_program

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "polaris-ci-identities"
REPO = "example-org/polaris-data-exchange"
PREVIEW_SUBJECTS = [f"repo:{REPO}:pull_request", f"repo:{REPO}:ref:refs/heads/main"]
DEPLOY_SUBJECTS = [f"repo:{REPO}:environment:production"]
HOME = "111111111111"
READ_ONLY = re.compile(r"^[a-z0-9-]+:(Describe|Get|List)[A-Za-z*]*$")


def example_config() -> dict[str, str]:
    document = yaml.safe_load((BOOTSTRAP / "Pulumi.example.yaml").read_text())
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in document["config"].items()}


@pytest.fixture
def plan() -> Plan:
    main = str(BOOTSTRAP / "__main__.py")
    return run_program(
        lambda: runpy.run_path(main, run_name="__main__"),
        stack="ci",
        project=PROJECT,
        config=example_config(),
        mocks=CiMocks(),
    )


def scope(resource: PlannedResource) -> str:
    """The account, project or tenant of the explicit provider a resource uses."""
    return resource.provider.rsplit("::", 1)[-1].split("-", 2)[-1]


def roles(plan: Plan) -> dict[tuple[str, str], PlannedResource]:
    return {(scope(r), r.inputs["name"]): r for r in plan.of_type("aws:iam/role:Role")}


def policy_of(plan: Plan, role: PlannedResource) -> list[dict]:
    (policy,) = [p for p in plan.of_type("aws:iam/rolePolicy:RolePolicy") if p.name == f"{role.name}-policy"]
    return json.loads(policy.inputs["policy"])["Statement"]


def actions(statements: list[dict]) -> set[str]:
    return {a for s in statements for a in s["Action"]}


# -- AWS ---------------------------------------------------------------------------------------------------


def test_one_github_oidc_provider_in_the_home_account(plan):
    providers = plan.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert [(scope(p), p.inputs["url"], p.inputs["clientIdLists"]) for p in providers] == [
        (HOME, "https://token.actions.githubusercontent.com", ["sts.amazonaws.com"])
    ]


@pytest.mark.parametrize("identity, subjects", [("preview", PREVIEW_SUBJECTS), ("deploy", DEPLOY_SUBJECTS)])
def test_home_roles_trust_exactly_their_github_subjects(plan, identity, subjects):
    trust = json.loads(roles(plan)[(HOME, f"polaris-ci-{identity}")].inputs["assumeRolePolicy"])
    (only,) = trust["Statement"]
    assert only["Principal"] == {"Federated": f"arn:aws:iam::{HOME}:oidc-provider/token.actions.githubusercontent.com"}
    assert only["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert only["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": sorted(subjects),
        }
    }


def test_target_roles_trust_only_the_home_role_of_the_same_identity(plan):
    chained = {key: r for key, r in roles(plan).items() if not (key[0] == HOME and key[1].startswith("polaris-ci-"))}
    assert chained
    for (account, name), role in chained.items():
        identity = "preview" if name == "polaris-ci-preview" else "deploy"
        trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
        assert trust == [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"AWS": f"arn:aws:iam::{HOME}:role/polaris-ci-{identity}"},
            }
        ], (account, name)


def test_preview_roles_can_only_read_and_assume_preview_roles(plan):
    previews = [r for (_, name), r in roles(plan).items() if name == "polaris-ci-preview"]
    assert len(previews) == 4  # home (also the platform account) + 222…, 333…, 444…
    for role in previews:
        for st in policy_of(plan, role):
            for action in st["Action"]:
                if action == "sts:AssumeRole":
                    assert all(arn.endswith(":role/polaris-ci-preview") for arn in st["Resource"])
                else:
                    assert READ_ONLY.match(action) or action == "kms:Decrypt", (role.name, action)
            if any(a.startswith("s3:") for a in st["Action"]) and "s3:GetObject" not in st["Action"]:
                assert all("/" not in arn for arn in st["Resource"]), "bucket reads must not reach objects"


def test_preview_reads_the_state_objects_but_writes_nothing(plan):
    home = policy_of(plan, roles(plan)[(HOME, "polaris-ci-preview")])
    state = [s for s in home if any("polaris-pulumi-state" in r for r in s["Resource"])]
    assert actions(state) == {"s3:ListBucket", "s3:GetObject"}
    kms = [s for s in home if s["Action"] == ["kms:Decrypt"]]
    assert kms and kms[0]["Resource"][0].startswith("arn:aws:kms:")


def test_deploy_roles_exist_only_in_the_accounts_of_deployed_stacks(plan):
    deployers = {
        key
        for key, role in roles(plan).items()
        if key[1] not in ("polaris-ci-preview", "polaris-ci-deploy", "polaris-ci-runner")
    }
    # prod's platform and AWS data owners; dev's data owner account (222…) gets a preview role only
    assert deployers == {
        (HOME, "polaris-deployer"),
        ("333333333333", "polaris-deployer"),
        ("444444444444", "polaris-deployer"),
    }


def test_home_deploy_role_only_assumes_the_deploy_roles_and_writes_the_state(plan):
    statements = policy_of(plan, roles(plan)[(HOME, "polaris-ci-deploy")])
    assert actions(statements) == {
        "sts:AssumeRole",
        "s3:ListBucket",
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey",
    }
    assume = next(s for s in statements if s["Action"] == ["sts:AssumeRole"])
    assert assume["Resource"] == sorted(
        f"arn:aws:iam::{a}:role/polaris-deployer" for a in (HOME, "333333333333", "444444444444")
    )


def test_data_owner_deploy_role_writes_its_buckets_not_their_objects(plan):
    statements = policy_of(plan, roles(plan)[("333333333333", "polaris-deployer")])
    s3 = next(s for s in statements if s["Action"] == ["s3:*"])
    assert s3["Resource"] == ["arn:aws:s3:::acme-shared-data"]
    assert not {"ec2:*", "eks:*", "rds:*"} & actions(statements)  # not a platform account


# -- GCP ---------------------------------------------------------------------------------------------------


def test_gcp_pool_accepts_this_repository_only(plan):
    (provider,) = plan.of_type("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider")
    assert provider.inputs["attributeCondition"] == f"assertion.repository == '{REPO}'"
    assert provider.inputs["oidc"] == {"issuerUri": "https://token.actions.githubusercontent.com"}
    assert scope(provider) == "polaris-ci-home"


@pytest.mark.parametrize("identity, subjects", [("preview", PREVIEW_SUBJECTS), ("deploy", DEPLOY_SUBJECTS)])
def test_gcp_service_accounts_are_impersonated_by_their_subjects_only(plan, identity, subjects):
    members = [
        m
        for m in plan.of_type("gcp:serviceaccount/iAMMember:IAMMember")
        if m.inputs["serviceAccountId"].endswith(f"/polaris-ci-{identity}@polaris-ci-home.iam.gserviceaccount.com")
    ]
    assert {m.inputs["role"] for m in members} == {"roles/iam.workloadIdentityUser"}
    pool = "principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/polaris-ci-github"
    assert sorted(m.inputs["member"] for m in members) == sorted(f"{pool}/subject/{s}" for s in subjects)


def test_gcp_preview_gets_viewer_roles_and_deploy_writes_only_deployed_projects(plan):
    grants = {
        (m.inputs["project"], m.inputs["member"].split(":")[1].split("@")[0], m.inputs["role"])
        for m in plan.of_type("gcp:projects/iAMMember:IAMMember")
    }
    preview = {(p, r) for p, who, r in grants if who == "polaris-ci-preview"}
    assert {p for p, _ in preview} == {"globex-dev-data", "globex-data-prod"}
    assert all(re.search(r"(Viewer|Reviewer)$", r) for _, r in preview)
    deploy = {(p, r) for p, who, r in grants if who == "polaris-ci-deploy"}
    assert {p for p, _ in deploy} == {"globex-data-prod"}
    assert {r for _, r in deploy} >= set(ci_identities.GCP_DEPLOY_ROLES)


def test_gcp_deploy_may_enable_the_apis_the_program_enables_and_preview_may_read_them(plan):
    """The program enables IAM, IAM Credentials, STS and Cloud Storage in the projects (gcp:projects:Service):
    the deploy identity needs serviceusage.services.enable there, the preview identity services.get."""
    grants = {
        (m.inputs["member"].split(":")[1].split("@")[0], m.inputs["role"])
        for m in plan.of_type("gcp:projects/iAMMember:IAMMember")
        if m.inputs["project"] == "globex-data-prod"
    }
    assert ("polaris-ci-deploy", "roles/serviceusage.serviceUsageAdmin") in grants
    assert ("polaris-ci-preview", "roles/serviceusage.serviceUsageViewer") in grants


# -- Azure -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("identity, subjects", [("preview", PREVIEW_SUBJECTS), ("deploy", DEPLOY_SUBJECTS)])
def test_azure_applications_are_federated_with_their_subjects_only(plan, identity, subjects):
    credentials = [
        c
        for c in plan.of_type(
            "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
        )
        if c.name.startswith(f"ci-azure-{identity}-")
    ]
    assert sorted(c.inputs["subject"] for c in credentials) == sorted(subjects)
    assert {c.inputs["issuer"] for c in credentials} == {"https://token.actions.githubusercontent.com"}
    assert all(c.inputs["audiences"] == ["api://AzureADTokenExchange"] for c in credentials)


def test_azure_role_assignments_are_scoped_to_owner_resource_groups(plan):
    assignments = plan.of_type("azure-native:authorization:RoleAssignment")
    by_identity = {
        (a.name.split("-")[2], a.inputs["scope"].rsplit("/", 1)[-1], a.inputs["roleDefinitionId"].rsplit("/", 1)[-1])
        for a in assignments
    }
    reader, contributor, rbac = ci_identities.READER, ci_identities.CONTRIBUTOR, ci_identities.RBAC_ADMINISTRATOR
    assert by_identity == {
        ("preview", "initech-dev-data", reader),
        ("preview", "initech-data", reader),
        ("deploy", "initech-data", contributor),
        ("deploy", "initech-data", rbac),
    }
    assert all("/resourceGroups/" in a.inputs["scope"] for a in assignments)


def test_azure_deploy_may_assign_storage_data_roles_only(plan):
    (rbac,) = [
        a
        for a in plan.of_type("azure-native:authorization:RoleAssignment")
        if a.inputs["roleDefinitionId"].endswith(ci_identities.RBAC_ADMINISTRATOR)
    ]
    assert rbac.inputs["conditionVersion"] == "2.0"
    guids = set(re.findall(r"GuidEquals \{([^}]*)\}", rbac.inputs["condition"]))
    assert guids == {", ".join(ci_identities.ASSIGNABLE_ROLES)}


def test_azure_deploy_may_assign_every_role_the_program_assigns_and_no_other():
    """Read from the program's own prod plan: a role the program assigns that the condition leaves out fails
    the first `up` (Storage Blob Delegator was missing, and Polaris needs it for user-delegation SAS)."""
    program = plan_stack("prod")
    assigned = {
        a.inputs["roleDefinitionId"].rsplit("/", 1)[-1]
        for a in program.of_type("azure-native:authorization:RoleAssignment")
    }
    assert assigned and set(ci_identities.ASSIGNABLE_ROLES) == assigned


def test_azure_service_principals_exist_in_every_target_tenant(plan):
    principals = [p for p in plan.of_type("azuread:index/servicePrincipal:ServicePrincipal") if "graph" not in p.name]
    tenants = {
        "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "3f1a2b4c-0000-4000-8000-0000000000b2",
        "9b2f6c1a-3d4e-4f50-8a61-7b8c9d0e1f2a",
    }
    assert {(p.name.split("-")[2], scope(p)) for p in principals} == {
        (i, t) for i in ("preview", "deploy") for t in tenants
    }


def test_azure_identities_hold_graph_permissions_in_every_owner_tenant(plan):
    """The program reads (preview) or creates (deploy) the vending application's service principal in each
    owner tenant: Graph permissions granted only in the home tenant end in Authorization_RequestDenied there."""
    read, owned = ci_identities.APPLICATION_READ_ALL, ci_identities.APPLICATION_READWRITE_OWNEDBY
    granted = set()
    for assignment in plan.of_type("azuread:index/appRoleAssignment:AppRoleAssignment"):
        graph = next(r for r in plan.resources if r.state.get("objectId") == assignment.inputs["resourceObjectId"])
        principal = next(r for r in plan.resources if r.state.get("objectId") == assignment.inputs["principalObjectId"])
        assert graph.inputs["clientId"] == ci_identities.GRAPH_APP_ID and scope(graph) == scope(principal)
        granted.add((principal.name.split("-")[2], scope(principal), assignment.inputs["appRoleId"]))
    home, dev_owner, prod_owner = (
        "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "3f1a2b4c-0000-4000-8000-0000000000b2",
        "9b2f6c1a-3d4e-4f50-8a61-7b8c9d0e1f2a",
    )
    assert granted == {
        ("preview", home, read),
        ("deploy", home, owned),
        ("preview", dev_owner, read),
        ("preview", prod_owner, read),
        ("deploy", prod_owner, read),
        ("deploy", prod_owner, owned),
    }


# -- all clouds --------------------------------------------------------------------------------------------


def test_every_resource_is_a_prefixed_child_of_the_component(plan):
    (top,) = [r for r in plan.resources if r.type == "polaris-ci:index:CiIdentities"]
    for resource in plan.resources:
        assert resource.name.startswith("ci"), resource.name
        if resource is not top:
            assert resource.parent != top.parent, f"{resource.name} is not parented"


def test_github_variables_are_the_ones_the_workflows_read(plan):
    workflows = "".join(p.read_text() for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    read = set(re.findall(r"vars\.([A-Z_]+)", workflows)) - {"PULUMI_BACKEND_URL", "PULUMI_ORGANIZATION"}
    variables = plan.outputs["githubVariables"]
    assert set(variables) == read
    assert variables["AWS_PREVIEW_ROLE_ARN"] == f"arn:aws:iam::{HOME}:role/polaris-ci-preview"
    assert variables["GCP_DEPLOY_SERVICE_ACCOUNT"] == "polaris-ci-deploy@polaris-ci-home.iam.gserviceaccount.com"

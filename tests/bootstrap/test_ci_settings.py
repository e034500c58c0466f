"""Targets derived from the application stacks: which accounts, projects and resource groups each identity
reaches, and the configuration errors that would otherwise surface as a half-built trust."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from ci_settings import REPO_ROOT, build_args

import tests.bootstrap.conftest  # noqa: F401  (puts the bootstrap directory on sys.path)

CONFIG = {
    "repository": "example-org/polaris-data-exchange",
    "previewStacks": ["dev", "prod"],
    "deployStacks": ["prod"],
    "home": {
        "awsAccountId": "111111111111",
        "awsRegion": "eu-west-1",
        "gcpProject": "ci-home",
        "azureTenantId": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "azureSubscriptionId": "0b6f3f2a-1c1d-4e5f-8a9b-0c1d2e3f4a5b",
    },
}


def test_accounts_are_merged_across_stacks_and_deploy_only_where_deployed():
    accounts = {a.account_id: a for a in build_args(CONFIG).aws_accounts}
    assert set(accounts) == {"111111111111", "222222222222", "333333333333", "444444444444"}
    platform = accounts["111111111111"]  # dev and prod share the platform account
    assert platform.platform and platform.deploy_role_name == "polaris-deployer"
    assert accounts["222222222222"].deploy_role_name is None  # dev's data owner: preview only
    assert accounts["333333333333"].buckets == ("acme-shared-data",)
    assert accounts["333333333333"].kms_key_arns[0].startswith("arn:aws:kms:eu-west-1:333333333333:key/")


def test_gcp_projects_and_azure_groups_are_deployed_only_for_deployed_stacks():
    args = build_args(CONFIG)
    assert {(p.project, p.deploy) for p in args.gcp_projects} == {
        ("globex-dev-data", False),
        ("globex-data-prod", True),
    }
    assert {(t.resource_group, t.deploy) for t in args.azure_targets} == {
        ("initech-dev-data", False),
        ("initech-data", True),
    }


def test_subjects_separate_previews_from_the_protected_environment():
    args = build_args({**CONFIG, "productionEnvironment": "prod-approval"})
    assert args.subjects("preview") == (
        "repo:example-org/polaris-data-exchange:pull_request",
        "repo:example-org/polaris-data-exchange:ref:refs/heads/main",
    )
    assert args.subjects("deploy") == ("repo:example-org/polaris-data-exchange:environment:prod-approval",)


def test_a_deployed_stack_must_name_its_platform_deploy_role():
    # dev uses ambient credentials in the platform account: the deploy identity would need write rights itself
    with pytest.raises(ValueError, match="platform.deployRoleArn"):
        build_args({**CONFIG, "deployStacks": ["dev"]})


def test_deployed_stacks_must_agree_on_an_accounts_deploy_role(tmp_path: Path):
    for stack in ("dev", "prod"):
        shutil.copy(REPO_ROOT / f"Pulumi.{stack}.yaml", tmp_path)
    other = yaml.safe_load((tmp_path / "Pulumi.prod.yaml").read_text())
    other["config"]["polaris-data-exchange:platform"]["deployRoleArn"] = "arn:aws:iam::111111111111:role/other"
    (tmp_path / "Pulumi.prod2.yaml").write_text(yaml.safe_dump(other))
    with pytest.raises(ValueError, match="polaris-deployer and other"):
        build_args({**CONFIG, "deployStacks": ["prod", "prod2"]}, tmp_path)


@pytest.mark.parametrize(
    "missing, message", [("gcpProject", "home.gcpProject"), ("azureTenantId", "home.azureTenantId")]
)
def test_home_of_each_cloud_with_targets_is_required(missing, message):
    home = {k: v for k, v in CONFIG["home"].items() if k != missing}
    with pytest.raises(ValueError, match=message):
        build_args({**CONFIG, "home": home})


def test_a_stack_that_brings_its_polaris_has_no_platform_for_the_ci_identities(tmp_path: Path):
    local = yaml.safe_load((REPO_ROOT / "Pulumi.local.yaml").read_text())
    config = local["config"]
    config["polaris-data-exchange:polaris"]["existing"]["clientSecret"] = {"secure": "v1:ciphertext"}
    for owner in config["polaris-data-exchange:dataOwners"]:
        owner["aws"]["vendingRole"]["externalId"] = {"secure": "v1:ciphertext"}
    (tmp_path / "Pulumi.local.yaml").write_text(yaml.safe_dump(local))
    with pytest.raises(ValueError, match="stack 'local': platform is required"):
        build_args({**CONFIG, "previewStacks": ["local"], "deployStacks": []}, tmp_path)

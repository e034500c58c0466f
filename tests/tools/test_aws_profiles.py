"""AWS profiles for `platform.awsCredentials: profile`: read-only roles for previews, deploy roles for `up`,
and the composite action step that writes them without leaving credentials in the environment."""

from __future__ import annotations

import configparser
import dataclasses
import os
import subprocess

import yaml

from configuration.loader import PROJECT_DIR, parse_config
from tests.configuration.test_config import shipped
from tools.aws_profiles import direct_profiles, render

SETUP_ACTION = PROJECT_DIR / ".github" / "actions" / "pulumi-setup" / "action.yml"


def prod():
    return parse_config(shipped("prod"), "prod")


def profiles(text: str) -> dict[str, dict[str, str]]:
    parser = configparser.ConfigParser()
    parser.read_string(text)
    return {name.removeprefix("profile "): dict(parser[name]) for name in parser.sections()}


def test_preview_assumes_read_only_roles_outside_the_platform_account():
    found = profiles(render(prod(), "preview"))
    assert set(found) == {"polaris-111111111111", "polaris-333333333333", "polaris-444444444444"}
    assert "role_arn" not in found["polaris-111111111111"]
    assert found["polaris-333333333333"]["role_arn"] == "arn:aws:iam::333333333333:role/polaris-ci-preview"
    assert found["polaris-444444444444"]["source_profile"] == "polaris-ci"
    assert direct_profiles(prod(), "preview") == ["polaris-111111111111"]


def test_deploy_assumes_each_accounts_deploy_role():
    found = profiles(render(prod(), "deploy"))
    assert {p["role_arn"] for p in found.values()} == {
        "arn:aws:iam::111111111111:role/polaris-deployer",
        "arn:aws:iam::333333333333:role/polaris-deployer",
        "arn:aws:iam::444444444444:role/polaris-deployer",
    }
    assert direct_profiles(prod(), "deploy") == []


def test_assume_role_stacks_need_no_profiles():
    dev = parse_config(shipped("dev"), "dev")
    assert render(dev, "preview") == "" and direct_profiles(dev, "deploy") == []


def test_a_stack_without_a_platform_needs_no_profiles():
    """Its AWS providers assume roles (components/stages.py), so there is nothing to print, and no crash."""
    bare = dataclasses.replace(prod(), platform=None)
    assert render(bare, "preview") == "" and direct_profiles(bare, "deploy") == []


def _profile_step() -> str:
    steps = yaml.safe_load(SETUP_ACTION.read_text())["runs"]["steps"]
    return next(s for s in steps if s.get("name", "").startswith("AWS profiles"))["run"]


def _run_step(tmp_path, stack: str) -> tuple[str, str]:
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "GITHUB_ENV": str(tmp_path / "github_env"),
        "STACK": stack,
        "IDENTITY": "preview",
        "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "s3cr3t",
        "AWS_SESSION_TOKEN": "token",
    }
    (tmp_path / "venv").symlink_to(PROJECT_DIR / "venv")
    subprocess.run(
        ["bash", "-euo", "pipefail", "-c", _profile_step()], cwd=PROJECT_DIR, env=env, check=True, timeout=120
    )
    github_env = tmp_path / "github_env"
    return (tmp_path / ".aws" / "credentials").read_text() if (
        tmp_path / ".aws"
    ).exists() else "", github_env.read_text() if github_env.exists() else ""


def test_setup_step_moves_credentials_into_profiles_and_clears_the_environment(tmp_path):
    credentials, github_env = _run_step(tmp_path, "prod")
    written = configparser.ConfigParser()
    written.read_string(credentials)
    assert set(written.sections()) == {"polaris-ci", "polaris-111111111111"}
    assert written["polaris-ci"]["aws_secret_access_key"] == "s3cr3t"
    assert oct((tmp_path / ".aws" / "credentials").stat().st_mode & 0o777) == "0o600"
    assert "AWS_ACCESS_KEY_ID=\n" in github_env and "AWS_SESSION_TOKEN=\n" in github_env
    assert profiles((tmp_path / ".aws" / "config").read_text())["polaris-333333333333"]["role_arn"].endswith(
        ":role/polaris-ci-preview"
    )


def test_setup_step_leaves_assume_role_stacks_alone(tmp_path):
    assert _run_step(tmp_path, "dev") == ("", "")


def test_every_pulumi_job_names_the_identity_of_its_role():
    pairs = set()
    for workflow in (PROJECT_DIR / ".github" / "workflows").glob("*.yml"):
        for job in (yaml.safe_load(workflow.read_text()).get("jobs") or {}).values():
            for step in job.get("steps", []):
                if step.get("uses") == "./.github/actions/pulumi-setup":
                    pairs.add((step["with"]["identity"], step["with"]["aws-role-arn"]))
    assert pairs == {("preview", "${{ vars.AWS_PREVIEW_ROLE_ARN }}"), ("deploy", "${{ vars.AWS_DEPLOY_ROLE_ARN }}")}

"""Account providers: pinned to their account; the identity comes from a role or a stable profile."""

from __future__ import annotations

import json

from components.aws_accounts import account_provider
from configuration.schema import AwsCredentials
from tools.plan import run_program

ROLE = "arn:aws:iam::222222222222:role/polaris-deployer"


def provider_inputs(credentials: AwsCredentials) -> dict:
    plan = run_program(
        lambda: account_provider(
            "owner",
            account_id="222222222222",
            region="eu-west-1",
            deploy_role_arn=ROLE,
            credentials=credentials,
            tags={"project": "x"},
        ),
        stack="unit",
    )
    return plan.named("owner").inputs


def test_assume_role_mode_assumes_the_deploy_role_in_the_pinned_account():
    inputs = provider_inputs(AwsCredentials.ASSUME_ROLE)
    assert json.loads(inputs["allowedAccountIds"]) == ["222222222222"]
    assert json.loads(inputs["assumeRoles"])[0]["roleArn"] == ROLE
    assert "profile" not in inputs
    assert json.loads(inputs["defaultTags"])["tags"] == {"project": "x"}


def test_profile_mode_names_a_stable_profile_and_assumes_nothing():
    inputs = provider_inputs(AwsCredentials.PROFILE)
    assert inputs["profile"] == "polaris-222222222222"
    assert "assumeRoles" not in inputs
    assert json.loads(inputs["allowedAccountIds"]) == ["222222222222"]

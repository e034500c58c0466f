"""The CI runners under mocks: CodeBuild-hosted GitHub Actions runners in the private subnets of prod's
platform VPC, started per queued workflow job, with a service role that can deploy nothing."""

from __future__ import annotations

import json
import re
import runpy

import ci_runners
import pytest
import yaml
from ci_settings import RunnerTarget, build_args, runner_target

from components.platform.cluster import subnet_cidrs
from configuration.loader import PROJECT_DIR, load_stack
from tests.bootstrap.conftest import BOOTSTRAP
from tests.bootstrap.mocks import CiMocks, stable_uuid
from tests.bootstrap.test_ci_identities import HOME, PROJECT, example_config, scope
from tools.plan import Plan, run_program

PROJECT_TYPE, WEBHOOK = "aws:codebuild/project:Project", "aws:codebuild/webhook:Webhook"
RUNNER_ROLE = "polaris-ci-runner"


def run_bootstrap(config: dict[str, str]) -> Plan:
    main = str(BOOTSTRAP / "__main__.py")
    return run_program(
        lambda: runpy.run_path(main, run_name="__main__"), stack="ci", project=PROJECT, config=config, mocks=CiMocks()
    )


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run_bootstrap(example_config())


def one(plan: Plan, type_: str):
    [resource] = plan.of_type(type_)
    return resource


def prod_private_subnets() -> list[str]:
    """What the mocked look-up answers for prod's private subnet layout (10.50.0.0/16 over three zones)."""
    private, _ = subnet_cidrs("10.50.0.0/16", 3)
    return sorted(f"subnet-{stable_uuid(cidr)[:17]}" for cidr in private)


def test_the_runner_project_stands_in_the_private_subnets_of_prods_platform_vpc(plan):
    project = one(plan, PROJECT_TYPE)
    assert scope(project) == HOME  # prod's platform account
    vpc = project.inputs["vpcConfig"]
    assert vpc["vpcId"] == f"vpc-{stable_uuid('10.50.0.0/16')[:17]}"
    assert sorted(vpc["subnets"]) == prod_private_subnets()
    group = one(plan, "aws:ec2/securityGroup:SecurityGroup")
    assert vpc["securityGroupIds"] == [group.name]  # the mocks' id of a resource is its name
    assert group.inputs["vpcId"] == vpc["vpcId"]


def test_the_runner_network_is_found_by_the_stacks_cidr_and_tags():
    target = runner_target({"stack": "prod"}, {"prod": load_stack("prod")})
    assert target == RunnerTarget(
        "prod",
        "111111111111",
        "eu-west-1",
        private_subnet_cidrs=tuple(subnet_cidrs("10.50.0.0/16", 3)[0]),
        vpc_cidr="10.50.0.0/16",
        vpc_tags={"project": "polaris-data-exchange", "environment": "prod"},
    )


def test_an_existing_network_gives_its_subnets_directly(tmp_path):
    document = yaml.safe_load((PROJECT_DIR / "Pulumi.prod.yaml").read_text())
    platform = document["config"]["polaris-data-exchange:platform"]
    platform["network"] = {
        "existing": {
            "vpcId": "vpc-0abc1234",
            "privateSubnetIds": ["subnet-0aaa", "subnet-0bbb"],
            "egressCidrs": ["198.18.7.10/32"],
        }
    }
    (tmp_path / "Pulumi.prod.yaml").write_text(yaml.safe_dump(document))
    target = runner_target({"stack": "prod"}, {"prod": load_stack("prod", tmp_path)})
    assert (target.vpc_id, target.private_subnet_ids, target.vpc_cidr) == (
        "vpc-0abc1234",
        ("subnet-0aaa", "subnet-0bbb"),
        None,
    )


def test_runners_of_a_stack_the_bootstrap_does_not_know_are_refused():
    with pytest.raises(ValueError, match=r"runners.stack: 'staging' — expected one of the previewed or deployed"):
        build_args(
            {
                "repository": "o/r",
                "previewStacks": ["dev"],
                "home": {"awsAccountId": HOME, "awsRegion": "eu-west-1"},
                "runners": {"stack": "staging"},
            }
        )


def test_runners_before_the_platform_network_exists_fail_with_the_way_out():
    target = runner_target({"stack": "prod"}, {"prod": load_stack("prod")})
    with pytest.raises(ValueError, match="found 1 of the 3 private subnets of stack 'prod'.*must exist first"):
        ci_runners._all_private_subnets(["subnet-1"], target)


def test_one_build_per_queued_job_of_the_pulumi_workflows_only(plan):
    webhook = one(plan, WEBHOOK)
    assert webhook.inputs["buildType"] == "BUILD"
    [group] = webhook.inputs["filterGroups"]
    filters = {f["type"]: f["pattern"] for f in group["filters"]}
    assert filters["EVENT"] == "WORKFLOW_JOB_QUEUED"
    pattern = re.compile(filters["WORKFLOW_NAME"])
    assert [n for n in ("pull request", "deploy", "drift") if pattern.match(n)] == ["pull request", "deploy", "drift"]
    assert not pattern.match("checks") and not pattern.match("deploy-evil") and not pattern.match("my deploy")


def test_the_label_is_codebuilds_per_job_label_of_the_project(plan):
    project = one(plan, PROJECT_TYPE)
    assert project.inputs["name"] == "polaris-ci-runner"
    assert plan.outputs["runnerLabel"] == ("codebuild-polaris-ci-runner-${{ github.run_id }}-${{ github.run_attempt }}")


def test_the_runner_role_can_deploy_nothing(plan):
    [role] = [r for r in plan.of_type("aws:iam/role:Role") if r.inputs["name"] == RUNNER_ROLE]
    assert one(plan, PROJECT_TYPE).inputs["serviceRole"] == role.state["arn"]
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert trust == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "codebuild.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": HOME}},
        }
    ]
    [policy] = [p for p in plan.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == RUNNER_ROLE]
    actions = {
        a
        for s in json.loads(policy.inputs["policy"])["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert actions == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "ec2:DescribeDhcpOptions",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
        "ec2:CreateNetworkInterface",
        "ec2:DeleteNetworkInterface",
        "ec2:CreateNetworkInterfacePermission",
        "codeconnections:GetConnection",
        "codeconnections:GetConnectionToken",
        "codeconnections:UseConnection",
    }


def test_the_runner_network_interfaces_go_only_into_the_private_subnets(plan):
    [policy] = [p for p in plan.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs["role"] == RUNNER_ROLE]
    [permission] = [
        s for s in json.loads(policy.inputs["policy"])["Statement"] if s["Sid"] == "NetworkInterfacePermission"
    ]
    assert permission["Condition"]["ArnEquals"]["ec2:Subnet"] == [
        f"arn:aws:ec2:eu-west-1:{HOME}:subnet/{subnet}" for subnet in prod_private_subnets()
    ]


def test_jobs_keep_their_oidc_identities_and_codebuild_is_trusted_by_no_ci_role(plan):
    for role in plan.of_type("aws:iam/role:Role"):
        if role.inputs["name"] != RUNNER_ROLE:
            assert "codebuild" not in role.inputs["assumeRolePolicy"], role.name


def test_runners_accept_no_inbound_traffic_and_leave_only_over_https(plan):
    group = one(plan, "aws:ec2/securityGroup:SecurityGroup")
    assert not group.inputs.get("ingress")
    assert [(e["protocol"], e["fromPort"], e["toPort"]) for e in group.inputs["egress"]] == [("tcp", 443, 443)]


def test_the_build_is_ephemeral_unprivileged_and_logged(plan):
    project = one(plan, PROJECT_TYPE).inputs
    assert project["environment"]["privilegedMode"] is False
    assert project["environment"]["image"] == ci_runners.RUNNER_IMAGE
    assert project["artifacts"] == {"type": "NO_ARTIFACTS"}
    assert project["source"]["auth"]["type"] == "CODECONNECTIONS"  # a GitHub App connection, no stored token
    assert project["buildTimeout"] == 120
    assert project["logsConfig"]["cloudwatchLogs"]["status"] == "ENABLED"


def test_without_runners_nothing_of_codebuild_is_declared():
    config = {k: v for k, v in example_config().items() if not k.endswith(":runners")}
    plan = run_bootstrap(config)
    assert not plan.of_type(PROJECT_TYPE) and not plan.of_type(WEBHOOK)
    assert "runnerLabel" not in plan.outputs

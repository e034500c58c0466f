"""Ephemeral GitHub Actions runners inside the platform VPC: the deployers' network path.

The jobs that touch Kubernetes or Polaris (preview, up, drift) must reach the private EKS endpoint and
Polaris' load balancer, which admit neither GitHub's hosted runners nor the internet. A CodeBuild project
in the platform VPC's private subnets starts one build per queued workflow job (a `WORKFLOW_JOB_QUEUED`
webhook); each build registers a just-in-time runner for that job and ends with it, so nothing long-lived
runs. The runners hold no cloud key and no deploy right: their service role may only write their own logs,
attach to the VPC and use the GitHub connection. Jobs still get their identity from GitHub's OIDC token
(the preview and deploy roles, whose trusts name the pull request, main and `environment:production`
subjects), so the environment's approval stays the only way to deploy rights, whichever runner a job lands
on. Workflows select the runner with the label ``runner_label(project)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
from ci_settings import RunnerTarget

RUNNER_IMAGE = "aws/codebuild/standard:7.0"
"""Ubuntu 22.04: `actions/setup-python` has builds for it (Amazon Linux images it has none)."""
COMPUTE_TYPE = "BUILD_GENERAL1_MEDIUM"
BUILD_TIMEOUT_MINUTES = 120
"""The longest job's `timeout-minutes` (deploy)."""
QUEUED_TIMEOUT_MINUTES = 60
LOG_RETENTION_DAYS = 90
HTTPS_PORT = 443
RUNNER_WORKFLOWS = ("pull request", "deploy", "drift")
"""`name:` of the workflows whose jobs run on these runners (a reusable workflow's jobs carry its caller's)."""


def runner_label(project: str) -> str:
    """CodeBuild's label for a job of this project: one build per job run and attempt."""
    return f"codebuild-{project}-${{{{ github.run_id }}}}-${{{{ github.run_attempt }}}}"


def workflow_name_pattern(names: tuple[str, ...] = RUNNER_WORKFLOWS) -> str:
    return "^(" + "|".join(names) + ")$"


def codebuild_trust(account_id: str) -> str:
    """CodeBuild of this account only (confused deputy)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "codebuild.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        },
        sort_keys=True,
    )


def runner_policy(account_id: str, region: str, log_group_arn: str, connection_arn: str, subnet_arns: list[str]) -> str:
    """What a runner needs to exist, and nothing to deploy with: its logs, its network interface in the
    given subnets, and the GitHub connection."""
    interfaces = f"arn:aws:ec2:{region}:{account_id}:network-interface/*"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Logs",
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": [f"{log_group_arn}:*"],
                },
                {
                    "Sid": "DescribeNetwork",
                    "Effect": "Allow",
                    "Resource": "*",
                    "Action": [
                        "ec2:DescribeDhcpOptions",
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeVpcs",
                    ],
                },
                {
                    "Sid": "NetworkInterfaces",
                    "Effect": "Allow",
                    "Resource": "*",
                    "Action": ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"],
                },
                {
                    "Sid": "NetworkInterfacePermission",
                    "Effect": "Allow",
                    "Action": "ec2:CreateNetworkInterfacePermission",
                    "Resource": interfaces,
                    "Condition": {
                        "StringEquals": {"ec2:AuthorizedService": "codebuild.amazonaws.com"},
                        "ArnEquals": {"ec2:Subnet": sorted(subnet_arns)},
                    },
                },
                {
                    "Sid": "GitHubConnection",
                    "Effect": "Allow",
                    "Resource": [connection_arn],
                    "Action": [
                        "codeconnections:GetConnection",
                        "codeconnections:GetConnectionToken",
                        "codeconnections:UseConnection",
                    ],
                },
            ],
        },
        sort_keys=True,
    )


@dataclass(frozen=True)
class CiRunnersArgs:
    repository: str
    """GitHub `owner/name` whose workflow jobs start runners."""
    project_name: str
    target: RunnerTarget


class CiRunners(pulumi.ComponentResource):
    """The CodeBuild runner project, its webhook, service role, security group and GitHub connection, in the
    platform account (pass its provider in ``opts``)."""

    project_name: pulumi.Output[str]
    label: str
    connection_arn: pulumi.Output[str]

    def __init__(self, name: str, args: CiRunnersArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-ci:aws:CiRunners", name, None, opts)
        self._base, self._args = name, args
        child = pulumi.ResourceOptions(parent=self)
        target = args.target
        vpc_id, subnet_ids = self._network()
        # The GitHub App connection stays PENDING until an administrator approves it once in the console (the
        # OAuth consent cannot be given as code); the webhook can only be created after that.
        connection = aws.codestarconnections.Connection(
            f"{name}-github", name=f"{args.project_name}-github", provider_type="GitHub", opts=child
        )
        group = aws.ec2.SecurityGroup(
            f"{name}-security-group",
            vpc_id=vpc_id,
            description="CI runners: outbound HTTPS only, no inbound",
            egress=[
                aws.ec2.SecurityGroupEgressArgs(
                    protocol="tcp",
                    from_port=HTTPS_PORT,
                    to_port=HTTPS_PORT,
                    cidr_blocks=["0.0.0.0/0"],
                    description="HTTPS",
                )
            ],
            tags={"Name": f"{args.project_name}"},
            opts=child,
        )
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs", name=f"/aws/codebuild/{args.project_name}", retention_in_days=LOG_RETENTION_DAYS, opts=child
        )
        role = aws.iam.Role(
            f"{name}-role",
            name=f"{args.project_name}",
            assume_role_policy=codebuild_trust(target.account_id),
            max_session_duration=3600,
            description="CI runners: logs, VPC, GitHub only",
            opts=child,
        )
        subnet_arns = subnet_ids.apply(
            lambda ids: [f"arn:aws:ec2:{target.region}:{target.account_id}:subnet/{subnet}" for subnet in ids]
        )
        policy = aws.iam.RolePolicy(
            f"{name}-role-policy",
            role=role.name,
            policy=pulumi.Output.all(logs.arn, connection.arn, subnet_arns).apply(
                lambda values: runner_policy(target.account_id, target.region, *values)
            ),
            opts=child,
        )
        project = aws.codebuild.Project(
            f"{name}-project",
            name=args.project_name,
            description=f"GitHub Actions runners for {args.repository}",
            service_role=role.arn,
            build_timeout=BUILD_TIMEOUT_MINUTES,
            queued_timeout=QUEUED_TIMEOUT_MINUTES,
            source=aws.codebuild.ProjectSourceArgs(
                type="GITHUB",
                location=f"https://github.com/{args.repository}.git",
                auth=aws.codebuild.ProjectSourceAuthArgs(type="CODECONNECTIONS", resource=connection.arn),
            ),
            artifacts=aws.codebuild.ProjectArtifactsArgs(type="NO_ARTIFACTS"),
            environment=aws.codebuild.ProjectEnvironmentArgs(
                type="LINUX_CONTAINER",
                compute_type=COMPUTE_TYPE,
                image=RUNNER_IMAGE,
                image_pull_credentials_type="CODEBUILD",
                privileged_mode=False,
            ),
            vpc_config=aws.codebuild.ProjectVpcConfigArgs(
                vpc_id=vpc_id, subnets=subnet_ids, security_group_ids=[group.id]
            ),
            logs_config=aws.codebuild.ProjectLogsConfigArgs(
                cloudwatch_logs=aws.codebuild.ProjectLogsConfigCloudwatchLogsArgs(
                    group_name=logs.name, status="ENABLED"
                ),
                s3_logs=aws.codebuild.ProjectLogsConfigS3LogsArgs(status="DISABLED"),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        aws.codebuild.Webhook(
            f"{name}-webhook",
            project_name=project.name,
            build_type="BUILD",
            filter_groups=[
                aws.codebuild.WebhookFilterGroupArgs(
                    filters=[
                        aws.codebuild.WebhookFilterGroupFilterArgs(type="EVENT", pattern="WORKFLOW_JOB_QUEUED"),
                        aws.codebuild.WebhookFilterGroupFilterArgs(
                            type="WORKFLOW_NAME", pattern=workflow_name_pattern()
                        ),
                    ]
                )
            ],
            opts=child,
        )
        self.project_name, self.connection_arn = project.name, connection.arn
        self.label = runner_label(args.project_name)
        self.register_outputs(
            {"projectName": self.project_name, "label": self.label, "connectionArn": self.connection_arn}
        )

    def _network(self) -> tuple[pulumi.Output[str], pulumi.Output[list[str]]]:
        """The platform VPC and its private subnets: as the stack names them, or found by its layout."""
        target = self._args.target
        if target.vpc_id is not None:
            return pulumi.Output.from_input(target.vpc_id), pulumi.Output.from_input(list(target.private_subnet_ids))
        invoke = pulumi.InvokeOutputOptions(parent=self, provider=self.get_provider("aws::"))
        vpc = aws.ec2.get_vpc_output(cidr_block=target.vpc_cidr, tags=dict(target.vpc_tags) or None, opts=invoke)
        subnets = aws.ec2.get_subnets_output(
            filters=vpc.id.apply(
                lambda vpc_id: [
                    aws.ec2.GetSubnetsFilterArgs(name="vpc-id", values=[vpc_id]),
                    aws.ec2.GetSubnetsFilterArgs(name="cidr-block", values=list(target.private_subnet_cidrs)),
                ]
            ),
            opts=invoke,
        )
        return vpc.id, subnets.ids.apply(lambda ids: _all_private_subnets(ids, target))


def _all_private_subnets(ids: list[str] | None, target: RunnerTarget) -> list[str]:
    if not ids or len(ids) != len(target.private_subnet_cidrs):
        raise ValueError(
            f"runners: found {len(ids or [])} of the {len(target.private_subnet_cidrs)} private "
            f"subnets of stack {target.stack!r} ({', '.join(target.private_subnet_cidrs)}): its "
            "platform network must exist first (docs/operations.md, 'Bootstrapping a new environment')"
        )
    return sorted(ids)

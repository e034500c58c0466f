"""One AWS emulator and one Polaris fake for the whole e2e suite, built from the dev stack's plan."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import boto3
import pytest

from tests.e2e import world
from tests.e2e.aws_emulator import AwsEmulator, session_credentials
from tools.plan import plan_stack

AWS_CATALOG = "acme_sales"
"""The dev stack's S3 catalog; acme_analytics may write it, contoso may read it, globex_lab has no grant."""
OTHER_BUCKET = "acme-dev-unshared-data"
"""A bucket of the same owner that no document names."""


@dataclass(frozen=True)
class AwsWorld:
    aws: AwsEmulator
    declared: world.Declared
    server_session: dict[str, str]
    """The Polaris server's identity (its IRSA role's session)."""
    impostor_session: dict[str, str]
    """Another role of the platform account, holding the same AssumeRole permission but not trusted."""
    auditor: dict[str, str]
    """Read-only keys of an IAM user in the owner's account, to look at the bucket after enforcement."""


def _auditor(aws: AwsEmulator, owner: world.DeclaredOwner) -> dict[str, str]:
    iam = aws.client("iam", account=owner.role.account)
    iam.create_user(UserName="auditor")
    bucket = f"arn:aws:s3:::{owner.bucket}"
    iam.put_user_policy(
        UserName="auditor",
        PolicyName="read",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["s3:ListBucket", "s3:GetObject"],
                        "Resource": [bucket, bucket + "/*"],
                    }
                ],
            }
        ),
    )
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def _impostor(aws: AwsEmulator, server: world.DeclaredRole) -> dict[str, str]:
    impostor = world.DeclaredRole(server.arn.rsplit("/", 1)[0] + "/not-polaris", server.trust, server.policies)
    return world.web_identity_session(aws, world.create_role(aws, impostor))


@pytest.fixture(scope="module")
def declared() -> world.Declared:
    return world.declared(plan_stack("dev"))


@pytest.fixture(scope="module")
def aws_world(declared):
    owner = declared.owners["aws-acme"]
    with AwsEmulator(region=owner.region) as aws:
        server_arn = world.create_role(aws, declared.server_role)
        assert server_arn == declared.server_role.arn  # the documents' account ids are honoured as declared
        for each in declared.owners.values():
            assert world.create_role(aws, each.role) == each.role.arn
            world.create_bucket(aws, each)
        aws.client("s3", account=owner.role.account).create_bucket(
            Bucket=OTHER_BUCKET, CreateBucketConfiguration={"LocationConstraint": owner.region}
        )
        setup = AwsWorld(
            aws,
            declared,
            world.web_identity_session(aws, server_arn),
            _impostor(aws, declared.server_role),
            _auditor(aws, owner),
        )
        aws.enforce()
        yield setup


@pytest.fixture(scope="module")
def polaris(aws_world, declared):
    with (
        world.tolerate_read_only_request_fields(),
        world.vending_server(aws_world.aws, aws_world.server_session) as server,
    ):
        organisations = world.apply_polaris(server, declared.polaris)
        yield world.PolarisWorld(server, organisations)


@pytest.fixture(scope="module")
def no_ambient_aws(tmp_path_factory):
    """The client process has no AWS credentials of its own: only what Polaris vends can reach S3."""
    nowhere = str(tmp_path_factory.mktemp("no-aws") / "none")
    with pytest.MonkeyPatch.context() as patch:
        for key in [k for k in os.environ if k.startswith("AWS_")]:
            patch.delenv(key)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", nowhere)
        patch.setenv("AWS_CONFIG_FILE", nowhere)
        patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
        assert boto3.Session().get_credentials() is None
        yield


def vending_role_session(aws_world: AwsWorld, external_id: str, **extra) -> dict[str, str]:
    """AssumeRole on the dev owner's vending role as the Polaris server, without a session policy."""
    sts = aws_world.aws.client("sts", credentials=aws_world.server_session)
    answer = sts.assume_role(
        RoleArn=aws_world.declared.owners["aws-acme"].role.arn, RoleSessionName="e2e", ExternalId=external_id, **extra
    )
    return session_credentials(answer)

"""Polaris' database under mocks: private, encrypted, cluster-only, and the password never in plaintext."""

from __future__ import annotations

import json
import re

import pulumi
import pytest

from components.aws_accounts import account_provider
from components.platform.database import DatabaseArgs, DatabaseResilience, PolarisDatabase
from configuration.schema import AwsCredentials, DatabaseConfig
from tools.plan import Plan, run_program

VPC = "vpc-0platform"
SUBNETS = ["subnet-0private1", "subnet-0private2"]
CLUSTER_SG = "sg-0eksclustersg"
PROD = DatabaseConfig(
    instance_class="db.m6g.large",
    engine_version="16",
    allocated_storage_gb=100,
    backup_retention_days=14,
    multi_az=True,
)
DEV = DatabaseConfig()
PASSWORDS: dict[str, str] = {}
"""The generated passwords, captured in the program, to search every planned value for them."""


def database(
    name: str,
    config: DatabaseConfig,
    resilience: DatabaseResilience,
    provider: pulumi.ProviderResource,
    **optional: bool,
) -> None:
    db = PolarisDatabase(
        name,
        DatabaseArgs(
            config,
            vpc_id=VPC,
            subnet_ids=SUBNETS,
            client_security_group_id=CLUSTER_SG,
            resilience=resilience,
            tags={"component": "database"},
            **optional,
        ),
        opts=pulumi.ResourceOptions(provider=provider),
    )
    db.connection.password.apply(lambda password: PASSWORDS.__setitem__(name, password))
    pulumi.export(
        name,
        {
            "jdbc_url": db.connection.jdbc_url,
            "username": db.connection.username,
            "password": db.connection.password,
            "address": db.address,
            "port": db.port,
            "instance_id": db.instance_id,
        },
    )


def program() -> None:
    provider = account_provider(
        "platform-aws",
        account_id="111111111111",
        region="eu-west-1",
        deploy_role_arn=None,
        credentials=AwsCredentials.ASSUME_ROLE,
        tags={},
    )
    pulumi.export("provider_urn", provider.urn)
    protected = DatabaseResilience(deletion_protection=True, final_snapshot=True)
    database("prod-db", PROD, protected, provider, iam_authentication=True, performance_insights=True)
    database("dev-db", DEV, DatabaseResilience(deletion_protection=False, final_snapshot=False), provider)
    database("snapshot-db", DEV, DatabaseResilience(deletion_protection=False, final_snapshot=True), provider)


@pytest.fixture(scope="module")
def plan() -> Plan:
    return run_program(program, stack="unit")


def instance(plan: Plan, db: str) -> dict:
    return plan.named(f"{db}-instance").inputs


def test_instance_runs_the_configured_postgres(plan):
    prod = instance(plan, "prod-db")
    assert (prod["engine"], prod["engineVersion"], prod["instanceClass"]) == ("postgres", "16", "db.m6g.large")
    assert prod["allocatedStorage"] == 100
    assert prod["dbName"] == "polaris"
    assert prod["multiAz"] is True
    assert instance(plan, "dev-db")["multiAz"] is False


def test_storage_is_encrypted_with_a_rotated_key_of_its_own(plan):
    for db in ("prod-db", "dev-db"):
        key = plan.named(f"{db}-key")
        assert instance(plan, db)["storageEncrypted"] is True
        assert instance(plan, db)["kmsKeyId"] == key.state["arn"]
        assert key.inputs["enableKeyRotation"] is True


def test_instance_is_private_in_the_given_subnets(plan):
    for db in ("prod-db", "dev-db"):
        subnets = plan.named(f"{db}-subnets")
        assert instance(plan, db)["publiclyAccessible"] is False
        assert subnets.inputs["subnetIds"] == SUBNETS
        assert instance(plan, db)["dbSubnetGroupName"] == subnets.state["name"]


def test_only_the_cluster_security_group_reaches_postgres(plan):
    group = plan.named("prod-db-sg")
    assert group.inputs["vpcId"] == VPC
    assert group.inputs["ingress"] == [
        {
            "description": "PostgreSQL from the cluster",
            "protocol": "tcp",
            "fromPort": 5432,
            "toPort": 5432,
            "securityGroups": [CLUSTER_SG],
        }
    ]
    assert "egress" not in group.inputs
    [group_id] = instance(plan, "prod-db")["vpcSecurityGroupIds"]
    assert group.state["arn"].endswith(f"/{group_id}")


def test_backups_are_kept_for_the_configured_days(plan):
    assert instance(plan, "prod-db")["backupRetentionPeriod"] == 14
    assert instance(plan, "dev-db")["backupRetentionPeriod"] == 7
    assert instance(plan, "prod-db")["copyTagsToSnapshot"] is True


def test_production_is_protected_and_keeps_a_final_snapshot(plan):
    prod = instance(plan, "prod-db")
    assert prod["deletionProtection"] is True
    assert prod["skipFinalSnapshot"] is False
    assert prod["finalSnapshotIdentifier"] == "prod-db-final"


def test_a_final_snapshot_does_not_need_deletion_protection(plan):
    kept = instance(plan, "snapshot-db")
    assert kept["deletionProtection"] is False
    assert (kept["skipFinalSnapshot"], kept["finalSnapshotIdentifier"]) == (False, "snapshot-db-final")


def test_dev_can_be_destroyed_without_a_snapshot(plan):
    dev = instance(plan, "dev-db")
    assert dev["deletionProtection"] is False
    assert dev["skipFinalSnapshot"] is True
    assert "finalSnapshotIdentifier" not in dev


def test_iam_authentication_and_performance_insights_are_opt_in(plan):
    prod, dev = instance(plan, "prod-db"), instance(plan, "dev-db")
    assert prod["iamDatabaseAuthenticationEnabled"] is True
    assert prod["performanceInsightsEnabled"] is True
    assert prod["performanceInsightsKmsKeyId"] == plan.named("prod-db-key").state["arn"]
    assert dev["iamDatabaseAuthenticationEnabled"] is False
    assert dev["performanceInsightsEnabled"] is False
    assert "performanceInsightsKmsKeyId" not in dev


def test_password_reaches_rds_as_a_secret_limited_to_characters_rds_accepts(plan):
    password = plan.named("prod-db-password")
    assert instance(plan, "prod-db")["password"] == "[secret]"
    assert password.state["result"] == "[secret]"
    assert password.inputs["length"] >= 32
    assert not set(password.inputs["overrideSpecial"]) & set('/@" $&')


def test_password_never_appears_in_plaintext_anywhere(plan):
    assert set(PASSWORDS) == {"prod-db", "dev-db", "snapshot-db"} and all(len(p) >= 32 for p in PASSWORDS.values())
    everything = json.dumps([[r.inputs, r.state] for r in plan.resources] + [plan.outputs])
    assert not any(password in everything for password in PASSWORDS.values())


def test_connection_gives_the_jdbc_url_user_and_secret_password(plan):
    connection = plan.outputs["prod-db"]
    address = plan.named("prod-db-instance").state["address"]
    assert connection["jdbc_url"] == f"jdbc:postgresql://{address}:5432/polaris"
    assert re.fullmatch(r"jdbc:postgresql://[a-z0-9.-]+:5432/polaris", connection["jdbc_url"])
    assert connection["username"] == "polaris"
    assert connection["password"] == "[secret]"
    assert (connection["address"], connection["port"]) == (address, 5432)
    assert connection["instance_id"] == plan.named("prod-db-instance").state["identifier"]


def test_every_aws_resource_uses_the_provider_it_was_given(plan):
    resources = [r for db in ("prod-db", "dev-db") for r in plan.descendants(db) if r.type.startswith("aws:")]
    assert len(resources) == 10  # key, subnet group, security group, parameter group, instance; twice
    assert {r.provider for r in resources} == {plan.outputs["provider_urn"]}

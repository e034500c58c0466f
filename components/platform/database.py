"""Polaris' PostgreSQL (``persistence: postgres``): RDS in the private subnets, reachable from the cluster only.

The master password is generated here and only ever travels as a secret: into RDS, and out through
``DatabaseConnection`` to the Kubernetes Secret that the Polaris Deployment and bootstrap Job read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.key_policies import key_policy
from configuration.schema import DatabaseConfig

DATABASE_NAME = "polaris"
USERNAME = "polaris"
POSTGRES_PORT = 5432
PASSWORD_SPECIALS = "!#*()-_=+[]{}:?"
"""RDS refuses '/', '@', '"' and spaces; '$' and '&' are left out too, so shells and `$(VAR)` expansion in
Kubernetes env values never alter the password."""
LOG_EXPORTS = ("postgresql", "upgrade")
LOG_PARAMETERS = {
    "log_connections": "1",
    "log_disconnections": "1",
    "log_min_duration_statement": "1000",  # statements slower than a second, as Polaris sends them: ...
    "log_parameter_max_length": "0",  # ... with placeholders, never the bound values (the data)
    "log_parameter_max_length_on_error": "0",
    "log_statement": "none",
}
"""Who connected and what was slow, never the data: Polaris' JDBC statements carry values as bind parameters."""
MONITORING_SECONDS = 60
MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"


@dataclass(frozen=True)
class DatabaseConnection:
    """What the Polaris Deployment and bootstrap Job need."""

    jdbc_url: pulumi.Input[str]
    """``jdbc:postgresql://<host>:5432/polaris``"""
    username: pulumi.Input[str]
    password: pulumi.Input[str]
    """Always a secret."""


@dataclass(frozen=True)
class DatabaseResilience:
    """What the database keeps through a mistaken delete (the stage decides)."""

    deletion_protection: bool
    """RDS refuses to delete the instance until the protection is turned off."""
    final_snapshot: bool
    """A delete first takes a last snapshot, ``<name>-final``, that outlives the instance."""


@dataclass(frozen=True)
class DatabaseArgs:
    database: DatabaseConfig
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[str]]
    """Private subnets in at least two zones (RDS requires two even without multi-AZ)."""
    client_security_group_id: pulumi.Input[str]
    """The only security group admitted on the PostgreSQL port: the one the cluster's nodes carry."""
    resilience: DatabaseResilience
    tags: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Tags of the instance (the provider's default tags apply as well)."""
    iam_authentication: bool = False
    """Also accept IAM database authentication tokens (the password keeps working)."""
    performance_insights: bool = False
    account_id: str | None = None
    """The platform account: with it the key gets an explicit policy, and enhanced monitoring is on."""


class PolarisDatabase(pulumi.ComponentResource):
    """An encrypted, private RDS PostgreSQL instance for Polaris' relational-jdbc persistence.

    Pass the platform account's provider in ``opts``."""

    connection: DatabaseConnection
    address: pulumi.Output[str]
    port: pulumi.Output[int]
    instance_id: pulumi.Output[str]

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:platform:PolarisDatabase", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        password = random.RandomPassword(
            f"{name}-password", length=32, special=True, override_special=PASSWORD_SPECIALS, opts=child
        )
        instance = self._instance(name, args, pulumi.Output.secret(password.result))
        self.address = instance.address
        self.port = instance.port
        self.instance_id = instance.identifier
        self.connection = DatabaseConnection(
            jdbc_url=pulumi.Output.all(instance.address, instance.port).apply(
                lambda endpoint: f"jdbc:postgresql://{endpoint[0]}:{endpoint[1]}/{DATABASE_NAME}"
            ),
            username=instance.username,
            password=pulumi.Output.secret(password.result),
        )
        self.register_outputs(
            {
                "address": self.address,
                "port": self.port,
                "instance_id": self.instance_id,
                "jdbc_url": self.connection.jdbc_url,
                "username": self.connection.username,
                "password": self.connection.password,
            }
        )

    def _instance(self, name: str, args: DatabaseArgs, password: pulumi.Output[str]) -> aws.rds.Instance:
        child = pulumi.ResourceOptions(parent=self)
        config = args.database
        key = aws.kms.Key(
            f"{name}-key",
            description=f"{name}: Polaris database storage and insights",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=json.dumps(key_policy(args.account_id, [])) if args.account_id else None,
            opts=child,
        )
        parameters = aws.rds.ParameterGroup(
            f"{name}-parameters",
            family=f"postgres{config.engine_version.split('.')[0]}",
            description="Polaris: connection and slow-query logging without statement data",
            parameters=[{"name": key_, "value": value} for key_, value in LOG_PARAMETERS.items()],
            opts=child,
        )
        monitoring = self._monitoring_role(name) if args.account_id else None
        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets",
            subnet_ids=args.subnet_ids,
            description="Private subnets of the Polaris database",
            opts=child,
        )
        firewall = aws.ec2.SecurityGroup(
            f"{name}-sg",
            vpc_id=args.vpc_id,
            description="PostgreSQL from the EKS cluster only",
            # No egress rules: the database opens no connections, and replies need none.
            ingress=[
                aws.ec2.SecurityGroupIngressArgs(
                    description="PostgreSQL from the cluster",
                    protocol="tcp",
                    from_port=POSTGRES_PORT,
                    to_port=POSTGRES_PORT,
                    security_groups=[args.client_security_group_id],
                )
            ],
            opts=child,
        )
        return aws.rds.Instance(
            f"{name}-instance",
            engine="postgres",
            engine_version=config.engine_version,
            instance_class=config.instance_class,
            allocated_storage=config.allocated_storage_gb,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=key.arn,
            db_name=DATABASE_NAME,
            username=USERNAME,
            password=password,
            port=POSTGRES_PORT,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[firewall.id],
            publicly_accessible=False,
            multi_az=config.multi_az,
            backup_retention_period=config.backup_retention_days,
            copy_tags_to_snapshot=True,
            deletion_protection=args.resilience.deletion_protection,
            skip_final_snapshot=not args.resilience.final_snapshot,
            final_snapshot_identifier=f"{name}-final" if args.resilience.final_snapshot else None,
            auto_minor_version_upgrade=True,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            iam_database_authentication_enabled=args.iam_authentication,
            performance_insights_enabled=args.performance_insights,
            performance_insights_kms_key_id=key.arn if args.performance_insights else None,
            parameter_group_name=parameters.name,
            monitoring_interval=MONITORING_SECONDS if monitoring else 0,
            monitoring_role_arn=monitoring.arn if monitoring else None,
            tags=dict(args.tags) or None,
            opts=child,
        )

    def _monitoring_role(self, name: str) -> aws.iam.Role:
        """Enhanced monitoring (OS metrics every minute) publishes through this role, trusted by RDS only."""
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-monitoring-role",
            description="RDS enhanced monitoring",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "monitoring.rds.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            opts=child,
        )
        aws.iam.RolePolicyAttachment(f"{name}-monitoring", role=role.name, policy_arn=MONITORING_POLICY, opts=child)
        return role

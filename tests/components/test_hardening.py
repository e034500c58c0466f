"""Hardening under mocks: VPC flow logs, explicit key policies, RDS monitoring and statement-free logging."""

from __future__ import annotations

import json

import pytest

from components.platform.database import LOG_PARAMETERS
from tools.plan import plan_stack


@pytest.fixture(scope="module")
def prod():
    return plan_stack("prod")


def test_the_vpc_logs_every_flow_to_a_retained_encrypted_group(prod):
    [flow] = prod.of_type("aws:ec2/flowLog:FlowLog")
    assert flow.inputs["trafficType"] == "ALL" and flow.inputs["vpcId"]
    group = next(g for g in prod.of_type("aws:cloudwatch/logGroup:LogGroup") if g.name.endswith("-flow-logs-group"))
    assert group.inputs["retentionInDays"] == 365 and group.inputs["kmsKeyId"]
    role = next(r for r in prod.of_type("aws:iam/role:Role") if r.name.endswith("-flow-logs-role"))
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "111111111111"}}


def test_every_kms_key_has_an_explicit_policy(prod):
    keys = prod.of_type("aws:kms/key:Key")
    assert len(keys) >= 4
    for key in keys:
        statements = json.loads(key.inputs["policy"])["Statement"]
        assert statements[0]["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}, key.name
        assert all(s["Principal"] != "*" and s["Principal"] != {"AWS": "*"} for s in statements)


def test_the_database_is_monitored_and_logs_connections_and_slow_queries_without_data(prod):
    [instance] = prod.of_type("aws:rds/instance:Instance")
    assert instance.inputs["performanceInsightsEnabled"] is True and instance.inputs["performanceInsightsKmsKeyId"]
    assert instance.inputs["monitoringInterval"] == 60 and instance.inputs["monitoringRoleArn"]
    [parameters] = prod.of_type("aws:rds/parameterGroup:ParameterGroup")
    assert instance.inputs["parameterGroupName"] == parameters.state.get("name", instance.inputs["parameterGroupName"])
    assert parameters.inputs["family"] == "postgres16"
    values = {p["name"]: p["value"] for p in parameters.inputs["parameters"]}
    assert values == LOG_PARAMETERS
    assert values["log_parameter_max_length"] == "0" and values["log_statement"] == "none"

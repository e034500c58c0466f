from types import SimpleNamespace

import pytest
from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel

from policies import ALL_POLICIES, aws
from policies.common import (
    AWS_IAM_ROLE_POLICY,
    AWS_RDS_INSTANCE,
    EKS_COMPONENT_CLUSTER,
    K8S_DEPLOYMENT,
    K8S_SERVICE,
    POLARIS_GRANT,
)
from tools import policy_analysis

PREFIX = "urn:pulumi:prod::polaris-data-exchange::"


def planned(type_: str, name: str, inputs: dict, **extra) -> dict:
    """A resource as the offline plan's JSON lists it."""
    return {
        "urn": f"{PREFIX}{type_}::{name}",
        "type": type_,
        "name": name,
        "parent": "",
        "provider": "",
        "custom": True,
        "inputs": inputs,
        **extra,
    }


PUBLIC_DB = planned(
    AWS_RDS_INSTANCE, "db", {"storageEncrypted": True, "publiclyAccessible": True, "deletionProtection": True}
)


def messages(report: policy_analysis.Report, policy: str) -> list[tuple[str, str, str]]:
    return [(v.level, v.name, v.message) for v in report.by_policy().get(policy, [])]


def test_mandatory_policy_reported_as_configured_and_disabled_one_silent():
    assert messages(policy_analysis.evaluate([PUBLIC_DB], {}, {}), "rds-not-public") == [
        ("mandatory", "db", "publiclyAccessible is true")
    ]
    report = policy_analysis.evaluate([PUBLIC_DB], {}, {"rds-not-public": "advisory"})
    assert messages(report, "rds-not-public") == [("advisory", "db", "publiclyAccessible is true")]
    assert not report.has_mandatory
    report = policy_analysis.evaluate([PUBLIC_DB], {}, {"rds-not-public": {"enforcementLevel": "disabled"}})
    assert messages(report, "rds-not-public") == []


def test_all_sets_every_level_and_a_policy_entry_wins():
    report = policy_analysis.evaluate([PUBLIC_DB], {}, {"all": "advisory"})
    assert [v.level for v in report.violations] == ["advisory"]
    report = policy_analysis.evaluate([PUBLIC_DB], {}, {"all": "disabled", "rds-not-public": "mandatory"})
    assert [v.policy for v in report.mandatory] == ["rds-not-public"]


def test_reconcile_fills_defaults_and_levels_like_the_cli():
    reconciled = policy_analysis.reconcile(ALL_POLICIES, {"aws-role-max-session": {"maxSeconds": 900}})
    assert reconciled["aws-role-max-session"] == (EnforcementLevel.MANDATORY, {"maxSeconds": 900})
    assert reconciled["eks-control-plane-logging"][1] == {"requiredLogTypes": ["api", "audit", "authenticator"]}
    with pytest.raises(ValueError, match="unknown policies: no-such-policy"):
        policy_analysis.reconcile(ALL_POLICIES, {"no-such-policy": "mandatory"})


def test_config_properties_reach_the_policy_through_the_servicer():
    role = planned("aws:iam/role:Role", "role", {"maxSessionDuration": 3600})
    assert messages(policy_analysis.evaluate([role], {}, {}), "aws-role-max-session") == []
    report = policy_analysis.evaluate([role], {}, {"aws-role-max-session": {"maxSeconds": 900}})
    assert messages(report, "aws-role-max-session") == [
        ("mandatory", "role", "maxSessionDuration is 3600 s, above 900 s")
    ]


def test_unknown_value_in_struct_form_is_skipped_not_failed():
    servicer = policy_analysis.configured_servicer(ALL_POLICIES, {})
    properties = struct_pb2.Struct()
    properties.update({"storageEncrypted": policy_analysis.UNKNOWN, "publiclyAccessible": False})
    response = servicer.Analyze(
        proto.AnalyzeRequest(type=AWS_RDS_INSTANCE, urn=PUBLIC_DB["urn"], name="db", properties=properties), None
    )
    [diagnostic] = response.diagnostics
    assert diagnostic.policyName == "rds-storage-encrypted"
    assert diagnostic.enforcementLevel == proto.ADVISORY
    assert diagnostic.message.endswith(
        "during preview: string value at .storageEncrypted can't be known during preview"
    )


def test_masked_secrets_are_unknown_offline():
    role = planned("aws:iam/role:Role", "vending", {"assumeRolePolicy": "[secret]"})
    report = policy_analysis.evaluate([role], {}, {})
    assert report.violations == []
    assert report.skipped == [
        policy_analysis.Skipped(
            "aws-role-trust-specific", role["urn"], "string value at .assumeRolePolicy can't be known during preview"
        )
    ]


def test_client_configurations_in_outputs_are_checked_on_the_stack_resource():
    outputs = {"clientConfigurations": {"contoso": {"scope": "PRINCIPAL_ROLE:ALL"}}}
    report = policy_analysis.evaluate([PUBLIC_DB], outputs, {})
    assert messages(report, "polaris-client-scope") == [
        (
            "mandatory",
            "polaris-data-exchange-prod",
            "client configuration of contoso: contoso.scope is PRINCIPAL_ROLE:ALL",
        )
    ]


def test_stack_policies_see_outputs_and_provider_properties():
    provider = planned("pulumi:providers:azuread", "directory", {"tenantId": "t"})
    principal = planned("azuread:index/servicePrincipal:ServicePrincipal", "sp", {}, provider=provider["urn"])
    role = planned(
        "aws:iam/role:Role",
        "vending",
        {"maxSessionDuration": 3600},
        outputs={"arn": "arn:aws:iam::2:role/v", "name": "v"},
    )
    catalogs = [
        planned("pulumi-python:dynamic/polaris:Catalog", name, {"name": name, "storageConfigInfo": storage})
        for name, storage in (
            ("a", {"storageType": "AZURE", "tenantId": "t"}),
            ("s", {"storageType": "S3", "roleArn": "arn:aws:iam::2:role/v"}),
        )
    ]
    report = policy_analysis.evaluate([provider, principal, role, *catalogs], {}, {})
    assert messages(report, "vending-identity-unique") == []


def weakened_prod() -> list[dict]:
    container = {
        "name": "polaris",
        "image": "apache/polaris:latest",
        "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
        "resources": {"limits": {"cpu": "2", "memory": "2Gi"}},
        "livenessProbe": {"httpGet": {}},
        "readinessProbe": {"httpGet": {}},
    }
    return [
        planned(
            EKS_COMPONENT_CLUSTER,
            "cluster",
            {
                "encryptionConfigKeyArn": "arn:aws:kms:k",
                "enabledClusterLogTypes": ["api", "audit", "authenticator"],
                "endpointPublicAccess": True,
                "publicAccessCidrs": ["0.0.0.0/1", "128.0.0.0/1"],
            },
        ),
        planned(
            K8S_SERVICE,
            "polaris-service",
            {"spec": {"type": "LoadBalancer", "loadBalancerSourceRanges": ["0.0.0.0/0"]}},
        ),
        planned(
            POLARIS_GRANT,
            "grant",
            {
                "catalogName": "sales",
                "catalogRoleName": "contoso_read",
                "connection": "[secret]",
                "grant": {"type": "catalog", "privilege": "CATALOG_MANAGE_CONTENT"},
            },
        ),
        planned(
            AWS_IAM_ROLE_POLICY,
            "vending-access",
            {
                "role": "v",
                "policy": '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::acme/*"}]}',
            },
        ),
        planned(
            K8S_DEPLOYMENT, "polaris", {"spec": {"replicas": 2, "template": {"spec": {"containers": [container]}}}}
        ),
    ]


def test_weakened_production_resources_are_caught_as_mandatory():
    report = policy_analysis.evaluate(weakened_prod(), {}, policy_analysis.load_policy_config("prod"))
    assert report.has_mandatory
    assert sorted((v.policy, v.name, v.message) for v in report.mandatory) == [
        ("audit-s3-access-logging", "", "existing bucket s3://acme-archive-exports has no server access logging"),
        ("aws-permissions-scoped", "vending-access", "statement 0 allows the wildcard action s3:*; list the actions"),
        (
            "eks-public-endpoint-restricted",
            "cluster",
            "the public API endpoint is open to 0.0.0.0/1 + 128.0.0.0/1 in production (the whole internet)",
        ),
        (
            "k8s-image-digest",
            "polaris",
            "container polaris: image apache/polaris:latest is not pinned by digest (@sha256:...)",
        ),
        ("k8s-image-pinned", "polaris", "container polaris: image apache/polaris:latest uses the moving tag latest"),
        (
            "load-balancer-source-ranges-restricted",
            "polaris-service",
            "loadBalancerSourceRanges 0.0.0.0/0 admit the whole internet",
        ),
        (
            "polaris-grant-within-write-level",
            "grant",
            "grants CATALOG_MANAGE_CONTENT to sales/contoso_read: it lets the holder manage the catalog",
        ),
        (
            "vending-permissions-on-declared-buckets",
            "vending-access",
            "vending-access allows access to bucket acme, which the stack does not declare",
        ),
    ]


def test_dev_config_reports_the_open_endpoint_as_advisory_at_most():
    report = policy_analysis.evaluate(weakened_prod()[:1], {}, policy_analysis.load_policy_config("dev"))
    assert report.violations == []


def test_report_renders_grouped_with_remediation():
    text = policy_analysis.evaluate([PUBLIC_DB], {}, {}).render()
    assert text.splitlines() == [
        "Policy pack polaris-data-exchange-guardrails: 1 mandatory and 0 advisory violation(s), 0 check(s) skipped "
        "on unknown values",
        "[mandatory] rds-not-public (severity critical)",
        "  db: publiclyAccessible is true",
        f"  fix: {aws.rds_not_public.remediation_steps}",
        *(
            f"[not applicable] audit-{name}: not a production stack"
            for name in ("azure-blob-diagnostics", "gcs-data-access", "polaris-events", "s3-access-logging")
        ),
        "[not applicable] organisation-access-declared: no organisationAccess in the policy config",
    ]


def test_stack_facts_fill_organisation_access_and_existing_buckets():
    owner = lambda root, create, role=None: SimpleNamespace(  # noqa: E731
        storage_root=root,
        storage=SimpleNamespace(create=create),
        gcp=None,
        aws=SimpleNamespace(vending_role=SimpleNamespace(role_arn=role) if role else None),
    )
    stack_config = SimpleNamespace(
        organisations=[
            SimpleNamespace(name="contoso", access=[SimpleNamespace(catalog="sales"), SimpleNamespace(catalog="sales")])
        ],
        data_owners=[owner("s3://acme", True), owner("s3://archive", False, "arn:aws:iam::222222222222:role/given")],
    )
    config = policy_analysis.with_stack_facts({"catalog-locations-declared": "advisory"}, stack_config)
    assert config == {
        "organisation-access-declared": {"organisationAccess": {"contoso": ["sales"]}},
        "catalog-locations-declared": {
            "enforcementLevel": "advisory",
            "existingBuckets": ["s3://archive"],
            "givenVendingIdentities": {"arn:aws:iam::222222222222:role/given": ["s3://archive"]},
        },
        "vending-permissions-on-declared-buckets": {"existingBuckets": ["s3://archive"]},
        "vending-identity-unique": {
            "givenVendingIdentities": {"arn:aws:iam::222222222222:role/given": ["s3://archive"]}
        },
    }


def test_evaluate_plan_checks_the_shipped_dev_plan_with_its_stack_facts():
    from tools.plan import plan_stack

    report = policy_analysis.evaluate_plan(plan_stack("dev"))
    assert report.mandatory == []
    assert "organisation-access-declared" not in report.not_applicable
    assert {s.policy for s in report.skipped} == {"polaris-client-scope"}  # the plan's outputs are masked


def test_property_names_match_what_the_sdks_register():
    """Resources built with the installed SDKs, recorded under mocks: each rule must find its properties."""
    import json

    import pulumi_aws as aws_sdk
    import pulumi_azuread as azuread
    import pulumi_gcp as gcp_sdk

    from tools.plan import run_program

    def program():
        aws_sdk.eks.Cluster(
            "cluster",
            role_arn="arn:r",
            vpc_config={"subnet_ids": ["s"], "public_access_cidrs": ["0.0.0.0/0"]},
            encryption_config={"resources": ["configmaps"], "provider": {"key_arn": "arn:k"}},
            enabled_cluster_log_types=["api"],
        )
        azuread.ApplicationPassword("password", application_id="/applications/a", end_date_relative="8760h")
        gcp_sdk.projects.IAMPolicy(
            "policy",
            project="p",
            policy_data=json.dumps({"bindings": [{"role": "roles/editor", "members": ["user:a@b"]}]}),
        )
        gcp_sdk.storage.BucketIAMBinding("binding", bucket="b", role="roles/owner", members=["user:a@b"])

    plan = run_program(program, stack="prod", project="polaris-data-exchange")
    resources = [{**r.to_json(), "inputs": r.unmasked_inputs} for r in plan.resources]
    report = policy_analysis.evaluate(resources, {}, policy_analysis.load_policy_config("prod"))
    assert sorted((v.name, v.message) for v in report.violations) == [
        ("", "existing bucket s3://acme-archive-exports has no server access logging"),
        ("binding", "grants the basic role roles/owner"),
        ("cluster", "control-plane log types audit, authenticator are not enabled"),
        (
            "cluster",
            'encryptionConfig {"provider": {"keyArn": "arn:k"}, "resources": ["configmaps"]} does not '
            "encrypt `secrets` with a KMS key",
        ),
        ("cluster", "the public API endpoint is open to 0.0.0.0/0 in production (the whole internet)"),
        ("password", "endDateRelative 8760h is longer than 90 days"),
        ("policy", "grants the basic role roles/editor"),
    ]

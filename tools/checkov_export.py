"""The offline plan in the shapes checkov scans: Kubernetes manifests and a Terraform-shaped plan.

    python -m tools.checkov_export --stack prod --out build/checkov
    checkov -d build/checkov/kubernetes --framework kubernetes
    checkov -f build/checkov/plan.json --framework terraform_plan

Kubernetes resources become manifests (``apiVersion``/``kind`` from the type token, inputs as the body). AWS
and GCP resources whose Terraform type is listed in ``TERRAFORM_TYPES`` become ``planned_values`` entries with
their inputs in snake_case (the Pulumi bridge's names are Terraform's). Azure-native resources have no
Terraform shape (they follow ARM, not azurerm) and are left out; docs/hardening.md says what was scanned.
checkov runs in its own virtualenv (requirements-checkov.txt): its pins conflict with the test toolchain's.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import yaml

from tools.plan import PlannedResource, plan_stack

TERRAFORM_TYPES = {
    "aws:ec2/vpc:Vpc": "aws_vpc",
    "aws:ec2/flowLog:FlowLog": "aws_flow_log",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "aws_default_security_group",
    "aws:ec2/launchTemplate:LaunchTemplate": "aws_launch_template",
    "aws:ec2/subnet:Subnet": "aws_subnet",
    "aws:kms/key:Key": "aws_kms_key",
    "aws:rds/instance:Instance": "aws_db_instance",
    "aws:rds/parameterGroup:ParameterGroup": "aws_db_parameter_group",
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
    "aws:s3/bucketLogging:BucketLogging": "aws_s3_bucket_logging",
    "aws:s3/bucketVersioning:BucketVersioning": "aws_s3_bucket_versioning",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "aws_s3_bucket_server_side_encryption_configuration",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "aws_s3_bucket_lifecycle_configuration",
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:eks/addon:Addon": "aws_eks_addon",
    "aws:eks/nodeGroup:NodeGroup": "aws_eks_node_group",
    "eks:index:Cluster": "aws_eks_cluster",
    "gcp:storage/bucket:Bucket": "google_storage_bucket",
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": "google_project_iam_audit_config",
}
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def snake(value: Any) -> Any:
    if isinstance(value, dict):
        return {_CAMEL.sub("_", key).lower(): snake(item) for key, item in value.items()}
    if isinstance(value, list):
        return [snake(item) for item in value]
    return value


def manifest(resource: PlannedResource) -> dict[str, Any] | None:
    """``kubernetes:apps/v1:Deployment`` -> apiVersion apps/v1, kind Deployment; None for Helm releases etc."""
    _, group_version, kind = resource.type.split(":")
    if group_version.startswith("helm.sh") or ("/" not in group_version and group_version != "v1"):
        return None
    api_version = group_version.removeprefix("core/")
    return {
        "apiVersion": api_version,
        "kind": kind,
        **{k: v for k, v in resource.inputs.items() if k not in ("apiVersion", "kind")},
    }


def terraform_plan(resources: list[PlannedResource]) -> dict[str, Any]:
    planned = [
        {
            "address": f"{TERRAFORM_TYPES[r.type]}.{r.name.replace('-', '_')}",
            "mode": "managed",
            "type": TERRAFORM_TYPES[r.type],
            "name": r.name.replace("-", "_"),
            "values": snake({**r.state, **r.inputs}),
        }
        for r in resources
        if r.type in TERRAFORM_TYPES
    ]
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.0",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": [
            {
                "address": p["address"],
                "mode": "managed",
                "type": p["type"],
                "name": p["name"],
                "change": {"actions": ["create"], "before": None, "after": p["values"]},
            }
            for p in planned
        ],
    }


def export(stack: str, out: Path) -> tuple[int, int]:
    plan = plan_stack(stack)
    k8s_dir = out / "kubernetes"
    k8s_dir.mkdir(parents=True, exist_ok=True)
    manifests = [m for r in plan.resources if r.type.startswith("kubernetes:") and (m := manifest(r))]
    for index, document in enumerate(manifests):
        (k8s_dir / f"{index:02d}-{document['kind'].lower()}.yaml").write_text(yaml.safe_dump(document))
    document = terraform_plan(plan.resources)
    (out / "plan.json").write_text(json.dumps(document, indent=1, default=str))
    return len(manifests), len(document["planned_values"]["root_module"]["resources"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="prod")
    parser.add_argument("--out", type=Path, default=Path("build/checkov"))
    args = parser.parse_args(argv)
    manifests, resources = export(args.stack, args.out)
    print(f"{manifests} Kubernetes manifests and {resources} Terraform-shaped resources in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The checkov shapes of the offline plan: manifests with apiVersion/kind, Terraform-typed snake_case values."""

from __future__ import annotations

import json

import yaml

from tools.checkov_export import export, snake


def test_export_writes_manifests_and_a_terraform_shaped_plan(tmp_path):
    manifests, resources = export("prod", tmp_path)
    documents = [yaml.safe_load(p.read_text()) for p in sorted((tmp_path / "kubernetes").iterdir())]
    assert len(documents) == manifests
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    assert deployment["apiVersion"] == "apps/v1" and deployment["spec"]["template"]["spec"]["containers"]
    assert {d["apiVersion"] for d in documents if d["kind"] in ("Service", "Secret")} == {"v1"}
    assert not any(d["kind"] == "Release" for d in documents), "Helm releases are not manifests"
    plan = json.loads((tmp_path / "plan.json").read_text())
    planned = plan["planned_values"]["root_module"]["resources"]
    assert len(planned) == resources == len(plan["resource_changes"])
    types = {r["type"] for r in planned}
    assert {"aws_vpc", "aws_flow_log", "aws_db_instance", "aws_kms_key", "google_storage_bucket"} <= types
    database = next(r for r in planned if r["type"] == "aws_db_instance")
    assert (
        database["values"]["performance_insights_enabled"] is True and database["values"]["monitoring_interval"] == 60
    )


def test_snake_case_keys_recursively():
    assert snake({"kmsKeyId": 1, "rules": [{"applyServerSideEncryption": {"sseAlgorithm": "AES256"}}]}) == {
        "kms_key_id": 1,
        "rules": [{"apply_server_side_encryption": {"sse_algorithm": "AES256"}}],
    }

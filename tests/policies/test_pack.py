"""The pack as the CLI loads it: metadata every policy must carry, and the entry point's PolicyPack."""

import re
import runpy
from pathlib import Path

import pulumi_policy
import pytest
import yaml
from pulumi_policy import EnforcementLevel, Severity

from configuration.loader import load_stack
from policies import ALL_POLICIES, PACK_NAME
from tools import policy_analysis

PACK = policy_analysis.PACK_DIR
ROOT = PACK.parent


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=lambda p: p.name)
def test_policy_metadata(policy):
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", policy.name)
    assert "Fix:" in policy.description and len(policy.description.split("Fix:")[0]) > 40
    assert policy.severity in Severity and policy.remediation_steps
    for spec in policy.config_schema.properties.values() if policy.config_schema else []:
        assert spec["description"] and ("default" in spec or "absent = not applicable" in spec["description"])


@pytest.mark.parametrize(
    "policy", [p for p in ALL_POLICIES if p.severity in (Severity.HIGH, Severity.CRITICAL)], ids=lambda p: p.name
)
def test_security_policies_are_mandatory_by_default(policy):
    assert policy.enforcement_level is EnforcementLevel.MANDATORY


def test_names_are_unique():
    names = [p.name for p in ALL_POLICIES]
    assert len(names) == len(set(names))


def test_entry_point_builds_the_pack_with_every_policy(monkeypatch):
    built = {}
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: built.update(kwargs))
    runpy.run_path(str(PACK / "__main__.py"), run_name="__main__")
    assert built["name"] == PACK_NAME and built["policies"] == ALL_POLICIES
    assert built["enforcement_level"] is EnforcementLevel.ADVISORY


def _pins(path: Path) -> dict[str, str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return dict(line.split("==", 1) for line in lines if line and not line.startswith("-"))


def _setup_scripts() -> str:
    action = yaml.safe_load((ROOT / ".github" / "actions" / "pulumi-setup" / "action.yml").read_text())
    return "\n".join(step.get("run", "") for step in action["runs"]["steps"])


def test_pack_files():
    assert policy_analysis.pack_version() == "0.1.0"
    pins = (PACK / "requirements.txt").read_text().split()
    assert "pulumi==3.272.0" in pins and "pulumi-policy==1.21.0" in pins


def test_pack_declares_a_virtualenv_that_ci_and_the_readme_create_from_its_requirements():
    """The CLI runs a local pack with the Python of its declared virtualenv and installs nothing into it; with
    none declared it runs the runner's bare python3 (no pulumi_policy) and the first preview aborts."""
    runtime = yaml.safe_load((PACK / "PulumiPolicy.yaml").read_text())["runtime"]
    assert runtime["name"] == "python"
    venv = f"policies/{runtime['options']['virtualenv']}"
    install = f"{venv}/bin/python -m pip install --quiet --requirement policies/requirements.txt"
    for where, text in {"CI setup action": _setup_scripts(), "README": (ROOT / "README.md").read_text()}.items():
        assert re.search(rf"python[0-9.]* -m venv {re.escape(venv)}\b", text), f"{where} creates no {venv}"
        assert install.replace("--quiet ", "") in text.replace("--quiet ", ""), f"{where} does not fill {venv}"
    assert "venv/" in (ROOT / ".gitignore").read_text().splitlines(), "a virtualenv at any depth stays untracked"


def test_pack_requirements_are_pinned_and_agree_with_the_program():
    """The pack loads the same pulumi SDK as the program it judges; a second, drifting pin would be a second
    home for one version."""
    pack, program = _pins(PACK / "requirements.txt"), _pins(ROOT / "requirements.txt")
    assert pack and all(re.fullmatch(r"\d+(\.\d+)+", v) for v in pack.values()), pack
    assert {name: program.get(name) for name in pack} == pack
    assert {line.split("#")[0].strip() for line in (PACK / "requirements.txt").read_text().splitlines()} - {""} == {
        f"{n}=={v}" for n, v in pack.items()
    }, "every line of the pack's requirements is a pin"


@pytest.mark.parametrize("stack, production", [("dev", False), ("prod", True)])
def test_stack_config_files_name_real_policies(stack, production):
    config = policy_analysis.load_policy_config(stack)
    reconciled = policy_analysis.reconcile(ALL_POLICIES, config)  # raises on an unknown policy or level
    assert {name for name, (_, props) in reconciled.items() if props.get("production")} == (
        {
            "eks-public-endpoint-restricted",
            "rds-deletion-protection",
            "k8s-image-digest",
            "polaris-production-persistence",
            "polaris-production-replicas",
            "load-balancer-source-ranges-restricted",
            "audit-polaris-events",
            "audit-s3-access-logging",
            "audit-gcs-data-access",
            "audit-azure-blob-diagnostics",
        }
        if production
        else set()
    )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_existing_buckets_in_the_cli_config_match_the_stack_configuration(stack):
    """`pulumi preview --policy-pack` only sees the json file; the offline check derives the same list from
    Pulumi.<stack>.yaml. Both must agree, or the CLI and the offline check would judge differently."""
    stack_config = load_stack(stack)
    derived = policy_analysis.with_stack_facts({}, stack_config)
    shipped = policy_analysis.load_policy_config(stack)
    for name in ("catalog-locations-declared", "vending-permissions-on-declared-buckets"):
        assert shipped.get(name, {}).get("existingBuckets", []) == derived[name]["existingBuckets"]


def test_docs_describe_every_policy_with_its_severity():
    docs = (PACK.parent / "docs" / "policies.md").read_text()
    for policy in ALL_POLICIES:
        assert re.search(rf"^\| `{policy.name}` \|.*\| {policy.severity.value} \| mandatory \|", docs, re.MULTILINE)


def test_local_cli_config_lists_the_identities_and_buckets_the_local_stack_brings(tmp_path):
    """`pulumi preview --policy-pack` on the local stack reads only local.json: what it says the stack brings
    must be what the stack configuration brings (the offline check derives the same from the stack)."""
    from tests.components.test_existing_polaris import local_file

    config = policy_analysis.load_policy_config("local")
    derived = policy_analysis.with_stack_facts(config, load_stack("local", local_file(tmp_path)))
    for name in ("catalog-locations-declared", "vending-identity-unique"):
        assert config[name]["givenVendingIdentities"] == derived[name]["givenVendingIdentities"]
    for name in ("catalog-locations-declared", "vending-permissions-on-declared-buckets"):
        assert config[name]["existingBuckets"] == derived[name]["existingBuckets"]
    assert (
        config["organisation-access-declared"]["organisationAccess"]
        == derived["organisation-access-declared"]["organisationAccess"]
    )

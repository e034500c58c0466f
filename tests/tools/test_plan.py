"""The offline plan: tree, JSON format, secret masking and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pulumi
import pulumi_aws as aws
import pulumi_random as random
import pytest

from configuration.loader import PROJECT_DIR, SECRET, engine_config
from tools.plan import main, mask_secrets, render_tree, run_program


class Box(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None):
        super().__init__("polaris-data-exchange:test:Box", name, None, opts)
        account = aws.Provider(
            f"{name}-provider",
            region="us-east-1",
            allowed_account_ids=["222222222222"],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.role = aws.iam.Role(
            f"{name}-role", assume_role_policy="{}", opts=pulumi.ResourceOptions(parent=self, provider=account)
        )
        self.password = random.RandomPassword(f"{name}-password", length=24, opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


def sample_program() -> None:
    box = Box("box")
    pulumi.export("roleArn", box.role.arn)
    pulumi.export("password", box.password.result)
    pulumi.export("nested", {"plain": "visible", "hidden": pulumi.Output.secret("hunter2")})


@pytest.fixture(scope="module")
def plan():
    return run_program(sample_program, stack="unit")


def test_records_type_name_nesting_and_provider(plan):
    box = plan.named("box")
    role = plan.named("box-role")
    provider = plan.named("box-provider")
    assert box.type == "polaris-data-exchange:test:Box" and not box.custom
    assert role.parent == box.urn and role.custom
    assert role.provider == provider.urn
    assert role.state["arn"].startswith("arn:aws:iam::222222222222:role/box-role-")  # auto-named, like the engine


def test_dependencies_are_recorded(plan):
    assert (
        plan.named("box-role").dependencies == [plan.named("box-provider").urn]
        or plan.named("box-provider").urn not in plan.named("box-password").dependencies
    )


def test_descendants_are_found_at_any_depth(plan):
    assert {r.name for r in plan.descendants("box")} == {"box-provider", "box-role", "box-password"}
    assert plan.descendants("box-role") == []


def test_secrets_are_masked_everywhere(plan):
    document = json.dumps(plan.to_json())
    assert plan.outputs["password"] == SECRET
    assert plan.outputs["nested"] == {"plain": "visible", "hidden": SECRET}
    assert "hunter2" not in document
    password = plan.named("box-password")
    assert password.state["result"] == SECRET


def test_unmasked_inputs_hold_plaintext_for_in_process_policies():
    plan = run_program(lambda: aws.iam.Role("r", assume_role_policy=pulumi.Output.secret('{"x": 1}')), stack="unit")
    role = plan.named("r")
    assert role.inputs["assumeRolePolicy"] == SECRET
    assert role.unmasked_inputs["assumeRolePolicy"] == '{"x": 1}'
    assert '{"x": 1}' not in json.dumps(plan.to_json())


def test_json_format_is_stable(plan):
    document = plan.to_json()
    assert set(document) == {"project", "stack", "resources", "outputs"}
    assert document["project"] == "polaris-data-exchange" and document["stack"] == "unit"
    for resource in document["resources"]:
        assert set(resource) == {"urn", "type", "name", "parent", "provider", "custom", "inputs"}
    role = next(r for r in document["resources"] if r["name"] == "box-role")
    assert role["inputs"]["assumeRolePolicy"] == "{}"  # engine property names, not Python ones


def test_tree_nests_children_and_counts_types(plan):
    tree = render_tree(plan)
    lines = tree.splitlines()
    box_line = next(i for i, line in enumerate(lines) if line.endswith("  box"))
    assert lines[box_line + 1].startswith("    ")  # children are indented under their component
    assert "   1  aws:iam/role:Role" in tree
    assert '  password: "[secret]"' in tree


def test_mask_secrets_replaces_wrappers_only():
    wrapped = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "x"}
    assert mask_secrets({"a": [wrapped, "b"], "c": {"d": wrapped}}) == {"a": [SECRET, "b"], "c": {"d": SECRET}}


def test_engine_config_flattens_structured_values():
    config, secret_keys = engine_config("dev")
    assert json.loads(config["polaris-data-exchange:platform"])["accountId"] == "111111111111"
    assert config["aws:region"] == "eu-west-1"
    assert secret_keys == []


def test_encrypted_values_are_placeholders(tmp_path):
    (tmp_path / "Pulumi.x.yaml").write_text("config:\n  p:token:\n    secure: v1:abc\n")
    config, secret_keys = engine_config("x", tmp_path)
    assert config == {"p:token": SECRET} and secret_keys == ["p:token"]


def test_exit_code_2_and_message_on_configuration_errors(tmp_path, capsys):
    bad = (PROJECT_DIR / "Pulumi.dev.yaml").read_text().replace("replicas: 1", "replicas: 3")
    (tmp_path / "Pulumi.broken.yaml").write_text(bad)
    assert main(["--stack", "broken", "--config-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "problem(s) in the configuration of stack 'broken'" in err
    assert "polaris.replicas: 3" in err


def test_exit_code_2_for_unknown_stack(capsys):
    assert main(["--stack", "no-such-stack"]) == 2
    assert "stacks: dev, local, prod" in capsys.readouterr().err


def test_cli_runs_the_dev_stack_as_json():
    result = subprocess.run(
        [sys.executable, "-m", "tools.plan", "--stack", "dev", "--json"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["stack"] == "dev" and isinstance(document["resources"], list)


def test_readme_configuration_reference_is_current():
    from tools.config_reference import README, readme_copy, render

    assert readme_copy(README.read_text()) == render(), "run: python -m tools.config_reference --write"

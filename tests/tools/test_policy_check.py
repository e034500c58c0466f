"""The offline policy check over the shipped stacks, and over weakened ones."""

from __future__ import annotations

import pytest
import yaml

from configuration.loader import PROJECT_DIR
from tools.plan import main, plan_stack
from tools.policy_analysis import evaluate_plan


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_shipped_stacks_pass_with_no_mandatory_violation(stack):
    plan = plan_stack(stack)
    report = evaluate_plan(plan, outputs=plan.unmasked_outputs)
    assert not report.has_mandatory, report.render()


def test_client_scope_rule_runs_on_the_unmasked_outputs():
    plan = plan_stack("dev")
    report = evaluate_plan(plan, outputs=plan.unmasked_outputs)
    assert not any("client" in s.policy for s in report.skipped)


def weakened(tmp_path, edit) -> str:
    document = yaml.safe_load((PROJECT_DIR / "Pulumi.prod.yaml").read_text())
    edit(document["config"])
    (tmp_path / "Pulumi.prod.yaml").write_text(yaml.safe_dump(document))
    return str(tmp_path)


def test_an_insecure_feature_flag_is_a_mandatory_violation(tmp_path, capsys):
    config_dir = weakened(
        tmp_path, lambda c: c["polaris-data-exchange:polaris"].update(features={"ALLOW_INSECURE_STORAGE_TYPES": True})
    )
    assert main(["--stack", "prod", "--config-dir", config_dir, "--policy"]) == 1
    assert "ALLOW_INSECURE_STORAGE_TYPES" in capsys.readouterr().err


def test_open_internet_in_production_is_stopped_before_any_policy(tmp_path, capsys):
    config_dir = weakened(tmp_path, lambda c: c["polaris-data-exchange:platform"].update(apiAllowedCidrs=["0.0.0.0/0"]))
    assert main(["--stack", "prod", "--config-dir", config_dir, "--policy"]) == 2
    assert "platform.apiAllowedCidrs[0]" in capsys.readouterr().err

"""The policy pack through the real CLI (`--policy-pack policies`), in its own virtualenv as CI runs it.

The shipped local stack passes with `policies/local.json`. A weakened configuration — an organisation given a
catalog the policy configuration does not allow it — is refused with the mandatory policy's message, and
`pulumi up` (with its preview, as the pipeline runs it) creates nothing. Found with the real engine: stack
policies run after the resources, so `up --skip-preview` would create them first and fail afterwards.
"""

from __future__ import annotations

import json

import pytest

from tests.real.cli import ROOT, LocalStack
from tests.real.local_stack import STACK, configure

pytestmark = pytest.mark.real

ALLOWED = {"acme_analytics": ["acme_sales"], "contoso": ["acme_sales"], "globex_lab": ["globex_research"]}
"""What the data owners agreed to; the shipped local stack also gives contoso the genomics namespace."""


@pytest.fixture
def stack(tmp_path, pulumi_bin, polaris) -> LocalStack:
    if not (ROOT / "policies" / "venv" / "bin" / "python").exists():
        pytest.skip("real suite: the policy pack's virtualenv is missing (make test-real creates policies/venv)")
    created = LocalStack.create(tmp_path, pulumi_bin, STACK)
    configure(created, polaris)
    return created


def policy_config(tmp_path, level: str) -> str:
    config = json.loads((ROOT / "policies" / "local.json").read_text())
    config["organisation-access-declared"] = {"enforcementLevel": level, "organisationAccess": ALLOWED}
    path = tmp_path / "policy-config.json"
    path.write_text(json.dumps(config))
    return str(path)


def test_the_shipped_local_stack_passes_the_pack(stack, polaris):
    result = stack.preview("--policy-pack", "policies", "--policy-pack-config", str(ROOT / "policies" / "local.json"))
    assert "polaris-data-exchange-guardrails" in result.text and "mandatory" not in result.text


def test_a_weakened_configuration_is_refused_and_nothing_is_created(stack, polaris, tmp_path):
    result = stack.run(
        "up",
        "--yes",
        "--stack",
        STACK,
        "--policy-pack",
        "policies",
        "--policy-pack-config",
        policy_config(tmp_path, "mandatory"),
        check=False,
    )
    assert result.returncode != 0
    assert "organisation-access-declared" in result.text
    assert "principal contoso reaches catalog globex_research" in result.text
    assert polaris.store.catalogs == {} and set(polaris.store.principals) == {"root"}


def test_the_pack_runs_and_only_advises_when_advisory(stack, polaris, tmp_path):
    result = stack.preview("--policy-pack", "policies", "--policy-pack-config", policy_config(tmp_path, "advisory"))
    assert "principal contoso reaches catalog globex_research" in result.text
    assert polaris.store.catalogs == {}

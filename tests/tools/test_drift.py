"""A scheduled drift check on a healthy stack: a second offline plan, a day after `up`, plans no change.

The first plan is what `up` wrote to the state. A day later the clouds have moved on their own, as AWS and
Kubernetes do: the cluster deleted finished Jobs past their `ttlSecondsAfterFinished`, RDS applied a minor
engine upgrade (automatic minor upgrades), EKS published newer add-on versions (its "default" and "most recent"
lookups answer differently). The second plan runs the program again under mocks that answer that way; every
resource must then match the refreshed state, or `pulumi preview --expect-no-changes` fails every night.
"""

from __future__ import annotations

import json

import pytest

from tools.mocks import RealisticMocks
from tools.plan import Plan, PlannedResource, plan_stack

DAY_SECONDS = 86400
JOB = "kubernetes:batch/v1:Job"
RDS = "aws:rds/instance:Instance"
ADDON_LOOKUP = "aws:eks/getAddonVersion:getAddonVersion"
EKS_CLUSTER = "eks:index:Cluster"
PULUMI_EKS_ADDONS = ("kubeProxyAddonOptions",)
"""Add-ons pulumi-eks creates inside its component, at the most recent version unless one is given."""


class EksMocks(RealisticMocks):
    """EKS' add-on version lookups ("default" and "most recent") answer the build published by ``day``."""

    def __init__(self, day: int):
        super().__init__()
        self.day = day

    def call(self, args):
        if args.token == ADDON_LOOKUP:
            return {"version": f"v1.20.{self.day}-eksbuild.1", "addonName": args.args["addonName"]}
        return super().call(args)


def next_minor(version: str) -> str:
    """The engine version after RDS' next automatic minor upgrade ("16" runs some 16.x: it moves too)."""
    major, _, minor = version.partition(".")
    return f"{major}.{int(minor or 0) + 1}"


def a_day_later(resource: PlannedResource) -> dict | None:
    """The refreshed state of a resource a day after `up` (None: it is gone)."""
    inputs = json.loads(json.dumps(resource.unmasked_inputs))
    if resource.type == JOB and inputs["spec"].get("ttlSecondsAfterFinished", DAY_SECONDS + 1) <= DAY_SECONDS:
        return None  # the TTL controller deleted the finished Job
    if resource.type == RDS and inputs.get("autoMinorVersionUpgrade"):
        inputs["engineVersion"] = next_minor(inputs["engineVersion"])
    return inputs


def changes(planned: Plan, refreshed: dict[str, dict | None]) -> list[str]:
    """What a preview of ``planned`` against the refreshed state would show, with the providers' own rules."""
    found = []
    for resource in planned.resources:
        live = refreshed.get(resource.urn)
        if live is None:
            found.append(f"create {resource.name}")
            continue
        for key in sorted(set(resource.unmasked_inputs) | set(live)):
            want, have = resource.unmasked_inputs.get(key), live.get(key)
            # pulumi-aws (RDS): with automatic minor upgrades, a version prefix of the running one is no diff.
            if resource.type == RDS and key == "engineVersion" and str(have).startswith(f"{want}."):
                continue
            if want != have:
                found.append(f"update {resource.name}.{key}: {json.dumps(have)[:60]} -> {json.dumps(want)[:60]}")
        if resource.type == EKS_CLUSTER:
            found += [
                f"update {resource.name}: pulumi-eks moves {option} to the most recent version"
                for option in PULUMI_EKS_ADDONS
                if not (resource.unmasked_inputs.get(option) or {}).get("version")
            ]
    return found


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_a_healthy_stack_shows_no_change_a_day_after_up(stack):
    up = plan_stack(stack, mocks=EksMocks(day=0))
    refreshed = {r.urn: a_day_later(r) for r in up.resources}
    assert changes(plan_stack(stack, mocks=EksMocks(day=1)), refreshed) == []


def test_the_day_later_world_does_move_what_it_claims():
    """The model is not vacuous: a Job with a day's TTL is gone, a pinned minor moves, the lookups differ."""
    job = PlannedResource(
        "urn:job", JOB, "j", "", "", True, {}, unmasked_inputs={"spec": {"ttlSecondsAfterFinished": DAY_SECONDS}}
    )
    rds = PlannedResource(
        "urn:rds",
        RDS,
        "r",
        "",
        "",
        True,
        {},
        unmasked_inputs={"engineVersion": "16.6", "autoMinorVersionUpgrade": True},
    )
    assert a_day_later(job) is None and a_day_later(rds)["engineVersion"] == "16.7"
    plan = Plan("p", "s", [rds], {})
    assert changes(plan, {"urn:rds": a_day_later(rds)}) == ['update r.engineVersion: "16.7" -> "16.6"']
    rds.unmasked_inputs["engineVersion"] = "16"
    assert changes(plan, {"urn:rds": a_day_later(rds)}) == []

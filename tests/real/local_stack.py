"""The shipped `local` stack, pointed at a Polaris of this test run, and the offline plan as its oracle."""

from __future__ import annotations

import secrets
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from polaris_provider.api import PolarisApi
from polaris_provider.client import PolarisClient
from polaris_provider.connection import ConnectionSpec
from tests.real.cli import ROOT, LocalStack
from tools.plan import plan_stack

STACK = "local"
DYNAMIC = "pulumi-python:dynamic/polaris:"


def local_config() -> dict[str, Any]:
    """The shipped Pulumi.local.yaml's `config` mapping."""
    return yaml.safe_load((ROOT / f"Pulumi.{STACK}.yaml").read_text())["config"]


def configure(stack: LocalStack, polaris) -> dict[str, str]:
    """What `make local-up` sets: the Polaris URL and admin secret, one external id per given role."""
    stack.config_set("polaris.existing.url", polaris.url)
    stack.config_set("polaris.existing.clientId", polaris.root_client_id)
    stack.config_set("polaris.existing.clientSecret", polaris.root_client_secret, secret=True)
    external_ids = {}
    owners = local_config()["polaris-data-exchange:dataOwners"]
    for i, owner in enumerate(owners):
        external_ids[owner["name"]] = secrets.token_hex(16)
        stack.config_set(f"dataOwners[{i}].aws.vendingRole.externalId", external_ids[owner["name"]], secret=True)
    return external_ids


def admin_api(polaris) -> PolarisApi:
    """Polaris' own management API, as an operator making an out-of-band change would use it."""
    return PolarisApi(
        PolarisClient(
            ConnectionSpec.from_props(
                {
                    "endpoint": polaris.url,
                    "clientId": polaris.root_client_id,
                    "clientSecret": polaris.root_client_secret,
                    "realm": polaris.realm,
                    "scope": "PRINCIPAL_ROLE:ALL",
                }
            )
        )
    )


def planned_objects(stack: LocalStack) -> Counter:
    """(type, name) of every Polaris object the offline plan of the stack's current file declares."""
    plan = plan_stack(STACK, Path(stack.project))
    return Counter((r.type, r.name) for r in plan.resources if r.type.startswith(DYNAMIC))


def state_objects(stack: LocalStack) -> Counter:
    resources = stack.state()["deployment"].get("resources", [])
    return Counter((r["type"], r["urn"].rsplit("::", 1)[1]) for r in resources if r["type"].startswith(DYNAMIC))

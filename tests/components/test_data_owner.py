"""The DataOwner protocol: every storage kind, created or brought, satisfies it, and the stages wire owners
through it alone, so a made-up fourth kind needs only its own class and one entry in ``OWNER_KINDS``."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field, replace

import pulumi
import pytest
import yaml

from components import stages
from components.aws import AwsDataOwner
from components.azure import AzureDataOwner
from components.data_owner import DataOwner
from components.gcp import GcpDataOwner
from configuration.loader import PROJECT_DIR, SECRET, load_stack
from configuration.schema import CatalogConfig
from tools.plan import plan_stack, run_program

DYNAMIC = "pulumi-python:dynamic/polaris:"
GIVEN_ROLE = "arn:aws:iam::222222222222:role/acme-given-vending"
GIVEN_ACCOUNT = "polaris-vending@globex-dev-data.iam.gserviceaccount.com"
GIVEN_CLIENT_ID = "3f1a2b4c-0000-4000-8000-0000000000e5"


@pytest.fixture
def built(monkeypatch) -> dict[str, object]:
    """Every owner the registered kinds build, by name."""
    owners: dict[str, object] = {}

    def recording(kind: stages.OwnerKind) -> stages.OwnerKind:
        def build(config, platform):
            group = kind(config, platform)
            owners.update(group.owners)
            return group

        return build

    monkeypatch.setattr(stages, "OWNER_KINDS", tuple(recording(kind) for kind in stages.OWNER_KINDS))
    return owners


def catalog_storage(plan) -> dict[str, dict]:
    return {r.inputs["name"]: r.unmasked_inputs["storageConfigInfo"] for r in plan.of_type(DYNAMIC + "Catalog")}


def test_each_created_owner_kind_is_a_data_owner(built):
    plan = plan_stack("dev")
    assert {name: type(owner) for name, owner in built.items()} == {
        "acme": AwsDataOwner,
        "globex": GcpDataOwner,
        "initech": AzureDataOwner,
    }
    assert all(isinstance(owner, DataOwner) for owner in built.values())
    owners, storage = plan.outputs["dataOwners"], catalog_storage(plan)
    assert {name: summary["cloud"] for name, summary in owners.items()} == {
        "acme": "aws",
        "globex": "gcp",
        "initech": "azure",
    }
    assert {name: s["storageType"] for name, s in storage.items()} == {
        "acme_sales": "S3",
        "globex_research": "GCS",
        "initech_finance": "AZURE",
    }
    assert owners["globex"]["allowedLocations"] == ["gs://globex-dev-shared-data/research/"]


def test_brought_identities_go_through_the_same_protocol(built, tmp_path):
    dev = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())
    config = copy.deepcopy(dev["config"])
    acme, globex, _ = config["polaris-data-exchange:dataOwners"]
    acme["aws"]["vendingRole"] = {"roleArn": GIVEN_ROLE, "externalId": {"secure": "v1:ciphertext"}}
    globex["gcp"]["serviceAccount"] = GIVEN_ACCOUNT
    config["polaris-data-exchange:polaris"]["azureApplication"]["clientId"] = GIVEN_CLIENT_ID
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    plan = plan_stack("dev", tmp_path)
    assert all(isinstance(owner, DataOwner) for owner in built.values()) and len(built) == 3
    owners, storage = plan.outputs["dataOwners"], catalog_storage(plan)
    assert owners["acme"]["roleArn"] == storage["acme_sales"]["roleArn"] == GIVEN_ROLE
    assert owners["acme"]["externalId"] == storage["acme_sales"]["externalId"] == SECRET
    assert owners["globex"]["serviceAccount"] == storage["globex_research"]["gcsServiceAccount"] == GIVEN_ACCOUNT
    assert owners["initech"]["clientId"] == GIVEN_CLIENT_ID
    assert GIVEN_CLIENT_ID in storage["initech_finance"]["consentUrl"]


# -- a made-up fourth kind: an on-premises S3-compatible appliance, vended through a role of its own ---------

APPLIANCE_ROLE = "arn:aws:iam::444444444444:role/umbrella-appliance-vending"
APPLIANCE_LOCATION = "s3://umbrella-exchange/trials/"


@dataclass
class ApplianceOwner:
    """Not a subclass of anything the stages know: only the protocol's members."""

    allowed_locations: list[str] = field(default_factory=lambda: [APPLIANCE_LOCATION])
    assumed_roles: list[str] = field(default_factory=lambda: [APPLIANCE_ROLE])
    logged: list[tuple[str, int]] = field(default_factory=list)

    def storage_config(self) -> dict:
        return {"storageType": "S3", "roleArn": APPLIANCE_ROLE, "endpoint": "https://s3.umbrella.example"}

    def summary(self) -> dict:
        return {"cloud": "appliance", "roleArn": APPLIANCE_ROLE, "allowedLocations": self.allowed_locations}

    def access_log(self, name: str, retention_days: int) -> pulumi.ComponentResource:
        self.logged.append((name, retention_days))
        return pulumi.ComponentResource("test:appliance:AccessLog", name)


def test_a_fourth_kind_is_wired_by_its_registration_alone(monkeypatch):
    appliance = ApplianceOwner()
    assert isinstance(appliance, DataOwner)
    monkeypatch.setattr(
        stages,
        "OWNER_KINDS",
        (*stages.OWNER_KINDS, lambda config, platform: stages.OwnerGroup({"umbrella": appliance})),
    )
    prod = load_stack("prod")
    config = replace(
        prod,
        catalogs=(
            *prod.catalogs,
            CatalogConfig(name="umbrella_trials", data_owner="umbrella", locations=(APPLIANCE_LOCATION,)),
        ),
    )

    def program() -> None:
        for name, value in stages.build_stages(config).outputs().items():
            pulumi.export(name, value)

    plan = run_program(program, stack="prod")
    assert catalog_storage(plan)["umbrella_trials"] == {
        **appliance.storage_config(),
        "allowedLocations": [APPLIANCE_LOCATION],
    }
    assert plan.outputs["dataOwners"]["umbrella"] == appliance.summary()
    grant = next(
        r for r in plan.of_type("aws:iam/rolePolicy:RolePolicy") if r.parent == plan.named("polaris-vending-access").urn
    )
    assert APPLIANCE_ROLE in {arn for s in json.loads(grant.inputs["policy"])["Statement"] for arn in s["Resource"]}
    assert appliance.logged == [("audit-umbrella", prod.audit.retention_days)]
    assert plan.named("audit-umbrella").type == "test:appliance:AccessLog"

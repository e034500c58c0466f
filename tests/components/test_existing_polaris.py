"""Bring your own Polaris and your own vending identities: what the program then declares, and refuses."""

from __future__ import annotations

import copy

import pytest
import yaml

from configuration.loader import PROJECT_DIR, SECRET, engine_config, load_stack, parse_flat
from configuration.parser import ConfigError
from tools.plan import plan_stack

DYNAMIC = "pulumi-python:dynamic/polaris:"


def local_file(tmp_path, change=None, secrets=True):
    """The shipped local stack, with its secrets filled in as `pulumi config set --secret --path` writes them."""
    document = yaml.safe_load((PROJECT_DIR / "Pulumi.local.yaml").read_text())
    config = document["config"]
    if secrets:
        config["polaris-data-exchange:polaris"]["existing"]["clientSecret"] = {"secure": "v1:ciphertext"}
        for owner in config["polaris-data-exchange:dataOwners"]:
            owner["aws"]["vendingRole"]["externalId"] = {"secure": "v1:ciphertext"}
    if change:
        change(config)
    (tmp_path / "Pulumi.local.yaml").write_text(yaml.safe_dump(document))
    return tmp_path


def problems(tmp_path) -> str:
    flat, secret_keys = engine_config("local", tmp_path)
    with pytest.raises(ConfigError) as error:
        parse_flat(flat, "local", secret_keys=frozenset(secret_keys))
    return str(error.value)


def test_local_stack_declares_only_polaris_objects_and_component_groupings(tmp_path):
    plan = plan_stack("local", local_file(tmp_path))
    kinds = {r.type for r in plan.resources}
    assert {t for t in kinds if not t.startswith(DYNAMIC)} == {
        "polaris-data-exchange:aws:DataOwner",
        "polaris-data-exchange:polaris:PolarisAccess",
    }
    assert plan.outputs["polarisUrl"] == "http://127.0.0.1:8181"
    assert "kubeconfig" not in plan.outputs and "polarisAdminClientSecret" not in plan.outputs


def test_catalog_storage_carries_the_given_role_and_the_local_endpoints(tmp_path):
    plan = plan_stack("local", local_file(tmp_path))
    catalog = next(r for r in plan.of_type(DYNAMIC + "Catalog") if r.inputs["name"] == "acme_sales")
    storage = catalog.unmasked_inputs["storageConfigInfo"]
    assert storage["roleArn"] == "arn:aws:iam::222222222222:role/acme-vending"
    assert storage["externalId"] == SECRET  # the placeholder of the encrypted value: never plain text
    assert (storage["endpoint"], storage["stsEndpoint"], storage["pathStyleAccess"]) == (
        "http://127.0.0.1:5000",
        "http://127.0.0.1:5000",
        True,
    )


def test_admin_secret_reaches_the_provider_only_as_a_secret(tmp_path):
    plan = plan_stack("local", local_file(tmp_path))
    principal = plan.of_type(DYNAMIC + "Principal")[0]
    assert principal.inputs["connection"] == SECRET
    assert principal.unmasked_inputs["connection"]["clientSecret"] == SECRET
    assert principal.unmasked_inputs["connection"]["endpoint"] == "http://127.0.0.1:8181"


def test_plain_text_secrets_are_refused_without_being_echoed(tmp_path):
    def plain(config):
        config["polaris-data-exchange:polaris"]["existing"]["clientSecret"] = "hunter2-admin"

    text = problems(local_file(tmp_path, plain))
    assert "polaris.existing.clientSecret: (value hidden)" in text and "hunter2" not in text
    assert "pulumi config set --secret --path" in text


def test_missing_secrets_are_each_named(tmp_path):
    text = problems(local_file(tmp_path, secrets=False))
    for path in (
        "polaris.existing.clientSecret",
        "dataOwners[0].aws.vendingRole.externalId",
        "dataOwners[1].aws.vendingRole.externalId",
    ):
        # each line's command names its own path (the second owner's is not `dataOwners[0]`)
        assert f"{path}: (missing) — expected a secret: set it with `pulumi config set --secret --path '{path}'" in text


def test_platform_is_required_unless_polaris_is_brought(tmp_path):
    def no_existing(config):
        del config["polaris-data-exchange:polaris"]["existing"]

    assert "platform: None — expected the platform account" in problems(local_file(tmp_path, no_existing))


@pytest.mark.parametrize(
    "change, path, expected",
    [
        (
            lambda c: c["polaris-data-exchange:polaris"]["existing"].update(url="ftp://polaris"),
            "polaris.existing.url",
            "an https:// URL",
        ),
        (
            lambda c: c["polaris-data-exchange:dataOwners"][0]["aws"]["vendingRole"].update(
                roleArn="arn:aws:iam::999999999999:role/x"
            ),
            "dataOwners[0].aws.vendingRole.roleArn",
            "a role in account 222222222222",
        ),
        (
            lambda c: c["polaris-data-exchange:dataOwners"][0]["aws"].pop("vendingRole"),
            "polaris.existing.serverRoleArn",
            "the existing Polaris' AWS role",
        ),
        (
            lambda c: c["polaris-data-exchange:dataOwners"][0]["storage"].update(create=True),
            "dataOwners[0].aws.deployRoleArn",
            "to create the bucket",
        ),
        (
            lambda c: c["polaris-data-exchange:dataOwners"][0]["aws"]["endpoints"].update(s3="127.0.0.1:5000"),
            "dataOwners[0].aws.endpoints.s3",
            "an https:// URL",
        ),
    ],
)
def test_bring_your_own_rules(tmp_path, change, path, expected):
    text = problems(local_file(tmp_path, change))
    line = next((ln for ln in text.splitlines() if f"- {path}:" in ln), "")
    assert expected in line, text


def test_given_gcp_service_account_and_azure_application_create_no_identity(tmp_path):
    dev = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())
    config = copy.deepcopy(dev["config"])
    config["polaris-data-exchange:dataOwners"][1]["gcp"]["serviceAccount"] = (
        "polaris-vending@globex-dev-data.iam.gserviceaccount.com"
    )
    config["polaris-data-exchange:polaris"]["azureApplication"]["clientId"] = "3f1a2b4c-0000-4000-8000-0000000000e5"
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    plan = plan_stack("dev", tmp_path)
    kinds = {r.type for r in plan.resources}
    assert "gcp:serviceaccount/account:Account" not in kinds
    assert "azuread:index/application:Application" not in kinds
    assert "azure-native:authorization:RoleAssignment" in kinds  # the owner's roles are still the program's
    globex = next(r for r in plan.of_type(DYNAMIC + "Catalog") if r.inputs["name"] == "globex_research")
    assert (
        globex.inputs["storageConfigInfo"]["gcsServiceAccount"]
        == "polaris-vending@globex-dev-data.iam.gserviceaccount.com"
    )


def test_a_brought_polaris_needs_no_image_digest(tmp_path):
    """No image is deployed: a version without recorded digests is not refused."""

    def later_release(config):
        config["polaris-data-exchange:polaris"]["version"] = "9.9.9"

    assert load_stack("local", local_file(tmp_path, later_release)).polaris.version == "9.9.9"

"""Configuration errors: every problem at once, each with its path, the bad value and the expectation."""

from __future__ import annotations

import copy
import dataclasses
import typing
from typing import Any

import pytest
import yaml

from configuration.loader import PROJECT_DIR, parse_config
from configuration.parser import ConfigError
from configuration.schema import PROJECT, AccessLevel, Cloud, CredentialMode, Exposure, Persistence, StackConfig


def shipped(stack: str) -> dict[str, Any]:
    document = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    prefix = f"{PROJECT}:"
    return {k[len(prefix) :]: v for k, v in document.items() if k.startswith(prefix)}


def problems_of(raw: dict[str, Any]) -> dict[str, str]:
    """path -> rendered problem line."""
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, "test")
    return {p.path: str(p) for p in caught.value.problems}


@pytest.fixture
def dev() -> dict[str, Any]:
    return copy.deepcopy(shipped("dev"))


# -- the shipped stacks ---------------------------------------------------------------------------------


def test_dev_stack_parses_into_typed_objects():
    cfg = parse_config(shipped("dev"), "dev")
    assert not cfg.production
    assert cfg.polaris.persistence is Persistence.IN_MEMORY and cfg.polaris.replicas == 1
    assert [o.cloud for o in cfg.data_owners] == [Cloud.AWS, Cloud.GCP, Cloud.AZURE]
    assert cfg.data_owner("acme").allowed_locations == (
        "s3://acme-dev-shared-data/sales/",
        "s3://acme-dev-shared-data/marketing/",
    )
    assert cfg.data_owner("initech").storage_root == "abfss://exchange@initechdevshared.dfs.core.windows.net"
    contoso = next(o for o in cfg.organisations if o.name == "contoso")
    assert contoso.access[1].level is AccessLevel.READ and contoso.access[1].namespaces == ("genomics",)


def test_prod_stack_is_production_grade():
    cfg = parse_config(shipped("prod"), "prod")
    assert cfg.production
    assert cfg.polaris.persistence is Persistence.POSTGRES and cfg.polaris.replicas >= 2
    assert cfg.polaris.exposure is Exposure.LOAD_BALANCER and cfg.polaris.hostname and cfg.polaris.hosted_zone
    assert cfg.platform.api_allowed_cidrs == ()  # deployers stand inside the VPC
    assert cfg.polaris.credential_mode is CredentialMode.KEYLESS
    assert len({o.aws.account_id for o in cfg.owners_on(Cloud.AWS)}) == 2


def test_parsed_objects_are_immutable():
    cfg = parse_config(shipped("dev"), "dev")
    with pytest.raises(AttributeError):
        cfg.polaris.replicas = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg.tags["x"] = "y"  # type: ignore[index]


def test_defaults_apply_when_keys_are_omitted(dev):
    # Only azureApplication is required (the dev stack has an Azure data owner); the rest defaults.
    dev["polaris"] = {"azureApplication": {"tenantId": "3f1a2b4c-0000-4000-8000-0000000000a1"}}
    cfg = parse_config(dev, "dev")
    assert (cfg.polaris.version, cfg.polaris.realm, cfg.polaris.credential_mode) == (
        "1.7.0",
        "POLARIS",
        CredentialMode.KEYLESS,
    )


# -- every problem at once ------------------------------------------------------------------------------


def test_all_problems_reported_in_one_message(dev):
    dev["platfrom"] = {}
    dev["catalogs"][0]["dataOwner"] = "nobody"
    dev["organisations"][0]["access"][0]["level"] = "admin"
    dev["platform"]["apiAllowedCidrs"] = ["10.0.0.1/8"]
    with pytest.raises(ConfigError) as caught:
        parse_config(dev, "dev")
    message = str(caught.value)
    assert message.startswith("4 problem(s) in the configuration of stack 'dev':")
    for path in (
        "platfrom",
        "catalogs[0].dataOwner",
        "organisations[0].access[0].level",
        "platform.apiAllowedCidrs[0]",
    ):
        assert f"  - {path}: " in message


def test_unknown_keys_are_typos_with_the_known_keys_listed(dev):
    dev["polaris"]["replica"] = 2
    dev["dataOwners"][0]["storage"]["prefixs"] = ["x"]
    found = problems_of(dev)
    assert "known keys:" in found["polaris.replica"] and "replicas" in found["polaris.replica"]
    assert "prefixes" in found["dataOwners[0].storage.prefixs"]


def test_missing_required_keys(dev):
    del dev["platform"]["accountId"]
    del dev["catalogs"][1]["locations"]
    found = problems_of(dev)
    assert "(missing)" in found["platform.accountId"]
    assert "(missing)" in found["catalogs[1].locations"]


@pytest.mark.parametrize(
    "path, value, expected",
    [
        (("platform", "accountId"), 111111111111, "a string"),
        (("polaris", "replicas"), "two", "a whole number"),
        (("production",), "yes", "true or false"),
        (("polaris", "persistence"), "mysql", "'in-memory', 'postgres'"),
        (("platform", "apiAllowedCidrs"), "10.0.0.0/8", "a list"),
        (("tags",), {"team": 7}, "a string"),
    ],
)
def test_wrong_types(dev, path, value, expected):
    node = dev
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    found = problems_of(dev)
    key = ".".join(path) if path != ("tags",) else "tags.team"
    assert expected in found[key]
    assert repr(value if path != ("tags",) else 7) in found[key]


@pytest.mark.parametrize("name", ["", "x" * 257, "system$catalog", "SYSTEM$x", "  System$y"])
def test_names_polaris_rejects(dev, name):
    dev["catalogs"][0]["name"] = name
    dev["organisations"][0]["name"] = name
    found = problems_of(dev)
    assert "not starting with 'system$'" in found["catalogs[0].name"]
    assert "not starting with 'system$'" in found["organisations[0].name"]


def test_duplicate_names(dev):
    dev["catalogs"].append(copy.deepcopy(dev["catalogs"][0]))
    dev["catalogs"][-1]["locations"] = ["s3://acme-dev-shared-data/marketing/"]
    dev["organisations"].append({"name": "contoso"})
    found = problems_of(dev)
    assert "also used by catalogs[0]" in found["catalogs[3].name"]
    assert "also used by organisations[1]" in found["organisations[4].name"]


def test_catalog_of_an_unknown_data_owner(dev):
    dev["catalogs"][0]["dataOwner"] = "umbrella"
    assert "configured data owner (acme, globex, initech)" in problems_of(dev)["catalogs[0].dataOwner"]


@pytest.mark.parametrize(
    "index, location, expected",
    [
        (0, "gs://acme-dev-shared-data/sales/", "an s3:// URL"),
        (1, "s3://globex-dev-shared-data/research/", "a gs:// URL"),
        (2, "abfss://exchange@initechdevshared.blob.core.windows.net/finance/", "abfss://<container>@<account>"),
        (2, "wasbs://exchange@initechdevshared.dfs.core.windows.net/finance/", "abfss://<container>@<account>"),
        (0, "s3://another-bucket/sales/", "inside the owner's storage s3://acme-dev-shared-data/"),
        (2, "abfss://other@initechdevshared.dfs.core.windows.net/finance/", "inside the owner's storage"),
        (0, "s3://acme-dev-shared-data/hr/", "under one of the owner's shared prefixes"),
        (0, "s3://acme-dev-shared-data/sales/../hr/", "without empty, '.' or '..' segments"),
        (0, "s3://acme-dev-shared-data/sales//q1/", "without empty, '.' or '..' segments"),
        (0, "s3://acme-dev-shared-data", "not the root of the bucket"),
        (0, "s3://acme-dev-shared-data/", "not the root of the bucket"),
    ],
)
def test_locations(dev, index, location, expected):
    dev["catalogs"][index]["locations"] = [location]
    assert expected in problems_of(dev)[f"catalogs[{index}].locations[0]"]


def test_overlapping_catalog_locations(dev):
    dev["catalogs"].append(
        {"name": "acme_sales_q1", "dataOwner": "acme", "locations": ["s3://acme-dev-shared-data/sales/q1/"]}
    )
    assert "does not overlap catalog 'acme_sales'" in problems_of(dev)["catalogs[3].locations[0]"]


def test_access_to_unknown_catalog_and_bad_namespaces(dev):
    dev["organisations"][1]["access"] = [
        {"catalog": "nope", "level": "read"},
        {"catalog": "acme_sales", "level": "read", "namespaces": ["a..b"]},
    ]
    found = problems_of(dev)
    assert "configured catalog" in found["organisations[1].access[0].catalog"]
    assert "none empty" in found["organisations[1].access[1].namespaces[0]"]


@pytest.mark.parametrize(
    "cidr, expected",
    [
        ("10.0.0.1/8", "host bits zero"),
        ("not-a-cidr", "a CIDR"),
        ("300.0.0.0/8", "a CIDR"),
    ],
)
def test_invalid_cidrs(dev, cidr, expected):
    dev["platform"]["apiAllowedCidrs"] = [cidr]
    assert expected in problems_of(dev)["platform.apiAllowedCidrs[0]"]


@pytest.mark.parametrize("key", ["apiAllowedCidrs", "polarisAllowedCidrs"])
@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "::/0"])
def test_open_internet_refused_in_production_only(key, cidr):
    prod = copy.deepcopy(shipped("prod"))
    prod["platform"][key] = [cidr]
    assert "whole internet" in problems_of(prod)[f"platform.{key}[0]"]
    dev = copy.deepcopy(shipped("dev"))
    dev["platform"][key] = [cidr]
    parse_config(dev, "dev")


def test_in_memory_with_more_than_one_replica(dev):
    dev["polaris"]["replicas"] = 2
    assert "use 'postgres'" in problems_of(dev)["polaris.replicas"]


@pytest.mark.parametrize(
    "owner, storage_key, bucket, expected",
    [
        (0, "bucket", "Upper_Case", "an S3 bucket name"),
        (0, "bucket", "ab", "an S3 bucket name"),
        (0, "bucket", "192.168.1.1", "an S3 bucket name"),
        (1, "bucket", "has.dots.in.gcs", "a GCS bucket name"),
        (1, "bucket", "google-data", "without 'goog'"),
        (2, "account", "Has-Dashes", "a storage account name"),
        (2, "container", "double--dash", "a container name"),
    ],
)
def test_invalid_bucket_and_container_names(dev, owner, storage_key, bucket, expected):
    dev["dataOwners"][owner]["storage"][storage_key] = bucket
    assert expected in problems_of(dev)[f"dataOwners[{owner}].storage.{storage_key}"]


def test_data_owner_needs_exactly_one_cloud(dev):
    dev["dataOwners"][0]["gcp"] = {"project": "acme-project"}
    del dev["dataOwners"][1]["gcp"]
    found = problems_of(dev)
    assert "exactly one of 'aws', 'gcp' or 'azure'" in found["dataOwners[0]"]
    assert "exactly one of" in found["dataOwners[1]"]


def test_deploy_role_must_be_in_the_owner_account(dev):
    dev["dataOwners"][0]["aws"]["deployRoleArn"] = "arn:aws:iam::999999999999:role/polaris-deployer"
    assert "a role in account 222222222222" in problems_of(dev)["dataOwners[0].aws.deployRoleArn"]


def test_load_balancer_needs_tls_and_allowed_cidrs(dev):
    dev["polaris"]["exposure"] = "load-balancer"
    found = problems_of(dev)
    assert "must terminate TLS" in found["polaris.tlsCertificateArn"]
    assert "at least one CIDR" in found["platform.polarisAllowedCidrs"]


def test_remote_debug_refused_in_production():
    prod = copy.deepcopy(shipped("prod"))
    prod["polaris"]["remoteDebug"] = True
    assert "false in a production stack" in problems_of(prod)["polaris.remoteDebug"]


def test_latest_image_refused(dev):
    dev["polaris"]["version"] = "latest"
    assert "never 'latest'" in problems_of(dev)["polaris.version"]


def test_a_release_without_recorded_image_digests_is_refused_with_how_to_record_them(dev):
    dev["polaris"]["version"] = "1.8.0"
    assert problems_of(dev)["polaris.version"] == (
        "polaris.version: '1.8.0' — expected a release whose image digests are recorded in "
        "components/data/images.json; apache/polaris:1.8.0, apache/polaris-admin-tool:1.8.0 have none: run "
        "`python -m tools.pin_images --add apache/polaris:1.8.0 --add apache/polaris-admin-tool:1.8.0`, review "
        "and commit the table"
    )


def recorded_for(monkeypatch, version: str, images_recorded: tuple[str, ...]) -> None:
    """The digest table with unverified entries for ``version`` of ``images_recorded``."""
    from components import images

    table = copy.deepcopy(images.table())
    for image in images_recorded:
        table[image][version] = {
            "digest": "sha256:" + "0" * 64,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "source": "test",
            "verified": False,
        }
    monkeypatch.setattr(images, "table", lambda: table)


def test_one_missing_digest_is_named_alone(dev, monkeypatch):
    recorded_for(monkeypatch, "1.8.0", ("apache/polaris",))
    dev["polaris"]["version"] = "1.8.0"
    assert (
        "; apache/polaris-admin-tool:1.8.0 has none: run `python -m tools.pin_images --add "
        in (problems_of(dev)["polaris.version"])
    )


def test_a_recorded_digest_is_accepted_even_when_not_verified_from_the_registry(dev, monkeypatch):
    recorded_for(monkeypatch, "1.8.0", ("apache/polaris", "apache/polaris-admin-tool"))
    dev["polaris"]["version"] = "1.8.0"
    assert parse_config(dev, "test").polaris.version == "1.8.0"


def test_azure_owner_needs_the_polaris_application(dev):
    del dev["polaris"]["azureApplication"]
    assert "a data owner is on Azure" in problems_of(dev)["polaris.azureApplication"]


def test_prefixes_are_required_and_clean(dev):
    dev["dataOwners"][0]["storage"]["prefixes"] = []
    dev["dataOwners"][1]["storage"]["prefixes"] = ["research", "research/"]
    found = problems_of(dev)
    assert "at least one prefix" in found["dataOwners[0].storage.prefixes"]
    assert "listed once" in found["dataOwners[1].storage.prefixes[1]"]


def test_cluster_viewers_must_be_role_arns(dev):
    dev["platform"]["clusterViewers"] = ["arn:aws:iam::111111111111:user/alice"]
    assert "an IAM role ARN" in problems_of(dev)["platform.clusterViewers[0]"]


# -- Polaris' DNS name -------------------------------------------------------------------------------------


def prod_config() -> dict[str, Any]:
    return copy.deepcopy(shipped("prod"))


def test_a_hostname_needs_its_zone_even_with_an_existing_certificate():
    for certificate in (None, "arn:aws:acm:eu-west-1:111111111111:certificate/8f2c1d7e-1111-4222-8333-944445555666"):
        prod = prod_config()
        del prod["polaris"]["hostedZone"]
        if certificate:
            prod["polaris"]["tlsCertificateArn"] = certificate
        assert "the public Route 53 zone of polaris.hostname" in problems_of(prod)["polaris.hostedZone"]


def test_a_zone_without_a_hostname_is_refused(dev):
    dev["polaris"]["hostedZone"] = "exchange.example.com"
    assert "no zone without polaris.hostname" in problems_of(dev)["polaris.hostedZone"]


def test_production_load_balancer_requires_a_hostname():
    prod = prod_config()
    del prod["polaris"]["hostname"], prod["polaris"]["hostedZone"]
    prod["polaris"]["tlsCertificateArn"] = "arn:aws:acm:eu-west-1:111111111111:certificate/8f2c1d7e-1111"
    assert "clients verify the certificate against it" in problems_of(prod)["polaris.hostname"]


def test_a_load_balancer_outside_production_may_use_a_certificate_without_a_hostname(dev):
    dev["polaris"] |= {
        "exposure": "load-balancer",
        "tlsCertificateArn": "arn:aws:acm:eu-west-1:111111111111:certificate/8f2c1d7e-1111",
    }
    dev["platform"]["polarisAllowedCidrs"] = ["198.51.100.0/24"]
    assert parse_config(dev, "dev").polaris.hostname is None


@pytest.mark.parametrize(
    "hostname, zone, path, expected",
    [
        (
            "polaris.other.example.org",
            "exchange.example.com",
            "polaris.hostname",
            "inside the zone exchange.example.com",
        ),
        ("exchange.example.com", "exchange.example.com", "polaris.hostname", "inside the zone"),
        ("Polaris.Exchange.example.com", "exchange.example.com", "polaris.hostname", "a lowercase DNS name"),
        ("https://polaris.exchange.example.com", "exchange.example.com", "polaris.hostname", "a lowercase DNS name"),
        ("polaris.exchange.example.com", "exchange.example.com.", "polaris.hostedZone", "the zone's domain name"),
    ],
)
def test_hostname_and_zone_values(hostname, zone, path, expected):
    prod = prod_config()
    prod["polaris"] |= {"hostname": hostname, "hostedZone": zone}
    assert expected in problems_of(prod)[path]


def test_a_hostname_needs_a_load_balancer(dev):
    dev["polaris"] |= {"hostname": "polaris.dev.example.com", "hostedZone": "dev.example.com"}
    assert "exposure 'load-balancer'" in problems_of(dev)["polaris.hostname"]


def test_a_hostname_alone_gives_the_load_balancer_its_tls(dev):
    dev["polaris"] |= {
        "exposure": "load-balancer",
        "hostname": "polaris.dev.example.com",
        "hostedZone": "dev.example.com",
    }
    dev["platform"]["polarisAllowedCidrs"] = ["198.51.100.0/24"]
    cfg = parse_config(dev, "dev")
    assert cfg.polaris.tls_certificate_arn is None and cfg.polaris.hostname == "polaris.dev.example.com"


def test_existing_network_egress_addresses_are_cidrs(dev):
    dev["platform"]["network"] = {
        "existing": {
            "vpcId": "vpc-0abc",
            "privateSubnetIds": ["subnet-a", "subnet-b"],
            "egressCidrs": ["198.18.7.10/32", "198.18.7.10/24"],
        }
    }
    found = problems_of(dev)
    assert "host bits zero" in found["platform.network.existing.egressCidrs[1]"]
    assert "platform.network.existing.egressCidrs[0]" not in found


def test_versions_that_would_drift_or_fail_are_refused_together(dev):
    """A pinned engine minor reads as drift after RDS' first automatic upgrade; a kube-proxy of another
    Kubernetes minor is refused by EKS at `up`."""
    dev["platform"]["kubernetesVersion"] = "1.33"
    dev["platform"]["addonVersions"] = {"vpcCni": "latest", "kubeProxy": "v1.32.0-eksbuild.2"}
    dev.setdefault("polaris", {}).setdefault("database", {})["engineVersion"] = "16.6"
    problems = problems_of(dev)
    assert "'latest'" in problems["platform.addonVersions.vpcCni"]
    assert "Kubernetes 1.33" in problems["platform.addonVersions.kubeProxy"]
    assert "major version" in problems["polaris.database.engineVersion"]


# -- what each setting declares: enforced by the parser, printed by the reference ------------------------------


def declared_settings() -> list[tuple[str, dataclasses.Field]]:
    """(section, field) of every setting that declares a pattern, a range or choices."""
    found, todo = [], [("", StackConfig)]
    while todo:
        section, cls = todo.pop()
        hints = typing.get_type_hints(cls)
        for fld in dataclasses.fields(cls):
            inner = [a for a in typing.get_args(hints[fld.name]) if a is not type(None)] or [hints[fld.name]]
            inner = typing.get_args(inner[0]) if typing.get_origin(inner[0]) is tuple else inner
            if dataclasses.is_dataclass(inner[0]):
                todo.append((f"{section}.{fld.metadata['key']}".lstrip("."), inner[0]))
            elif fld.metadata["allowed"] is not None:
                found.append((section, fld))
    return found


def test_shipped_defaults_and_examples_meet_their_own_declarations():
    for section, fld in declared_settings():
        allowed = fld.metadata["allowed"]
        values = [fld.default] if fld.default is not dataclasses.MISSING else []
        example = fld.metadata["example"]
        values += example if isinstance(example, list) else [example]
        for value in (v for v in values if v is not None):
            for item in value if isinstance(value, tuple) else (value,):
                assert allowed.admits(item), (section, fld.metadata["key"], item)


@pytest.mark.parametrize(
    "path, value, expected",
    [
        (("polaris", "database", "backupRetentionDays"), 36, "1 to 35"),
        (("polaris", "database", "backupRetentionDays"), 0, "1 to 35"),
        (("polaris", "database", "allocatedStorageGb"), 10, "at least 20"),
        (("polaris", "azureSecretValidityDays"), 366, "1 to 365"),
        (("platform", "network", "availabilityZones"), 7, "2 to 6"),
        (("platform", "nodeGroup", "minSize"), 0, "at least 1"),
        (("audit", "retentionDays"), 31, "one of 30, 60, 90, 120, 150, 180, 365, 400, 545"),
        (("polaris", "realm"), "a realm", "1-64 letters, digits, '_' or '-'"),
        (("polaris", "namespace"), "Polaris", "a DNS-1123 label"),
        (("platform", "region"), "Europe", "an AWS region, e.g. eu-west-1"),
    ],
)
def test_a_value_outside_its_declaration_names_path_value_and_expectation(dev, path, value, expected):
    node = dev
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    assert problems_of(dev)[".".join(path)] == f"{'.'.join(path)}: {value!r} — expected {expected}"


def test_shared_patterns_are_the_rules_forms(dev):
    """What Python's `\\d` and a loose key id class let through, and the clouds refuse."""
    dev["platform"]["accountId"] = "\u0661" * 12  # ARABIC-INDIC DIGIT ONE: a digit to `\\d`, not to AWS
    owner = dev["dataOwners"][0]["aws"]
    owner["kmsKeyArn"] = f"arn:aws:kms:{owner['region']}:{owner['accountId']}:key/" + "-" * 36
    found = problems_of(dev)
    assert found["platform.accountId"].endswith("— expected a 12-digit AWS account id (quote it in YAML)")
    assert found["dataOwners[0].aws.kmsKeyArn"] == (
        f"dataOwners[0].aws.kmsKeyArn: {owner['kmsKeyArn']!r} — expected a KMS key ARN"
    )


def test_the_declaration_applies_to_each_item_of_a_list(dev):
    dev["organisations"][1]["access"] = [{"catalog": "acme_sales", "level": "read", "namespaces": ["ok", " . "]}]
    found = problems_of(dev)
    assert "organisations[1].access[0].namespaces[1]" in found
    assert "organisations[1].access[0].namespaces[0]" not in found


def test_a_cross_field_rule_does_not_echo_a_value_its_declaration_refused(dev):
    dev["platform"] |= {"kubernetesVersion": "latest", "accountId": "1111"}
    dev["platform"]["addonVersions"] = {"kubeProxy": "v1.32.0-eksbuild.2"}
    dev["dataOwners"][0]["aws"] |= {"region": "Ireland", "kmsKeyArn": "arn:aws:kms:eu-west-1:1:key/x"}
    found = problems_of(dev)
    assert "platform.addonVersions.kubeProxy" not in found  # its minor cannot be judged against 'latest'
    assert "a pinned major.minor version" in found["platform.kubernetesVersion"]
    assert found["dataOwners[0].aws.kmsKeyArn"].endswith("— expected a KMS key ARN")
    assert "platform.deployRoleArn" not in found  # not compared with an account id that is itself wrong


def test_the_reference_prints_each_declaration():
    from tools.config_reference import render

    text = render()
    assert "| `backupRetentionDays` | integer | `7` | 1 to 35 | Automated backup retention, in days. |" in text
    assert "| `accountId` | string | **required** | `[0-9]{12}` |" in text  # rules.aws, matched whole
    assert "| `region` | string | **required** | `[a-z]{2}(?:-gov\\|-iso[a-z]?)?-[a-z]+-[0-9]` |" in text
    assert "| `retentionDays` | integer | `365` | one of 30, 60, 90, 120, 150, 180, 365, 400, 545 |" in text


def test_feature_flag_names_are_refused_before_any_stage_runs(dev):
    """A name the server component could not write as a property key is a configuration error, not a failure
    halfway through `up`."""
    dev["polaris"]["features"] = {"SUPPORTED_CATALOG_STORAGE_TYPES": ["S3"], 'x"y': 1}
    found = problems_of(dev)
    assert found == {
        'polaris.features.x"y': "polaris.features.x\"y: 'x\"y' — expected an upper-case Polaris feature flag name "
        "(letters, digits, '_'), e.g. SUPPORTED_CATALOG_STORAGE_TYPES"
    }

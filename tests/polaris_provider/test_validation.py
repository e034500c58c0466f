"""Input rules in isolation: names, storage fields against the spec, locations, unknowns at preview."""

from __future__ import annotations

import pytest
from pulumi.output import Unknown
from pulumi.runtime.rpc import UNKNOWN

from polaris_provider import validation
from tests.fakes.polaris import store
from tests.polaris_provider.spec import properties_of, schemas

STORAGE_SCHEMAS = {"S3": "AwsStorageConfigInfo", "GCS": "GcpStorageConfigInfo", "AZURE": "AzureStorageConfigInfo"}


@pytest.mark.parametrize("storage_type", sorted(STORAGE_SCHEMAS))
def test_storage_fields_match_the_spec(storage_type):
    assert validation.STORAGE_FIELDS[storage_type] == properties_of(STORAGE_SCHEMAS[storage_type])


@pytest.mark.parametrize(
    "name, ok",
    [
        ("sales", True),
        ("x" * 256, True),
        ("", False),
        ("x" * 257, False),
        ("system$x", False),
        ("SyStEm$x", False),
        ("  system$x", False),
        ("my_system$", True),
        (42, False),
        ("\tsystem$x", False),
        ("\u00a0system$x", True),  # Java's \s is ASCII: a no-break space is no blank
        ("trailing\n", False),
        ("a\nb", False),
        ("a\rb", False),
        ("a\u0085b", False),
        ("a\u2028b", False),
        ("a\u2029b", False),
        ("tab\tinside", True),
        ("bell\x07", True),
        ("x" * 255 + "\U0001f600", False),
        ("x" * 254 + "\U0001f600", True),  # UTF-16 code units, as Java counts
    ],
)
def test_names(name, ok):
    assert (validation.name("name", name, "catalog") == []) is ok


@pytest.mark.parametrize(
    "location, storage_type, ok",
    [
        ("s3://b/p", "S3", True),
        ("s3a://b/p", "S3", True),
        ("gs://b/p", "S3", False),
        ("gs://b/p", "GCS", True),
        ("s3://b/p", "GCS", False),
        ("abfss://c@acct.dfs.core.windows.net/p", "AZURE", True),
        ("wasbs://c@acct.blob.core.windows.net/p", "AZURE", True),
        ("abfs://c@acct.dfs.core.windows.net", "AZURE", True),
        ("wasb://c@acct.blob.core.windows.net/p", "AZURE", True),
        ("abfss://acct.dfs.core.windows.net/p", "AZURE", False),
        ("abfss://c@acct.file.core.windows.net/p", "AZURE", False),
        ("https://acct.blob.core.windows.net/c", "AZURE", False),
    ],
)
def test_location_schemes(location, storage_type, ok):
    storage = {"storageType": storage_type, "allowedLocations": [location]}
    if storage_type == "AZURE":
        storage["tenantId"] = "t"
    failures = validation.storage(storage, {validation.BASE_LOCATION: location})
    assert (failures == []) is ok, failures


@pytest.mark.parametrize(
    "base, ok", [("s3://b/wh", True), ("s3://b", True), ("s3://bb/wh", False), ("s3://other/wh", False)]
)
def test_base_location_must_lie_inside_allowed(base, ok):
    failures = validation.storage(
        {"storageType": "S3", "allowedLocations": ["s3://b/"]}, {validation.BASE_LOCATION: base}
    )
    assert (failures == []) is ok, failures


@pytest.mark.parametrize("unknown", [UNKNOWN, Unknown()])
def test_unknowns_are_never_judged(unknown):
    assert validation.name("name", unknown, "catalog") == []
    assert validation.storage(unknown, {}) == []
    assert (
        validation.storage(
            {"storageType": "S3", "allowedLocations": [unknown], "roleArn": unknown},
            {validation.BASE_LOCATION: "s3://b/x"},
        )
        == []
    )
    assert validation.connection(unknown) == []
    assert validation.connection({"endpoint": unknown, "clientId": unknown, "clientSecret": unknown}) == []
    assert validation.grant({"type": "table", "namespace": unknown, "tableName": unknown, "privilege": unknown}) == []


def test_connection_problems_never_echo_the_secret():
    failures = validation.connection(
        {"endpoint": "ftp://x", "clientId": "", "clientSecret": "", "scope": "ALL", "caBundle": "not pem"}
    )
    reasons = [f.reason for f in failures]
    assert len(reasons) == 5 and all(f.property == "connection" for f in failures)
    secret_check = validation.connection(
        {"endpoint": "https://p", "clientId": "a", "clientSecret": "hunter22", "scope": "bad"}
    )
    assert "hunter22" not in repr([f.reason for f in secret_check])


def spec_defaults(schema_name: str) -> dict:
    """What Polaris' generated model fills in for each field of a storage subtype: the spec's `default:`, or an
    empty list for an array (openapi-generator 7.12's Java `new ArrayList<>()`)."""
    own = [part for part in schemas()[schema_name]["allOf"] if "properties" in part]
    fields = {name: field for part in own for name, field in part["properties"].items()}
    filled = {name: field["default"] for name, field in fields.items() if "default" in field}
    return {**filled, **{name: [] for name, field in fields.items() if field.get("type") == "array"}}


@pytest.mark.parametrize("storage_type", sorted(STORAGE_SCHEMAS))
def test_storage_defaults_are_the_ones_the_spec_makes_polaris_fill(storage_type):
    assert validation.STORAGE_DEFAULTS.get(storage_type, {}) == spec_defaults(STORAGE_SCHEMAS[storage_type])


def test_catalog_config_allowlist_is_the_one_the_test_server_models():
    """Both are Polaris 1.7.0's ReservedProperties allowlist (see tests/fakes/polaris/store.py for its source)."""
    assert validation.CATALOG_CONFIGS == store.CATALOG_CONFIGS and len(validation.CATALOG_CONFIGS) == 22


@pytest.mark.parametrize(
    "key, ok",
    [
        ("polaris.config.enable.credential.vending", True),
        ("polaris.config.drop-with-purge.enabled", True),
        ("polaris.config.no-such-setting", False),
        ("polaris.config.", False),
        ("polaris.x", False),
        ("owner", True),
    ],
)
def test_catalog_properties_under_the_reserved_prefix(key, ok):
    failures = validation.properties("properties", {key: "v"}, validation.CATALOG_CONFIGS)
    assert (failures == []) is ok
    if not ok:
        assert "polaris.config.enable.credential.vending" in failures[0].reason, "the accepted keys are listed"

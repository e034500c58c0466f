"""Client configuration: Spark and PyIceberg entries with the same meaning, least-privilege scope."""

from __future__ import annotations

import pytest

from components.client_config import (
    CLOUD_BUNDLES,
    SPARK_RUNTIME,
    CatalogEndpoint,
    pyiceberg_catalogs,
    spark_properties,
)
from configuration.schema import Cloud

CATALOGS = [CatalogEndpoint("sales", Cloud.AWS), CatalogEndpoint("research", Cloud.GCP)]


@pytest.fixture
def spark():
    return spark_properties("https://polaris.example.com/", "cid", "csecret", "PRINCIPAL_ROLE:contoso", CATALOGS)


def test_spark_catalog_per_accessible_catalog(spark):
    for name in ("sales", "research"):
        key = f"spark.sql.catalog.{name}"
        assert spark[key] == "org.apache.iceberg.spark.SparkCatalog"
        assert spark[f"{key}.type"] == "rest"
        assert spark[f"{key}.uri"] == "https://polaris.example.com/api/catalog"
        assert spark[f"{key}.warehouse"] == name
        assert spark[f"{key}.credential"] == "cid:csecret"
        assert spark[f"{key}.scope"] == "PRINCIPAL_ROLE:contoso"
        assert spark[f"{key}.header.X-Iceberg-Access-Delegation"] == "vended-credentials"
        assert spark[f"{key}.token-refresh-enabled"] == "true"
        assert spark[f"{key}.oauth2-server-uri"] == "https://polaris.example.com/api/catalog/v1/oauth/tokens"


def test_spark_packages_fit_the_storage(spark):
    packages = spark["spark.jars.packages"].split(",")
    assert packages[0] == SPARK_RUNTIME
    assert set(packages[1:]) == {CLOUD_BUNDLES[Cloud.AWS], CLOUD_BUNDLES[Cloud.GCP]}
    only_azure = spark_properties("http://p", "a", "b", "PRINCIPAL_ROLE:x", [CatalogEndpoint("f", Cloud.AZURE)])
    assert only_azure["spark.jars.packages"].split(",")[1:] == [CLOUD_BUNDLES[Cloud.AZURE]]


def test_pyiceberg_has_the_same_meaning_as_spark(spark):
    entries = pyiceberg_catalogs("https://polaris.example.com", "cid", "csecret", "PRINCIPAL_ROLE:contoso", CATALOGS)
    assert set(entries) == {"sales", "research"}
    for name, entry in entries.items():
        key = f"spark.sql.catalog.{name}"
        assert entry["uri"] == spark[f"{key}.uri"]
        assert entry["warehouse"] == spark[f"{key}.warehouse"]
        assert entry["credential"] == spark[f"{key}.credential"]
        assert entry["scope"] == spark[f"{key}.scope"]
        assert entry["header.X-Iceberg-Access-Delegation"] == "vended-credentials"
        assert entry["type"] == "rest"


def test_pyiceberg_accepts_the_entry():
    """PyIceberg parses the entry into a REST catalog definition without contacting anything."""
    from pyiceberg.catalog import infer_catalog_type

    entry = pyiceberg_catalogs("http://127.0.0.1:1", "a", "b", "PRINCIPAL_ROLE:x", CATALOGS[:1])["sales"]
    assert infer_catalog_type("sales", entry).value == "rest"

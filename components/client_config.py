"""Client configuration per organisation: what its Spark jobs and PyIceberg scripts need, and nothing else.

Clients authenticate as their organisation's principal with the scope of its own principal role (never
``PRINCIPAL_ROLE:ALL``) and ask for vended credentials, so no cloud key ever reaches them. The configuration
holds the principal's secret, so it is exported only as a secret output; `python -m tools.client_config`
writes it to files with owner-only permissions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from configuration.schema import Cloud, StackConfig

ICEBERG_VERSION = "1.10.0"
"""Iceberg release whose Spark runtime and cloud bundles clients load (supports Polaris' vended credentials,
including the ADLS expiry keys Polaris sends since 1.2)."""
SPARK_RUNTIME = f"org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:{ICEBERG_VERSION}"
CLOUD_BUNDLES = {
    Cloud.AWS: f"org.apache.iceberg:iceberg-aws-bundle:{ICEBERG_VERSION}",
    Cloud.GCP: f"org.apache.iceberg:iceberg-gcp-bundle:{ICEBERG_VERSION}",
    Cloud.AZURE: f"org.apache.iceberg:iceberg-azure-bundle:{ICEBERG_VERSION}",
}
ACCESS_DELEGATION = "vended-credentials"


@dataclass(frozen=True)
class CatalogEndpoint:
    """Where a client finds one catalog, and which cloud bundle it needs for its storage."""

    name: str
    cloud: Cloud


def catalog_uri(api_url: str) -> str:
    return api_url.rstrip("/") + "/api/catalog"


def spark_properties(
    api_url: str, client_id: str, client_secret: str, scope: str, catalogs: list[CatalogEndpoint]
) -> dict[str, str]:
    """`spark-defaults.conf` properties: one Iceberg REST catalog per accessible Polaris catalog."""
    properties = {"spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"}
    for catalog in catalogs:
        key = f"spark.sql.catalog.{catalog.name}"
        properties |= {
            key: "org.apache.iceberg.spark.SparkCatalog",
            f"{key}.type": "rest",
            f"{key}.uri": catalog_uri(api_url),
            f"{key}.oauth2-server-uri": catalog_uri(api_url) + "/v1/oauth/tokens",
            f"{key}.warehouse": catalog.name,
            f"{key}.credential": f"{client_id}:{client_secret}",
            f"{key}.scope": scope,
            f"{key}.header.X-Iceberg-Access-Delegation": ACCESS_DELEGATION,
            f"{key}.token-refresh-enabled": "true",
        }
    bundles = sorted({CLOUD_BUNDLES[c.cloud] for c in catalogs})
    properties["spark.jars.packages"] = ",".join([SPARK_RUNTIME, *bundles])
    return properties


def pyiceberg_catalogs(
    api_url: str, client_id: str, client_secret: str, scope: str, catalogs: list[CatalogEndpoint]
) -> dict[str, dict[str, str]]:
    """The `catalog:` section of `.pyiceberg.yaml`, with the same meaning as the Spark properties."""
    return {
        catalog.name: {
            "type": "rest",
            "uri": catalog_uri(api_url),
            "oauth2-server-uri": catalog_uri(api_url) + "/v1/oauth/tokens",
            "warehouse": catalog.name,
            "credential": f"{client_id}:{client_secret}",
            "scope": scope,
            "header.X-Iceberg-Access-Delegation": ACCESS_DELEGATION,
        }
        for catalog in catalogs
    }


def client_configuration(
    config: StackConfig,
    api_url: pulumi.Input[str],
    client_id: pulumi.Input[str],
    client_secret: pulumi.Input[str],
    scope: str,
    catalog_names: tuple[str, ...],
) -> pulumi.Output[dict[str, Any]]:
    """Both configurations for one organisation, as one secret output."""
    catalogs = [
        CatalogEndpoint(name, config.data_owner(config.catalog(name).data_owner).cloud) for name in catalog_names
    ]

    def build(values: list[str]) -> dict[str, Any]:
        url, cid, secret = values
        return {
            "scope": scope,
            "spark": spark_properties(url, cid, secret, scope, catalogs),
            "pyiceberg": {"catalog": pyiceberg_catalogs(url, cid, secret, scope, catalogs)},
        }

    return pulumi.Output.secret(pulumi.Output.all(api_url, client_id, client_secret).apply(build))

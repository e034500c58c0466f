"""Engine-side input builders shared by the provider tests (names unique per call: an external Polaris is shared)."""

from __future__ import annotations

import uuid

ROLE_ARN = "arn:aws:iam::123456789012:role/polaris-sales"


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def catalog_props(polaris, name: str, **storage) -> dict:
    base = f"s3://bucket-{name}/warehouse"
    return {
        "connection": polaris.connection(),
        "name": name,
        "type": "INTERNAL",
        "properties": {"default-base-location": base},
        "storageConfigInfo": {
            "storageType": "S3",
            "allowedLocations": [f"s3://bucket-{name}/"],
            "roleArn": ROLE_ARN,
            "externalId": "ext-1",
            **storage,
        },
        "adopt": False,
    }


CREATE_PATH = {  # resource kind -> regex of the raw path its create is sent to
    "Catalog": "/management/v1/catalogs$",
    "Namespace": "/namespaces$",
    "Principal": "/management/v1/principals$",
    "PrincipalRole": "/management/v1/principal-roles$",
    "CatalogRole": "/catalog-roles$",
    "PrincipalRoleAssignment": "/principals/[^/]+/principal-roles$",
    "CatalogRoleAssignment": "/principal-roles/[^/]+/catalog-roles/[^/]+$",
    "Grant": "/grants$",
}


def create_method(kind: str) -> str:
    """Links are created with an (idempotent) PUT, everything else with a POST."""
    return "PUT" if kind.endswith("Assignment") or kind == "Grant" else "POST"

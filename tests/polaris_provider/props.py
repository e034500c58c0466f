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
        "storageConfigInfo": {"storageType": "S3", "allowedLocations": [f"s3://bucket-{name}/"], "roleArn": ROLE_ARN,
                              "externalId": "ext-1", **storage},
        "adopt": False,
    }

"""The official Polaris 1.7.0 management spec, read from the shared folder (never copied into the repo)."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

SPEC_DIR = Path(__file__).resolve().parents[2] / ".." / "shared" / "polaris-spec" / "1.7.0"


@functools.cache
def schemas() -> dict:
    document = yaml.safe_load((SPEC_DIR / "polaris-management-service.yml").read_text())
    return document["components"]["schemas"]


def properties_of(schema_name: str) -> set[str]:
    """Every property of a schema, following allOf and $ref."""
    schema = schemas()[schema_name]
    found = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        if "$ref" in part:
            found |= properties_of(part["$ref"].rsplit("/", 1)[-1])
        found |= set(part.get("properties", {}))
    return found

"""The Polaris feature flags this fake honours, with Polaris 1.7.0's defaults (reference §6.2)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Features:
    """FILE storage is off by default, as in Polaris; tests that need it list it explicitly."""

    supported_storage_types: tuple[str, ...] = ("S3", "GCS", "AZURE")
    allow_overlapping_catalog_urls: bool = False
    allow_unrestricted_storage_config_role_changes: bool = False

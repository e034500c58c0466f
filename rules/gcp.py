"""Google Cloud: project ids, service-account e-mails, Cloud Storage bucket names and locations.

The location lists are snapshots: when Google opens a region after the date below, add it here (one line, with
the same source) and the stack that needs it validates again.
"""

from __future__ import annotations

import re

PROJECT_ID = re.compile(r"[a-z][a-z0-9-]{4,28}[a-z0-9]")
"""6-30 lowercase letters, digits or '-', starting with a letter, not ending with '-'. Source: "Creating and
managing projects", https://cloud.google.com/resource-manager/docs/creating-managing-projects"""
SERVICE_ACCOUNT_EMAIL = re.compile(
    r"[a-z][a-z0-9-]{4,28}[a-z0-9]@(?P<project>[a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com"
)
"""A user-managed service account: `<account id>@<project id>.iam.gserviceaccount.com`, the account id 6-30
characters like a project id. Source: "Create service accounts",
https://cloud.google.com/iam/docs/service-accounts-create"""
BUCKET = re.compile(r"[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]")
"""3-63 lowercase letters, digits, '_' or '-', starting and ending with a letter or digit. Google also takes dots
(names up to 222 characters), but a dotted name must be a verified domain: this program does not offer them.
Source: "Bucket naming guidelines", https://cloud.google.com/storage/docs/buckets#naming"""


def service_account_email(account_id: str, project: str) -> str:
    """The e-mail Google gives the service account ``account_id`` of ``project``."""
    return f"{account_id}@{project}.iam.gserviceaccount.com"


def bucket_name_reserved(name: str) -> bool:
    """Google refuses names starting with `goog` or containing `google` (same source as ``BUCKET``)."""
    return name.startswith("goog") or "google" in name


# Cloud Storage bucket locations (case-insensitive; the API reports them upper-case). Source: "Bucket
# locations", https://cloud.google.com/storage/docs/locations (2025): the multi-regions, the predefined
# dual-regions and the regions. Configurable dual-regions are not a `location` value (they need
# `customPlacementConfig`, which this program does not set).
MULTI_REGIONS = frozenset({"ASIA", "EU", "US"})
DUAL_REGIONS = frozenset({"ASIA1", "EUR4", "EUR5", "EUR7", "EUR8", "NAM4"})
REGIONS = frozenset(
    name.upper()
    for name in (
        "africa-south1",
        "asia-east1",
        "asia-east2",
        "asia-northeast1",
        "asia-northeast2",
        "asia-northeast3",
        "asia-south1",
        "asia-south2",
        "asia-southeast1",
        "asia-southeast2",
        "australia-southeast1",
        "australia-southeast2",
        "europe-central2",
        "europe-north1",
        "europe-north2",
        "europe-southwest1",
        "europe-west1",
        "europe-west2",
        "europe-west3",
        "europe-west4",
        "europe-west6",
        "europe-west8",
        "europe-west9",
        "europe-west10",
        "europe-west12",
        "me-central1",
        "me-central2",
        "me-west1",
        "northamerica-northeast1",
        "northamerica-northeast2",
        "northamerica-south1",
        "southamerica-east1",
        "southamerica-west1",
        "us-central1",
        "us-east1",
        "us-east4",
        "us-east5",
        "us-south1",
        "us-west1",
        "us-west2",
        "us-west3",
        "us-west4",
    )
)
LOCATIONS = MULTI_REGIONS | DUAL_REGIONS | REGIONS

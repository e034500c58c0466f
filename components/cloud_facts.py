"""What the clouds accept, pinned with their sources, so that the configuration (and the policy pack) refuse at
plan time what a cloud would refuse at `pulumi up`.

The lists are snapshots: when a cloud opens a region after the date below, add it here (one line, with the
same source) and the stack that needs it validates again.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

# Azure region names as `az account list-locations --query "[?metadata.regionType=='Physical'].name"` prints
# them (the ARM `GET /locations` API). Source: the Azure/terraform-azurerm-regions module's cached copy of that
# API response (locations.tf.json, refreshed 2024-08-01), plus regions opened since: newzealandnorth (2024-12)
# and the access-restricted pair region swedensouth. Logical names (`europe`, `global`, ...) and the
# sovereign clouds (China) are left out: a storage account cannot be created there with the public
# `*.dfs.core.windows.net` endpoints this program uses.
AZURE_LOCATIONS = frozenset(
    {
        "australiacentral",
        "australiacentral2",
        "australiaeast",
        "australiasoutheast",
        "brazilsouth",
        "brazilsoutheast",
        "brazilus",
        "canadacentral",
        "canadaeast",
        "centralindia",
        "centralus",
        "eastasia",
        "eastus",
        "eastus2",
        "francecentral",
        "francesouth",
        "germanynorth",
        "germanywestcentral",
        "israelcentral",
        "italynorth",
        "japaneast",
        "japanwest",
        "jioindiacentral",
        "jioindiawest",
        "koreacentral",
        "koreasouth",
        "mexicocentral",
        "newzealandnorth",
        "northcentralus",
        "northeurope",
        "norwayeast",
        "norwaywest",
        "polandcentral",
        "qatarcentral",
        "southafricanorth",
        "southafricawest",
        "southcentralus",
        "southeastasia",
        "southindia",
        "spaincentral",
        "swedencentral",
        "swedensouth",
        "switzerlandnorth",
        "switzerlandwest",
        "uaecentral",
        "uaenorth",
        "uksouth",
        "ukwest",
        "westcentralus",
        "westeurope",
        "westindia",
        "westus",
        "westus2",
        "westus3",
    }
)

# Cloud Storage bucket locations (case-insensitive; the API reports them upper-case). Source: "Bucket
# locations", https://cloud.google.com/storage/docs/locations (2025): the multi-regions, the predefined
# dual-regions and the regions. Configurable dual-regions are not a `location` value (they need
# `customPlacementConfig`, which this program does not set).
GCS_MULTI_REGIONS = frozenset({"ASIA", "EU", "US"})
GCS_DUAL_REGIONS = frozenset({"ASIA1", "EUR4", "EUR5", "EUR7", "EUR8", "NAM4"})
GCS_REGIONS = frozenset(
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
GCS_LOCATIONS = GCS_MULTI_REGIONS | GCS_DUAL_REGIONS | GCS_REGIONS

# Tags reach every cloud: AWS resources (provider default tags), Azure storage accounts, GCS bucket labels
# (converted by the GCP stage). Limits are the strictest that apply.
# AWS: key 1-128, value 0-256 characters; letters, digits, spaces and `_ . : / = + - @`; the `aws:` prefix is
# reserved; 50 tags per resource. Source: "Tag naming limits and requirements",
# https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html
# Azure: storage accounts take tag names of at most 128 characters and values of at most 256; names may not
# contain `< > % & \ ? /`; 50 tags per resource; names are case-insensitive. Source: "Use tags to organize
# your Azure resources", Limitations, https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
TAG_COUNT_MAX = 50
TAG_PUNCTUATION = "_.:/=+-@"
TAG_RESERVED_PREFIX = "aws:"
AZURE_TAG_NAME_FORBIDDEN = "<>%&\\?/"


def tag_text_ok(text: str) -> bool:
    """Only the characters AWS accepts in tag keys and values."""
    return all(ch.isalnum() or ch == " " or ch in TAG_PUNCTUATION for ch in text)


def covers_internet(cidrs: Iterable[str]) -> bool:
    """True when the CIDRs together admit every IPv4 or every IPv6 address (`0.0.0.0/1` + `128.0.0.0/1` as much
    as `0.0.0.0/0`). Entries that are not CIDRs are ignored: they are reported on their own."""
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(str(cidr), strict=False))
        except ValueError:
            continue
    v4 = ipaddress.collapse_addresses(n for n in networks if isinstance(n, ipaddress.IPv4Network))
    v6 = ipaddress.collapse_addresses(n for n in networks if isinstance(n, ipaddress.IPv6Network))
    return list(v4) == [ipaddress.IPv4Network("0.0.0.0/0")] or list(v6) == [ipaddress.IPv6Network("::/0")]

"""Azure: regions, identifiers, storage names and addresses, pinned with their sources.

The region list is a snapshot: when Azure opens a region after the date below, add it here (one line, with
the same source) and the stack that needs it validates again.
"""

from __future__ import annotations

import re

# Azure region names as `az account list-locations --query "[?metadata.regionType=='Physical'].name"` prints
# them (the ARM `GET /locations` API). Source: the Azure/terraform-azurerm-regions module's cached copy of that
# API response (locations.tf.json, refreshed 2024-08-01), plus regions opened since: newzealandnorth (2024-12)
# and the access-restricted pair region swedensouth. Logical names (`europe`, `global`, ...) and the
# sovereign clouds (China) are left out: a storage account cannot be created there with the public
# `*.dfs.core.windows.net` endpoints this program uses.
LOCATIONS = frozenset(
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

GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
"""Tenant, subscription and application (client) ids: GUIDs in their 8-4-4-4-12 form."""
STORAGE_ACCOUNT = re.compile(r"[a-z0-9]{3,24}")
"""Storage account names: 3-24 lowercase letters and digits. Source: "Storage account name",
https://learn.microsoft.com/azure/storage/common/storage-account-overview#storage-account-name"""
CONTAINER = re.compile(r"[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]")
"""Container names: 3-63 lowercase letters, digits and single dashes, starting and ending with a letter or digit.
Source: "Naming and referencing containers, blobs, and metadata",
https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata"""


def container_url(account: str, container: str) -> str:
    """A container's root as Polaris and Iceberg name it (ADLS Gen2, TLS): the form every Azure location of
    this program takes."""
    return f"abfss://{container}@{account}.dfs.core.windows.net"

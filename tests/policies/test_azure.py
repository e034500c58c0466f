from datetime import UTC, datetime, timedelta

import pytest

from policies import azure
from policies.common import AZURE_ROLE_ASSIGNMENT, AZURE_STORAGE_ACCOUNT, AZUREAD_APPLICATION_PASSWORD
from tests.policies.harness import run

HARDENED = {"enableHttpsTrafficOnly": True, "minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": False}


@pytest.mark.parametrize(
    "props, expected",
    [
        (HARDENED, []),
        (HARDENED | {"enableHttpsTrafficOnly": False}, ["enableHttpsTrafficOnly is false, not true"]),
        (HARDENED | {"minimumTlsVersion": "TLS1_0"}, ['minimumTlsVersion is "TLS1_0", below TLS1_2']),
        (HARDENED | {"allowBlobPublicAccess": True}, ["allowBlobPublicAccess is true, not false"]),
        (
            {},
            [
                "enableHttpsTrafficOnly is null, not true",
                "minimumTlsVersion is null, below TLS1_2",
                "allowBlobPublicAccess is null, not false",
            ],
        ),
    ],
)
def test_storage_account_hardened(props, expected):
    assert run(azure.storage_account_hardened, AZURE_STORAGE_ACCOUNT, props) == expected


ACCOUNT = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct"


@pytest.mark.parametrize(
    "scope, expected",
    [
        (ACCOUNT, []),
        (ACCOUNT + "/blobServices/default/containers/exchange", []),
        (
            "/subscriptions/s/resourceGroups/rg",
            ["scope '/subscriptions/s/resourceGroups/rg' is wider than a storage account"],
        ),
        ("/subscriptions/s", ["scope '/subscriptions/s' is wider than a storage account"]),
    ],
)
def test_role_assignment_scope(scope, expected):
    assert run(azure.role_assignment_scope, AZURE_ROLE_ASSIGNMENT, {"scope": scope}) == expected


def in_days(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(
    "props, config, expected",
    [
        ({"endDateRelative": "2160h"}, {}, []),
        ({"endDate": in_days(30)}, {}, []),
        ({"endDateRelative": "2184h"}, {}, ["endDateRelative 2184h is longer than 90 days"]),
        ({"endDateRelative": "2160h"}, {"maxDays": 30}, ["endDateRelative 2160h is longer than 30 days"]),
        ({"endDate": "2099-01-01T00:00:00Z"}, {}, ["endDate 2099-01-01T00:00:00Z is more than 90 days away"]),
        ({"endDate": "soon"}, {}, ["endDate 'soon' is not an RFC 3339 timestamp"]),
        ({"endDateRelative": "90d"}, {}, ["endDateRelative '90d' is not a duration such as 2160h"]),
        ({}, {}, ["neither endDate nor endDateRelative is set: azuread defaults to two years"]),
    ],
)
def test_application_password_expiry(props, config, expected):
    assert run(azure.application_password_expiry, AZUREAD_APPLICATION_PASSWORD, props, config) == expected


@pytest.mark.parametrize("text, hours", [("240h", 240), ("2400h30m", 2400.5), ("90m", 1.5), ("1.5h", 1.5)])
def test_parse_duration(text, hours):
    assert azure.parse_duration(text) == timedelta(hours=hours)

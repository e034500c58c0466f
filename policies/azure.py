"""Azure rules: storage accounts reachable only over TLS 1.2 without anonymous access, role assignments no
wider than a storage account, application passwords that expire."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from policies.common import (
    AZURE_ROLE_ASSIGNMENT,
    AZURE_STORAGE_ACCOUNT,
    AZUREAD_APPLICATION_PASSWORD,
    Messages,
    Setting,
    get,
    is_false,
    is_true,
    resource_policy,
    setting_check,
)

STORAGE_SCOPE = "/providers/Microsoft.Storage/storageAccounts/"
_MAX_PASSWORD_DAYS = 90
"""``maxDays`` unless the stack's policy config says otherwise."""
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?")


def parse_duration(text: str) -> timedelta | None:
    """A Go duration as azuread's endDateRelative takes it (`240h`, `2400h30m`); None when malformed."""
    match = _DURATION.fullmatch(text or "")
    if not text or not match:
        return None
    hours, minutes, seconds = (float(g or 0) for g in match.groups())
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def _parse_timestamp(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (AttributeError, ValueError):
        return None


def _password_problems_at(now: Callable[[], datetime]):
    def check(args: ResourceValidationArgs, config: Mapping[str, Any]) -> Messages:
        limit = timedelta(days=config["maxDays"])
        end_date, relative = get(args.props, "endDate"), get(args.props, "endDateRelative")
        if end_date:
            end = _parse_timestamp(end_date)
            if end is None:
                yield f"endDate {end_date!r} is not an RFC 3339 timestamp"
            elif (end if end.tzinfo else end.replace(tzinfo=UTC)) - now() > limit:
                yield f"endDate {end_date} is more than {config['maxDays']:g} days away"
        elif relative:
            lifetime = parse_duration(relative)
            if lifetime is None:
                yield f"endDateRelative {relative!r} is not a duration such as 2160h"
            elif lifetime > limit:
                yield f"endDateRelative {relative} is longer than {config['maxDays']:g} days"
        else:
            yield "neither endDate nor endDateRelative is set: azuread defaults to two years"

    return check


def _scope_problems(args: ResourceValidationArgs, _config: Mapping[str, Any]) -> Messages:
    scope = get(args.props, "scope", default="")
    if STORAGE_SCOPE.lower() not in scope.lower():
        yield f"scope {scope!r} is wider than a storage account"


storage_account_hardened = resource_policy(
    "azure-storage-account-hardened",
    types=[AZURE_STORAGE_ACCOUNT],
    description="Protects owners' Azure data in transit and from anonymous reads: HTTPS only, minimum TLS 1.2, "
    "no public blob access, each set explicitly. Fix: set enableHttpsTrafficOnly=true, "
    'minimumTlsVersion="TLS1_2" and allowBlobPublicAccess=false.',
    remediation='Set enableHttpsTrafficOnly=true, minimumTlsVersion="TLS1_2", allowBlobPublicAccess=false.',
    severity=Severity.HIGH,
    check=setting_check(
        Setting(("enableHttpsTrafficOnly",), is_true, "enableHttpsTrafficOnly is {value}, not true"),
        Setting(
            ("minimumTlsVersion",), lambda v: v in ("TLS1_2", "TLS1_3"), "minimumTlsVersion is {value}, below TLS1_2"
        ),
        Setting(("allowBlobPublicAccess",), is_false, "allowBlobPublicAccess is {value}, not false"),
    ),
)

role_assignment_scope = resource_policy(
    "azure-role-assignment-storage-scope",
    types=[AZURE_ROLE_ASSIGNMENT],
    description="Keeps the vending application's access to one storage account (or a container in it), never "
    "a resource group, subscription or management group. Fix: assign the role on the storage "
    "account or container scope.",
    remediation="Set scope to /subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.Storage/"
    "storageAccounts/<account>[/blobServices/default/containers/<container>].",
    severity=Severity.CRITICAL,
    check=_scope_problems,
)

application_password_expiry = resource_policy(
    "azure-application-password-expiry",
    types=[AZUREAD_APPLICATION_PASSWORD],
    description="Bounds the life of the static-secret fallback: an application password must expire within "
    f"the configured maximum ({_MAX_PASSWORD_DAYS} days by default). Fix: set endDateRelative (e.g. "
    f'"{_MAX_PASSWORD_DAYS * 24}h") or an endDate within the limit, and rotate.',
    remediation="Set endDateRelative to at most maxDays*24 hours and rotate through rotateWhenChanged.",
    severity=Severity.HIGH,
    check=_password_problems_at(lambda: datetime.now(UTC)),
    config={
        "maxDays": {"type": "integer", "default": _MAX_PASSWORD_DAYS, "description": "Longest allowed password life."}
    },
)

POLICIES = [storage_account_hardened, role_assignment_scope, application_password_expiry]

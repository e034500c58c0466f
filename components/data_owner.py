"""What the stages need of a data owner, whatever stores its data.

Each storage kind (S3, GCS, ADLS Gen2) is one component implementing ``DataOwner``, whether the program creates
the vending identity or the owner brings it: the stages wire every owner through these members alone, so a new
storage kind is its own module and one entry in ``components.stages.OWNER_KINDS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import pulumi


@runtime_checkable
class DataOwner(Protocol):
    """One data owner's vending identity, as Polaris, the platform, the audit trail and the exports see it."""

    @property
    def allowed_locations(self) -> Sequence[str]:
        """The locations Polaris may vend credentials for: the owner's shared prefixes, as storage URLs."""
        ...

    @property
    def assumed_roles(self) -> Sequence[pulumi.Input[str]]:
        """The IAM roles Polaris' server role assumes to vend for this owner (it is granted exactly these);
        empty when vending goes through another cloud's identity."""
        ...

    def storage_config(self) -> dict[str, Any]:
        """Polaris' ``StorageConfigInfo`` for the owner's catalogs, without ``allowedLocations`` (each catalog
        narrows it to its own). Values may be Outputs; secrets stay secret Outputs."""
        ...

    def summary(self) -> dict[str, Any]:
        """What the stack exports about the owner (``dataOwners.<name>``); secrets stay secret Outputs."""
        ...

    def access_log(self, name: str, retention_days: int) -> pulumi.ComponentResource:
        """The storage access log, declared as ``name`` in the owner's own account, project or subscription."""
        ...

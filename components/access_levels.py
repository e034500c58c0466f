"""What an access level means in Polaris privileges (``rules.polaris``, which the policy pack reads too).

Neither level ever includes a management privilege (``rules.polaris.MANAGEMENT_PRIVILEGES``): an organisation
must not be able to grant itself more, or to see beyond what it was given.
"""

from __future__ import annotations

from configuration.schema import AccessLevel
from rules.polaris import READ_PRIVILEGES, WRITE_PRIVILEGES

PRIVILEGES: dict[AccessLevel, tuple[str, ...]] = {
    AccessLevel.READ: READ_PRIVILEGES,
    AccessLevel.WRITE: WRITE_PRIVILEGES,
}

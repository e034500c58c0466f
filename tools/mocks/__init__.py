"""Realistic Pulumi mocks: every resource gets the identifiers the real cloud would give it.

Values that flow from one stage to the next (role ARNs with the configured account ids, service-account
emails, Azure resource ids, client ids) must look real, so later stages, policies and tests see what they
would see at `pulumi up`. Handlers are registered per type token (or token prefix) in the per-cloud modules;
everything is deterministic (derived from names), so two plans of the same config are identical.
"""

from __future__ import annotations

from tools.mocks import clouds  # noqa: F401  (registers the handlers)
from tools.mocks.registry import RealisticMocks

__all__ = ["RealisticMocks"]

"""Entry point the Pulumi CLI runs for `--policy-pack policies`: build the pack, nothing else."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the CLI starts us inside policies/

from pulumi_policy import EnforcementLevel, PolicyPack

from policies import ALL_POLICIES, PACK_NAME

PolicyPack(
    name=PACK_NAME,
    policies=ALL_POLICIES,
    enforcement_level=EnforcementLevel.ADVISORY,
    description="Guardrails for Polaris credential vending: scoped vending identities, private encrypted "
    "storage, a hardened Polaris on EKS, and least-privilege catalog access.",
)

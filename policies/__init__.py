"""The polaris-data-exchange guardrails: every policy of the pack, in one list.

`__main__.py` only wraps ``ALL_POLICIES`` in a PolicyPack (which starts a gRPC server and never returns);
`tools.policy_analysis` runs the same list in-process against the offline plan.
"""

from policies import audit, aws, azure, gcp, kubernetes, polaris, stack

PACK_NAME = "polaris-data-exchange-guardrails"
ALL_POLICIES = [
    *aws.POLICIES,
    *gcp.POLICIES,
    *azure.POLICIES,
    *kubernetes.POLICIES,
    *polaris.POLICIES,
    *stack.POLICIES,
    *audit.POLICIES,
]

"""The offline policy check: every policy of `policies/` over an offline plan, in-process.

`python -m tools.plan --stack NAME --policy` (and `make check STACK=NAME`) runs the program under mocks, then
evaluates the pack through pulumi_policy's own analyzer with `policies/<stack>.json`, the way
`pulumi preview --policy-pack policies --policy-pack-config policies/<stack>.json` would. Policies see secret
values in plaintext, as in a real preview; only violations are printed, never inputs. This is what pull
requests from forks run: it needs no cloud credentials.
"""

from __future__ import annotations

import sys

from tools.policy_analysis import evaluate_plan
from tools.recording import Plan


def check_plan(plan: Plan) -> int:
    """Print the report (to stderr, so `--json --policy` keeps stdout a JSON document); 1 on a mandatory
    violation."""
    report = evaluate_plan(plan, outputs=plan.unmasked_outputs)
    print(report.render(), file=sys.stderr)
    return 1 if report.has_mandatory else 0

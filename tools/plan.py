"""Offline plan: run the Pulumi program under mocks and print every resource it would declare.

    python -m tools.plan --stack dev            # resource tree, counts per type, stack outputs
    python -m tools.plan --stack prod --json    # one JSON document (stable format, see README)
    python -m tools.plan --stack prod --policy  # also evaluate the policy pack (policies/<stack>.json)

No Pulumi CLI, no credentials, no network: `Pulumi.<stack>.yaml` is loaded as the stack configuration and
every resource registration is answered by ``tools.mocks.RealisticMocks``. Secret values are replaced by
"[secret]" everywhere. Exit codes: 0 the program ran (and no mandatory policy was violated), 1 a mandatory
policy violation or a program failure, 2 a configuration error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import runpy
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pulumi
import yaml
from pulumi.runtime import settings
from pulumi.runtime.stack import Stack, run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from configuration.loader import PROJECT_DIR, engine_config
from configuration.parser import ConfigError
from tools.mocks import RealisticMocks
from tools.policy_check import check_plan
from tools.recording import Plan, PlannedResource, RecordingMonitor, mask_secrets, unmask_secrets

_PROJECT_FILE = PROJECT_DIR / "Pulumi.yaml"


def project_name() -> str:
    return yaml.safe_load(_PROJECT_FILE.read_text())["name"]


def run_program(
    program: Callable[[], None],
    *,
    stack: str,
    config: dict[str, str] | None = None,
    secret_keys: list[str] | None = None,
    project: str | None = None,
    mocks=None,
) -> Plan:
    """Run ``program`` under fresh mocks and return every registration it made."""
    mocks = mocks or RealisticMocks()
    monitor = RecordingMonitor(mocks)
    settings.ROOT.set(None)
    pulumi.runtime.set_all_config(config or {}, secret_keys or [])
    pulumi.runtime.set_mocks(mocks, project=project or project_name(), stack=stack, preview=False, monitor=monitor)
    _sync_await(run_pulumi_func(program))
    root = settings.get_root_resource()
    assert isinstance(root, Stack), "run_pulumi_func registers the stack resource"
    raw_outputs = monitor.serialize_outputs(root.outputs)
    return Plan(
        project or project_name(), stack, monitor.planned, mask_secrets(raw_outputs), unmask_secrets(raw_outputs)
    )


def _run_path(path: str) -> None:
    runpy.run_path(path, run_name="__main__")


def plan_stack(stack: str, config_dir: Path = PROJECT_DIR, mocks=None) -> Plan:
    """The offline plan of a stack: `__main__.py` with `<config_dir>/Pulumi.<stack>.yaml` (under ``mocks``,
    default ``RealisticMocks``).

    The program runs in ``config_dir``, as the engine runs it in the project directory, so that it checks
    the same stack file it was given."""
    config, secret_keys = engine_config(stack, config_dir)
    main = str(PROJECT_DIR / "__main__.py")
    with contextlib.chdir(config_dir):
        plan = run_program(
            lambda: _run_path(main),
            stack=stack,
            config=config,
            secret_keys=secret_keys,
            mocks=mocks,
        )
    plan.config_dir = config_dir
    return plan


# -- printing ------------------------------------------------------------------------------------------


def render_tree(plan: Plan) -> str:
    children: dict[str, list[PlannedResource]] = {}
    for r in plan.resources:
        children.setdefault(r.parent, []).append(r)
    lines = [f"{plan.project}/{plan.stack}: {len(plan.resources)} resources"]

    def walk(parent: str, depth: int) -> None:
        for r in children.get(parent, []):
            lines.append(f"{'  ' * depth}{r.type}  {r.name}")
            walk(r.urn, depth + 1)

    roots = {r.parent for r in plan.resources} - {r.urn for r in plan.resources}
    for root in sorted(roots):
        walk(root, 1)
    lines.append("")
    lines.append("Resources per type:")
    for type_, count in sorted(Counter(r.type for r in plan.resources).items()):
        lines.append(f"  {count:4d}  {type_}")
    lines.append("")
    lines.append("Outputs:")
    for key, value in sorted(plan.outputs.items()):
        lines.append(f"  {key}: {json.dumps(value, sort_keys=True)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.plan", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of the tree")
    parser.add_argument(
        "--config-dir",
        type=Path,
        default=PROJECT_DIR,
        help="directory holding Pulumi.<stack>.yaml (default: the project directory)",
    )
    parser.add_argument(
        "--policy",
        action="store_true",
        help="evaluate the policy pack with policies/<stack>.json; exit 1 on a mandatory violation",
    )
    args = parser.parse_args(argv)
    try:
        plan = plan_stack(args.stack, args.config_dir)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    print(json.dumps(plan.to_json(), indent=2, sort_keys=True) if args.json else render_tree(plan))
    if args.policy:
        return check_plan(plan)
    return 0


if __name__ == "__main__":
    sys.exit(main())

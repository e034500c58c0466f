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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SECRET = "[secret]"
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
_RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
_PROJECT_FILE = ROOT / "Pulumi.yaml"


@dataclass
class PlannedResource:
    urn: str
    type: str
    name: str
    parent: str
    provider: str
    custom: bool
    inputs: dict[str, Any]
    state: dict[str, Any] = field(repr=False, default_factory=dict)
    """What the mocks answered (outputs), secrets masked; not part of the JSON format."""
    unmasked_inputs: dict[str, Any] = field(repr=False, default_factory=dict)
    """The inputs with secrets in plaintext, as a policy pack sees them in a real preview; in memory only,
    never printed or serialized."""
    dependencies: list[str] = field(repr=False, default_factory=list)
    """URNs this resource depends on (explicit and through inputs); not part of the JSON format."""
    retain_on_delete: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "provider": self.provider,
            "custom": self.custom,
            "inputs": self.inputs,
        }


@dataclass
class Plan:
    project: str
    stack: str
    resources: list[PlannedResource]
    outputs: dict[str, Any]
    unmasked_outputs: dict[str, Any] = field(repr=False, default_factory=dict)
    config_dir: Path = ROOT
    """Where `Pulumi.<stack>.yaml` was read from (the policy check reads the same file)."""
    """Stack outputs with secrets in plaintext, for in-process policy evaluation only; never printed."""

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "resources": [r.to_json() for r in self.resources],
            "outputs": self.outputs,
        }

    def of_type(self, type_: str) -> list[PlannedResource]:
        return [r for r in self.resources if r.type == type_]

    def descendants(self, component_name: str) -> list[PlannedResource]:
        """Everything below a component, at any depth, in registration order."""
        urns = {self.named(component_name).urn}
        found = []
        for r in self.resources:  # parents register before their children
            if r.parent in urns:
                urns.add(r.urn)
                found.append(r)
        return found

    def named(self, name: str) -> PlannedResource:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r}")
        return matches[0]


def _resolve(value: Any, secret: Callable[[dict], Any]) -> Any:
    """Walk engine values: a secret wrapper becomes ``secret(wrapper)``; a resource reference its URN."""
    if isinstance(value, dict):
        if value.get(_SIG_KEY) == _SECRET_SIG:
            return secret(value)
        if value.get(_SIG_KEY) == _RESOURCE_SIG:
            return value.get("urn", "")
        return {k: _resolve(v, secret) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, secret) for v in value]
    return value


def mask_secrets(value: Any) -> Any:
    """Every secret replaced by the string "[secret]", at any depth."""
    return _resolve(value, lambda wrapper: SECRET)


def unmask_secrets(value: Any) -> Any:
    """Every secret as plaintext, for in-process consumers only (policies)."""
    return _resolve(value, lambda wrapper: unmask_secrets(wrapper.get("value")))


def project_name() -> str:
    return yaml.safe_load(_PROJECT_FILE.read_text())["name"]


def _read_stack(stack: str, root: Path) -> tuple[dict[str, Any], list]:
    """The `config:` mapping of `<root>/Pulumi.<stack>.yaml` and the file's problems (repeated keys); a file
    that cannot be read at all raises ``ConfigError`` (line and column) or ``FileNotFoundError``."""
    from components.config_loader import read_stack_file
    from components.config_parser import ConfigError

    path = root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise FileNotFoundError(
            f"no stack configuration {path.name} (stacks: "
            + ", ".join(sorted(p.name[7:-5] for p in root.glob("Pulumi.*.yaml")))
            + ")"
        )
    config, problems = read_stack_file(path)
    if config is None:
        raise ConfigError(problems, stack)
    return config, problems


def stack_config(stack: str, root: Path = ROOT) -> tuple[dict[str, str], list[str]]:
    """The flat engine form of `Pulumi.<stack>.yaml`: values as strings, structured ones as JSON."""
    config, secret_keys = {}, []
    for key, value in _read_stack(stack, root)[0].items():
        value, encrypted = _without_ciphertext(value)
        if encrypted:
            secret_keys.append(str(key))
        # `default=str`: a value JSON cannot hold (a `!!binary` blob) reaches the parser as text, to be judged
        # there like any other wrong value.
        config[str(key)] = value if isinstance(value, str) else json.dumps(value, default=str)
    return config, secret_keys


def _without_ciphertext(value: Any) -> tuple[Any, bool]:
    """Encrypted values (`secure:`, also nested ones set with `--path`) cannot be decrypted offline: the
    program sees a placeholder, and the key is secret, as the engine marks it."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return SECRET, True
    if isinstance(value, dict):
        items = {k: _without_ciphertext(v) for k, v in value.items()}
        return {k: v for k, (v, _) in items.items()}, any(e for _, e in items.values())
    if isinstance(value, list):
        elements = [_without_ciphertext(v) for v in value]
        return [v for v, _ in elements], any(e for _, e in elements)
    return value, False


def load_stack(stack: str, config_dir: Path = ROOT):
    """`<config_dir>/Pulumi.<stack>.yaml` parsed and validated exactly as the program does it."""
    from components.config_loader import parse_flat

    flat, secret_keys = stack_config(stack, config_dir)
    return parse_flat(flat, stack, _read_stack(stack, config_dir)[1], frozenset(secret_keys))


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
    import pulumi
    from pulumi.runtime import settings
    from pulumi.runtime.stack import Stack, run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    from tools.mocks import RealisticMocks
    from tools.recording import RecordingMonitor

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


def plan_stack(stack: str, config_dir: Path = ROOT, mocks=None) -> Plan:
    """The offline plan of a stack: `__main__.py` with `<config_dir>/Pulumi.<stack>.yaml` (under ``mocks``,
    default ``RealisticMocks``).

    The program runs in ``config_dir``, as the engine runs it in the project directory, so that it checks
    the same stack file it was given."""
    config, secret_keys = stack_config(stack, config_dir)
    main = str(ROOT / "__main__.py")
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
        default=ROOT,
        help="directory holding Pulumi.<stack>.yaml (default: the project directory)",
    )
    parser.add_argument(
        "--policy",
        action="store_true",
        help="evaluate the policy pack with policies/<stack>.json; exit 1 on a mandatory violation",
    )
    args = parser.parse_args(argv)

    from components.config_parser import ConfigError

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
        from tools.policy_check import check_plan

        return check_plan(plan)
    return 0


if __name__ == "__main__":
    sys.exit(main())

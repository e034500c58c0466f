"""Reading the stack configuration: the one place that touches ``pulumi.Config`` and ``Pulumi.<stack>.yaml``.

Two sources, one parse (``parse_flat``): under the engine (``load_config``, the program) the values come
from the CLI, which reads the stack file with a lenient YAML decoder: a key given twice keeps its last
value, silently. So the program also reads the stack file itself (the engine runs it in the project
directory) and refuses repeated keys before anything is built. Offline (``load_stack``: the plan, the
policy check, the CI helpers, the bootstrap project) the stack file is read here and turned into the same
flat form the CLI hands over (``engine_config``), so every reader parses exactly what the program parses.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
import yaml  # type: ignore[import-untyped, unused-ignore]  # no stubs in the environment (types-PyYAML)
from pulumi.runtime import config as runtime_config

from configuration.parser import ConfigError, Problem, join, parse_dataclass, unknown_key, within
from configuration.schema import PROJECT, SecretValue, StackConfig
from configuration.validation import validate

PROJECT_DIR = Path(__file__).resolve().parents[1]
"""The project directory: `Pulumi.yaml` and the shipped `Pulumi.<stack>.yaml` files."""
SECRET = "[secret]"
"""What a secret looks like offline: an encrypted stack value cannot be decrypted without the CLI."""


def parse_config(
    raw: Mapping[str, Any],
    stack: str = "",
    problems: list[Problem] | None = None,
    secret_keys: frozenset[str] = frozenset(),
) -> StackConfig:
    """Parse and validate raw top-level values (keys without the project namespace).

    ``secret_keys`` are the top-level keys that arrived encrypted: their strings become ``SecretValue``s.
    Raises ``ConfigError`` listing every problem at once, ``problems`` (found earlier) included.
    """
    raw = {key: _as_secret(value) if key in secret_keys else value for key, value in raw.items()}
    problems = list(problems or [])
    cfg = parse_dataclass(StackConfig, raw, "", problems)
    # Cross-field rules run on the fallbacks too; drop what merely echoes a value the parse replaced.
    replaced = [p.path for p in problems if p.replaced]
    problems += [p for p in validate(cfg) if not any(within(used, r) for used in (p.path, *p.uses) for r in replaced)]
    if problems:
        raise ConfigError(problems, stack)
    return cfg


def parse_flat(
    flat: Mapping[str, Any],
    stack: str,
    problems: list[Problem] | None = None,
    secret_keys: frozenset[str] = frozenset(),
) -> StackConfig:
    """Parse engine-shaped config (``namespace:key`` -> value), reporting project keys under a mistyped
    namespace, which the program would otherwise never see. ``secret_keys`` are engine keys."""
    values, found = project_values(flat)
    prefix = f"{PROJECT}:"
    secret = frozenset(k[len(prefix) :] for k in secret_keys if k.startswith(prefix))
    return parse_config(values, stack, [*(problems or []), *found], secret)


def _as_secret(value: Any) -> Any:
    if isinstance(value, str):
        return SecretValue(value)
    if isinstance(value, Mapping):
        return {k: _as_secret(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_secret(v) for v in value]
    return value


def load_config() -> StackConfig:
    """Read every ``polaris-data-exchange:*`` key of the current stack and parse it; refuse a stack file with
    repeated keys (the engine kept only the last of each)."""
    stack = pulumi.get_stack()
    path = stack_file(Path.cwd(), stack)
    _, problems = read_stack_file(path) if path.exists() else ({}, [])
    flat = _raw_engine_config()
    return parse_flat(flat, stack, problems, frozenset(k for k in flat if runtime_config.is_config_secret(k)))


def _raw_engine_config() -> dict[str, Any]:
    keys = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    return {k: runtime_config.get_config(k) for k in keys}


def engine_values(namespace: str) -> dict[str, Any]:
    """The running engine's keys of ``namespace`` (another project's, e.g. the bootstrap's own settings),
    without the namespace, structured values decoded as ``pulumi.Config.get_object`` decodes them."""
    prefix = f"{namespace}:"
    return {k[len(prefix) :]: _decode(v) for k, v in _raw_engine_config().items() if k.startswith(prefix)}


def project_values(flat: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """The project's keys (namespace stripped) from flat engine config, structured values decoded, and the
    problems of keys that look meant for the project but are not in its namespace."""
    prefix = f"{PROJECT}:"
    values, problems = {}, []
    for key, value in sorted(flat.items()):
        if key.startswith(prefix):
            values[key[len(prefix) :]] = _decode(value)
            continue
        namespace, _, name = key.rpartition(":")
        if not namespace:
            problems.append(
                unknown_key(key, name, _decode(value), f"a key of the form <namespace>:<key>, e.g. '{prefix}{name}'")
            )
        elif _near(namespace, PROJECT):
            problems.append(
                unknown_key(
                    key,
                    name,
                    _decode(value),
                    f"the project's namespace: did you mean '{prefix}{name}'? (keys under "
                    f"'{namespace}:' are not read by this program)",
                )
            )
    return values, problems


def _near(namespace: str, project: str) -> bool:
    return namespace != project and difflib.SequenceMatcher(None, namespace.casefold(), project).ratio() >= 0.8


def _decode(value: Any) -> Any:
    """Config values arrive as strings; structured ones are JSON (as `pulumi.Config.get_object` decodes)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


# -- the stack file -----------------------------------------------------------------------------------------


def stack_file(project_dir: Path, stack: str) -> Path:
    """Where the CLI reads the stack's configuration: `Pulumi.<stack>.yaml` in the project directory, or in
    the project's `stackConfigDir`."""
    project_file = project_dir / "Pulumi.yaml"
    directory = project_dir
    if project_file.exists():
        settings = yaml.safe_load(project_file.read_text()) or {}
        directory = project_dir / settings.get("stackConfigDir", ".")
    return directory / f"Pulumi.{stack}.yaml"


class _StackFileLoader(yaml.SafeLoader):  # type: ignore[misc, unused-ignore]  # Any without types-PyYAML
    """YAML as the CLI's Go decoder reads a stack file: an unquoted date stays the string it looks like."""


_StackFileLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def read_stack_file(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The `config:` mapping of a stack file (None when the file cannot be read at all) and its problems:
    YAML syntax errors with line and column, and every key given more than once, with the lines of each."""
    name = path.name
    try:
        loader = _StackFileLoader(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        return None, [Problem(name, None, "a UTF-8 text file", shown=f"byte {error.start} is not UTF-8")]
    try:
        node = loader.get_single_node()
        problems = _repeated_keys(node, name) if node is not None else []
        document = loader.construct_document(node) if node is not None else {}
    except yaml.YAMLError as error:
        return None, [_syntax_problem(name, error)]
    finally:
        loader.dispose()
    if not isinstance(document, Mapping) or not isinstance(document.get("config") or {}, Mapping):
        return None, [
            Problem(
                name,
                None,
                "a mapping with a `config:` mapping of `<namespace>:<key>: value`",
                shown="not a stack configuration",
            )
        ]
    return dict(document.get("config") or {}), problems


def _syntax_problem(name: str, error: yaml.YAMLError) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    what = getattr(error, "problem", None) or str(error).splitlines()[0]
    context = getattr(error, "context", None)
    return Problem(name, None, "valid YAML" + (f" ({context})" if context else ""), shown=f"{where}{what}")


def _repeated_keys(root: yaml.Node, name: str) -> list[Problem]:
    problems: list[Problem] = []

    def walk(node: yaml.Node, path: str, level: str) -> None:
        if isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, join(path, i), "value")
        if not isinstance(node, yaml.MappingNode):
            return
        lines: dict[str, list[int]] = {}
        for key, value in node.value:
            text = str(key.value)
            lines.setdefault(text, []).append(key.start_mark.line + 1)
            inner = "config" if level == "root" and text == "config" else "value"
            walk(value, _child_path(path, text, level), inner)
        for text, seen in lines.items():
            if len(seen) > 1:
                at = ", ".join(map(str, seen[:-1])) + f" and {seen[-1]}"
                problems.append(
                    Problem(
                        _child_path(path, text, level),
                        None,
                        "each key once: YAML keeps only the last and silently drops the others (merge them into one)",
                        shown=f"given at lines {at} of {name}",
                    )
                )

    walk(root, "", "root")
    return problems


def _child_path(path: str, key: str, level: str) -> str:
    """Config paths as the other messages spell them: the project's keys without their namespace."""
    if level == "config":
        return key[len(PROJECT) + 1 :] if key.startswith(f"{PROJECT}:") else key
    return join(path, key)


# -- offline: a stack file as the CLI would hand it over ---------------------------------------------------


def _read_stack(stack: str, config_dir: Path) -> tuple[dict[str, Any], list[Problem]]:
    """The `config:` mapping of `<config_dir>/Pulumi.<stack>.yaml` and the file's problems (repeated keys); a
    file that cannot be read at all raises ``ConfigError`` (line and column) or ``FileNotFoundError``."""
    path = config_dir / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise FileNotFoundError(
            f"no stack configuration {path.name} (stacks: "
            + ", ".join(sorted(p.name[7:-5] for p in config_dir.glob("Pulumi.*.yaml")))
            + ")"
        )
    config, problems = read_stack_file(path)
    if config is None:
        raise ConfigError(problems, stack)
    return config, problems


def engine_config(stack: str, config_dir: Path = PROJECT_DIR) -> tuple[dict[str, str], list[str]]:
    """The flat engine form of `<config_dir>/Pulumi.<stack>.yaml`, as the CLI hands it to the program: values as
    strings, structured ones as JSON; and the keys that hold an encrypted value."""
    config, secret_keys = {}, []
    for key, value in _read_stack(stack, config_dir)[0].items():
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
        listed = [_without_ciphertext(v) for v in value]
        return [v for v, _ in listed], any(e for _, e in listed)
    return value, False


def load_stack(stack: str, config_dir: Path = PROJECT_DIR) -> StackConfig:
    """`<config_dir>/Pulumi.<stack>.yaml` parsed and validated exactly as the program does it under the engine."""
    flat, secret_keys = engine_config(stack, config_dir)
    return parse_flat(flat, stack, _read_stack(stack, config_dir)[1], frozenset(secret_keys))

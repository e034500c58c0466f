"""Reading the stack configuration: the one place that touches ``pulumi.Config``."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Mapping

import pulumi
from pulumi.runtime import config as runtime_config

from components.config import PROJECT, SecretValue, StackConfig
from components.config_parser import ConfigError, Problem, parse_dataclass
from components.config_validation import validate

_TOP_LEVEL = {f.metadata["key"] for f in dataclasses.fields(StackConfig)}


def parse_config(raw: Mapping[str, Any], stack: str = "", secret_keys: frozenset[str] = frozenset()) -> StackConfig:
    """Parse and validate raw top-level values (keys without the project namespace).

    ``secret_keys`` are the top-level keys that arrived encrypted: their strings become ``SecretValue``s.
    Raises ``ConfigError`` listing every problem at once.
    """
    raw = {key: _as_secret(value) if key in secret_keys else value for key, value in raw.items()}
    problems: list[Problem] = []
    cfg = parse_dataclass(StackConfig, raw, "", problems)
    # Cross-field rules run on the fallbacks too; drop what merely echoes a value the parse rejected.
    problems += [p for p in validate(cfg) if not any(_related(p.path, q.path) for q in problems)]
    if problems:
        raise ConfigError(problems, stack)
    return cfg


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or a.startswith(b + "[") or b.startswith(a + ".") or b.startswith(a + "[")


def _as_secret(value: Any) -> Any:
    if isinstance(value, str):
        return SecretValue(value)
    if isinstance(value, Mapping):
        return {k: _as_secret(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_secret(v) for v in value]
    return value


def load_config() -> StackConfig:
    """Read every ``polaris-data-exchange:*`` key of the current stack and parse it."""
    keys = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    secret = frozenset(project_values({k: "" for k in keys if runtime_config.is_config_secret(k)}))
    return parse_config(_raw_project_config(), pulumi.get_stack(), secret)


def _raw_project_config() -> dict[str, Any]:
    keys = set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())
    return project_values({k: runtime_config.get_config(k) for k in keys})


def project_values(flat: Mapping[str, Any]) -> dict[str, Any]:
    """The project's keys (namespace stripped) from flat engine config, structured values decoded."""
    prefix = f"{PROJECT}:"
    return {k[len(prefix):]: _decode(v) for k, v in sorted(flat.items()) if k.startswith(prefix)}


def _decode(value: Any) -> Any:
    """Config values arrive as strings; structured ones are JSON (as `pulumi.Config.get_object` decodes)."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value

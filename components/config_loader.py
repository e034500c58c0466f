"""Reading the stack configuration: the one place that touches ``pulumi.Config``."""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Mapping

import pulumi
from pulumi.runtime import config as runtime_config

from components.config import PROJECT, StackConfig
from components.config_parser import ConfigError, Problem, parse_dataclass
from components.config_validation import validate

_TOP_LEVEL = {f.metadata["key"] for f in dataclasses.fields(StackConfig)}


def parse_config(raw: Mapping[str, Any], stack: str = "") -> StackConfig:
    """Parse and validate raw top-level values (keys without the project namespace).

    Raises ``ConfigError`` listing every problem at once.
    """
    problems: list[Problem] = []
    cfg = parse_dataclass(StackConfig, raw, "", problems)
    # Cross-field rules run on the fallbacks too; drop what merely echoes a value the parse rejected.
    problems += [p for p in validate(cfg) if not any(_related(p.path, q.path) for q in problems)]
    if problems:
        raise ConfigError(problems, stack)
    return cfg


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or a.startswith(b + "[") or b.startswith(a + ".") or b.startswith(a + "[")


def load_config() -> StackConfig:
    """Read every ``polaris-data-exchange:*`` key of the current stack and parse it."""
    return parse_config(_raw_project_config(), pulumi.get_stack())


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

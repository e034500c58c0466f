"""Generic parsing of raw configuration (YAML/JSON values) into the dataclasses of ``components.config``.

The parser walks each dataclass's fields using their ``setting`` metadata, converts values to the declared
types and records every problem (unknown key, missing key, wrong type, bad enum value) with its config path
instead of stopping at the first one.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import types
import typing
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Mapping

from components.config import SecretValue


@dataclass(frozen=True)
class Problem:
    path: str
    value: Any
    expected: str

    def __str__(self) -> str:
        shown = "(missing)" if self.value is _MISSING else "(value hidden)" if self.value is HIDDEN else _show(
            self.value)
        return f"{self.path}: {shown} — expected {self.expected}"


class ConfigError(Exception):
    """Every problem of a configuration at once, each with its config path, value and expectation."""

    def __init__(self, problems: list[Problem], stack: str = ""):
        self.problems = sorted(problems, key=lambda p: p.path)
        where = f" of stack '{stack}'" if stack else ""
        lines = [f"{len(self.problems)} problem(s) in the configuration{where}:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


_MISSING = object()
HIDDEN = object()
"""A problem's value that must not be echoed (a would-be secret written in plain text)."""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def parse_dataclass(cls: type, raw: Any, path: str, problems: list[Problem]) -> Any:
    """Build ``cls`` from a mapping, recording problems.

    Never gives up: a bad or missing value is recorded and replaced by a neutral fallback, so that the
    cross-field rules can still run and the user sees every problem in one run.
    """
    if not isinstance(raw, Mapping):
        problems.append(Problem(path, raw, f"an object with keys {', '.join(_keys(cls))}"))
        return fallback(cls)
    hints = typing.get_type_hints(cls)
    known = {f.metadata["key"]: f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in known:
            problems.append(Problem(join(path, str(key)), raw[key],
                                    f"no such key; known keys: {', '.join(sorted(known))}"))
    values: dict[str, Any] = {}
    for key, fld in known.items():
        sub = join(path, key)
        if key in raw and raw[key] is not None:
            values[fld.name] = convert(hints[fld.name], raw[key], sub, problems)
        elif fld.metadata["required"]:
            problems.append(Problem(sub, _MISSING, f"a value ({fld.metadata['doc']})"))
            values[fld.name] = fallback(hints[fld.name])
    return cls(**values)


def fallback(tp: Any) -> Any:
    """A neutral stand-in for a value that was missing or invalid (already reported as a problem)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return None
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return tp(**{f.name: fallback(hints[f.name]) for f in dataclasses.fields(tp) if f.metadata["required"]})
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return next(iter(tp))
    if origin is tuple:
        return ()
    if origin in (collections.abc.Mapping, dict):
        return MappingProxyType({})
    return {bool: False, int: 0, str: "", SecretValue: SecretValue("")}[tp]


def _keys(cls: type) -> list[str]:
    return [f.metadata["key"] for f in dataclasses.fields(cls)]


def convert(tp: Any, raw: Any, path: str, problems: list[Problem]) -> Any:
    """Convert ``raw`` to type ``tp``; on failure record a problem and return a fallback."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return convert(inner[0], raw, path, problems)
    if dataclasses.is_dataclass(tp):
        return parse_dataclass(tp, raw, path, problems)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        allowed = [m.value for m in tp]
        if raw in allowed:
            return tp(raw)
        problems.append(Problem(path, raw, "one of " + ", ".join(repr(a) for a in allowed)))
        return fallback(tp)
    if origin is tuple:
        return _convert_tuple(typing.get_args(tp)[0], raw, path, problems)
    if origin in (collections.abc.Mapping, dict):
        return _convert_mapping(tp, raw, path, problems)
    if tp is SecretValue:
        return _convert_secret(raw, path, problems)
    return _convert_scalar(tp, raw, path, problems)


def _convert_tuple(item: Any, raw: Any, path: str, problems: list[Problem]) -> Any:
    if not isinstance(raw, list):
        problems.append(Problem(path, raw, "a list"))
        return ()
    # Items keep their index (with fallbacks) so later rules report the right `list[i]` paths.
    return tuple(convert(item, value, join(path, i), problems) for i, value in enumerate(raw))


def _convert_mapping(tp: Any, raw: Any, path: str, problems: list[Problem]) -> Any:
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) for k in raw):
        problems.append(Problem(path, raw, "an object (string keys)"))
        return MappingProxyType({})
    args = typing.get_args(tp)
    if args and args[1] is str:
        for key, value in raw.items():
            if not isinstance(value, str):
                problems.append(Problem(join(path, key), value, "a string"))
    return MappingProxyType(dict(raw))


def _convert_secret(raw: Any, path: str, problems: list[Problem]) -> Any:
    if isinstance(raw, SecretValue):
        return raw
    problems.append(Problem(path, HIDDEN, "a secret: set it with `pulumi config set --secret --path "
                            f"'{path}' <value>` (a plain-text value in the stack file is refused)"))
    return SecretValue("")


def _convert_scalar(tp: Any, raw: Any, path: str, problems: list[Problem]) -> Any:
    # bool is an int in Python; YAML `true` must not pass as a number, nor 1 as a flag.
    if tp is bool and isinstance(raw, bool):
        return raw
    if tp is int and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if tp is str and isinstance(raw, str):
        return raw
    names = {bool: "true or false", int: "a whole number", str: "a string"}
    problems.append(Problem(path, raw, names.get(tp, getattr(tp, "__name__", str(tp)))))
    return fallback(tp)

"""Generic parsing of raw configuration (YAML/JSON values) into the dataclasses of ``configuration.schema``.

The parser walks each dataclass's fields using their ``setting`` metadata, converts values to the declared
types, checks what each setting declares its value may be (pattern, range, choices) and records every problem
(unknown key, missing key, wrong type, bad enum value, stray whitespace, a value outside its declaration) with
its config path instead of stopping at the first one.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import difflib
import enum
import re
import types
import typing
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pulumi

from configuration.schema import Allowed, SecretValue

HIDDEN = "(value not shown: the key's name suggests a secret)"
SECRETS_ADVICE = (
    "no secret belongs in Pulumi.<stack>.yaml: the program generates every credential it needs "
    "(Polaris principals, the database password, Azure application passwords) and keeps it in "
    "state as a secret; anything else secret goes in with `pulumi config set --secret`"
)
_SECRET_NAME = re.compile(
    r"pass(word|wd|phrase)?|pwd|secret|token|key|credential|private|cert|sas\b|"
    r"connection.?string|auth",
    re.IGNORECASE,
)


def looks_secret(key: object) -> bool:
    """A key whose name suggests its value is a secret: such values are never shown in a message."""
    return isinstance(key, str) and bool(_SECRET_NAME.search(key))


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the configuration.

    ``shown`` replaces the value in the message (a hidden secret, a position in the stack file). ``replaced``
    marks a value the parser swapped for a neutral fallback; ``uses`` names the other config paths a
    cross-field rule read, so that a rule that read a fallback is not reported (it would only echo it).
    """

    path: str
    value: Any
    expected: str
    shown: str | None = None
    replaced: bool = False
    uses: tuple[str, ...] = ()

    def __str__(self) -> str:
        shown = self.shown or ("(missing)" if self.value is _MISSING else _show(self.value))
        return f"{self.path}: {shown} — expected {self.expected}"


class ConfigError(pulumi.RunError):
    """Every problem of a configuration at once, each with its config path, value and expectation.

    A ``pulumi.RunError``: under the engine the message is printed as it is, without a traceback."""

    def __init__(self, problems: list[Problem], stack: str = ""):
        self.problems = sorted(problems, key=lambda p: p.path)
        where = f" of stack '{stack}'" if stack else ""
        lines = [f"{len(self.problems)} problem(s) in the configuration{where}:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


_MISSING = object()


def _masked(value: Any) -> Any:
    """The value as YAML wrote it (lists, not tuples), with whatever sits under a secret-looking key hidden."""
    if isinstance(value, Mapping):
        return {k: "(hidden)" if looks_secret(k) else _masked(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_masked(v) for v in value]
    return value


def _show(value: Any) -> str:
    text = repr(_masked(value))
    text = text if len(text) <= 80 else text[:77] + "..."
    return text + code_points(value)


def code_points(value: Any) -> str:
    """For a string with non-ASCII characters, which ones they are: a Cyrillic 'а' looks like a Latin 'a'."""  # noqa: RUF002
    if not isinstance(value, str) or value.isascii():
        return ""
    odd = dict.fromkeys(ch for ch in value if not ch.isascii())
    return " (non-ASCII: " + ", ".join(f"U+{ord(ch):04X} {unicodedata.name(ch, '?')}" for ch in odd) + ")"


def likely(key: str, known: Iterable[str]) -> str | None:
    """The known key a typo most likely meant (`diskSizeGB` -> `diskSizeGb`, `replica` -> `replicas`)."""
    by_folded = {k.casefold(): k for k in known}
    match = difflib.get_close_matches(key.casefold(), list(by_folded), n=1, cutoff=0.75)
    return by_folded[match[0]] if match else None


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def within(path: str, root: str) -> bool:
    """``path`` is ``root`` or lies inside it."""
    return path == root or path.startswith(root + ".") or path.startswith(root + "[")


def unknown_key(path: str, key: str, value: Any, expected: str) -> Problem:
    """A key nobody reads; its value is hidden when the name suggests a secret."""
    if looks_secret(key):
        return Problem(path, None, f"{expected}; {SECRETS_ADVICE}", shown=HIDDEN)
    return Problem(path, value, expected)


if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")


def parse_dataclass(cls: type[T], raw: Any, path: str, problems: list[Problem]) -> T:
    """Build ``cls`` from a mapping, recording problems.

    Never gives up: a bad or missing value is recorded and replaced by a neutral fallback, so that the
    cross-field rules can still run and the user sees every problem in one run.
    """
    if not isinstance(raw, Mapping):
        problems.append(Problem(path, raw, f"an object with keys {', '.join(_keys(cls))}", replaced=True))
        return cast(T, fallback(cls))  # a dataclass's fallback is an instance of it
    hints = typing.get_type_hints(cls)
    known = {f.metadata["key"]: f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in known:
            guess = likely(str(key), known)
            hint = f"did you mean '{guess}'? " if guess else ""
            problems.append(
                unknown_key(
                    join(path, str(key)),
                    str(key),
                    raw[key],
                    f"no such key; {hint}known keys: {', '.join(sorted(known))}",
                )
            )
    values: dict[str, Any] = {}
    for key, fld in known.items():
        sub = join(path, key)
        if key in raw and raw[key] is not None:
            before = len(problems)
            values[fld.name] = convert(hints[fld.name], raw[key], sub, problems)
            if fld.metadata["allowed"] is not None:
                replaced = {p.path for p in problems[before:] if p.replaced}
                _check_allowed(fld.metadata["allowed"], values[fld.name], sub, replaced, problems)
        elif fld.metadata["required"]:
            expected = _secret_hint(sub) if hints[fld.name] is SecretValue else f"a value ({fld.metadata['doc']})"
            problems.append(Problem(sub, _MISSING, expected, replaced=True))
            values[fld.name] = fallback(hints[fld.name])
    return cls(**values)


def _check_allowed(allowed: Allowed, value: Any, path: str, replaced: set[str], problems: list[Problem]) -> None:
    """The setting's declaration, on its value or on each item of a list; values the conversion already
    replaced by a fallback are not judged again."""
    items = list(enumerate(value)) if isinstance(value, tuple) else [(None, value)]
    for index, item in items:
        item_path = path if index is None else join(path, index)
        if path not in replaced and item_path not in replaced and not allowed.admits(item):
            problems.append(Problem(item_path, item, allowed.expected))


def fallback(tp: Any) -> Any:
    """A neutral stand-in for a value that was missing or invalid (already reported as a problem)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
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
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return parse_dataclass(tp, raw, path, problems)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        allowed = [m.value for m in tp]
        if raw in allowed:
            return tp(raw)
        problems.append(Problem(path, raw, "one of " + ", ".join(repr(a) for a in allowed), replaced=True))
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
        problems.append(Problem(path, raw, "a list", replaced=True))
        return ()
    # Items keep their index (with fallbacks) so later rules report the right `list[i]` paths.
    return tuple(convert(item, value, join(path, i), problems) for i, value in enumerate(raw))


def _convert_mapping(tp: Any, raw: Any, path: str, problems: list[Problem]) -> Any:
    if not isinstance(raw, Mapping) or not all(isinstance(k, str) for k in raw):
        problems.append(Problem(path, raw, "an object (string keys)", replaced=True))
        return MappingProxyType({})
    args = typing.get_args(tp)
    if not (args and args[1] is str):
        return MappingProxyType(dict(raw))
    kept = {}
    for key, value in raw.items():
        _check_whitespace(key, join(path, key), problems)
        kept[key.strip()] = _convert_scalar(str, value, join(path, key), problems)
    return MappingProxyType(kept)


_NAMES = {bool: "true or false", int: "a whole number", str: "a string"}


def _secret_hint(path: str) -> str:
    """How to set the secret at ``path``: the exact command, so the hint names the right list index."""
    return f"a secret: set it with `pulumi config set --secret --path '{path}' <value>`"


def _convert_secret(raw: Any, path: str, problems: list[Problem]) -> Any:
    if isinstance(raw, SecretValue):
        return raw
    problems.append(
        Problem(
            path,
            None,
            f"{_secret_hint(path)} (a plain-text value in the stack file is refused)",
            shown="(value hidden)",
            replaced=True,
        )
    )
    return SecretValue("")


def _convert_scalar(tp: Any, raw: Any, path: str, problems: list[Problem]) -> Any:
    # bool is an int in Python; YAML `true` must not pass as a number, nor 1 as a flag.
    if tp is bool and isinstance(raw, bool):
        return raw
    if tp is int and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if tp is str and isinstance(raw, str):
        _check_whitespace(raw, path, problems)
        return raw.strip()
    expected = _NAMES.get(tp, getattr(tp, "__name__", str(tp)))
    if tp is str and isinstance(raw, (bool, int, float)):
        expected += (
            ": quote it in YAML, exactly as it should read (unquoted, YAML reads it as a "
            f"{'boolean' if isinstance(raw, bool) else 'number'}, which drops leading zeros and "
            "trailing decimals)"
        )
    problems.append(Problem(path, raw, expected, replaced=True))
    return fallback(tp)


def _check_whitespace(text: str, path: str, problems: list[Problem]) -> None:
    """Stray spaces would flow verbatim into ARNs, resource names and Polaris locations."""
    if text != text.strip():
        problems.append(
            Problem(
                path,
                text,
                "no leading or trailing whitespace (it would be taken literally, "
                "e.g. into an IAM ARN or a storage location)",
            )
        )

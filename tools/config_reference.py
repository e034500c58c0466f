"""The configuration reference, generated from the schema's field metadata.

    python -m tools.config_reference          # print the Markdown tables
    python -m tools.config_reference --check  # exit 1 when README.md's copy is out of date

README.md carries the output between the markers below; a test runs `--check` so the documentation cannot
drift from ``configuration/schema.py``.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from configuration.schema import PROJECT, Allowed, SecretValue, StackConfig

BEGIN = "<!-- BEGIN CONFIG REFERENCE (python -m tools.config_reference) -->"
END = "<!-- END CONFIG REFERENCE -->"
README = Path(__file__).resolve().parents[1] / "README.md"


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _type_name(inner[0]) + " (optional)"
    if origin is tuple:
        return f"list of {_type_name(typing.get_args(tp)[0])}"
    if dataclasses.is_dataclass(tp):
        return "object" if tp is not StackConfig else "stack"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return " \\| ".join(f"`{m.value}`" for m in tp)
    if origin is not None:
        return "map"
    return {str: "string", int: "integer", bool: "boolean", SecretValue: "secret string"}[tp]


def _default(fld: dataclasses.Field) -> str:
    if fld.metadata["required"]:
        return "**required**"
    if fld.default_factory is not dataclasses.MISSING:
        return "`{}`"
    value = fld.default
    if dataclasses.is_dataclass(value):
        return "see below"
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, tuple):
        value = list(value)
    return f"`{json.dumps(value)}`" if value is not None else "unset"


def _allowed(fld: dataclasses.Field) -> str:
    """The setting's declaration beyond its type: a pattern as its regular expression, a range or choices in
    words (the parser's messages use the same words)."""
    allowed = fld.metadata["allowed"]
    if not isinstance(allowed, Allowed):
        return ""
    if allowed.pattern is not None:
        return "`" + allowed.pattern.regex.pattern.replace("|", "\\|") + "`"
    return allowed.expected


def _example(fld: dataclasses.Field) -> str:
    example = fld.metadata.get("example")
    return f"`{json.dumps(example)}`" if example is not None else ""


def _sections(cls: type, prefix: str, out: list[tuple[str, type]]) -> None:
    out.append((prefix, cls))
    hints = typing.get_type_hints(cls)
    for fld in dataclasses.fields(cls):
        tp = hints[fld.name]
        inner: Sequence[Any] = [a for a in typing.get_args(tp) if a is not type(None)] or [tp]
        inner = typing.get_args(inner[0]) if typing.get_origin(inner[0]) is tuple else inner
        if isinstance(inner[0], type) and dataclasses.is_dataclass(inner[0]):
            suffix = "[]" if typing.get_origin(tp) is tuple else ""
            _sections(
                inner[0], f"{prefix}.{fld.metadata['key']}{suffix}" if prefix else f"{fld.metadata['key']}{suffix}", out
            )


def render() -> str:
    sections: list[tuple[str, type]] = []
    _sections(StackConfig, "", sections)
    lines: list[str] = []
    for path, cls in sections:
        title = f"`{PROJECT}:*` (top level)" if not path else f"`{path}`"
        lines += [
            f"#### {title}",
            "",
            "| key | type | default | allowed | description | example |",
            "|---|---|---|---|---|---|",
        ]
        hints = typing.get_type_hints(cls)
        for fld in dataclasses.fields(cls):
            lines.append(
                f"| `{fld.metadata['key']}` | {_type_name(hints[fld.name])} | {_default(fld)} | {_allowed(fld)} | "
                f"{fld.metadata['doc']} | {_example(fld)} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def readme_copy(text: str) -> str:
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[start:end].strip() + "\n"


def main(argv: list[str]) -> int:
    if "--check" in argv:
        if readme_copy(README.read_text()) != render():
            print(
                "README.md's configuration reference is out of date: run `python -m tools.config_reference --write`",
                file=sys.stderr,
            )
            return 1
        return 0
    if "--write" in argv:
        text = README.read_text()
        start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
        README.write_text(text[:start] + "\n" + render() + text[end:])
        return 0
    print(render(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

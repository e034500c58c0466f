"""Write each organisation's client configuration to files, from the stack output.

    pulumi stack output clientConfigurations --show-secrets --json --stack prod \\
        | python -m tools.client_config --out client-config/

writes, per organisation, `client-config/<organisation>/spark-defaults.conf` and
`client-config/<organisation>/.pyiceberg.yaml`, readable by the owner only (they hold the principal's
secret). Hand each directory to its organisation over a channel fit for secrets; never commit it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml


def render_spark(properties: dict[str, str]) -> str:
    return "".join(f"{key} {value}\n" for key, value in sorted(properties.items()))


def render_pyiceberg(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=True)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)  # an existing file keeps its old mode through os.open


def write_all(configurations: dict[str, Any], out: Path) -> list[Path]:
    written = []
    for organisation, configuration in sorted(configurations.items()):
        if "spark" not in configuration or "pyiceberg" not in configuration:
            raise ValueError(
                f"clientConfigurations.{organisation}: expected 'spark' and 'pyiceberg' entries; "
                "was the output read with --show-secrets?"
            )
        folder = out / organisation
        _write_private(folder / "spark-defaults.conf", render_spark(configuration["spark"]))
        _write_private(folder / ".pyiceberg.yaml", render_pyiceberg(configuration["pyiceberg"]))
        written += [folder / "spark-defaults.conf", folder / ".pyiceberg.yaml"]
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.client_config", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="directory to write one folder per organisation")
    args = parser.parse_args(argv)
    try:
        configurations = json.load(sys.stdin)
    except json.JSONDecodeError as error:
        print(
            f"stdin is not the JSON of `pulumi stack output clientConfigurations --show-secrets --json`: {error}",
            file=sys.stderr,
        )
        return 2
    if configurations == "[secret]" or not isinstance(configurations, dict):
        print("clientConfigurations is masked: pass --show-secrets to `pulumi stack output`", file=sys.stderr)
        return 2
    try:
        written = write_all(configurations, args.out)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

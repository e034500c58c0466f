"""Wall time and peak memory of the offline plan: the prod stack, and a generated stack with 10x as many
organisations and catalogs. Targets (issue 2): prod <= 8 s and <= 600 MB on a 2-core machine; 10x <= 3x prod.

    venv/bin/python benchmarks/plan_benchmark.py [--runs N]

Each plan runs in a fresh process (imports included, as `pulumi preview` pays them); the figure is the median.
"""

from __future__ import annotations

import argparse
import copy
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "polaris-data-exchange:"


def scaled_config(factor: int) -> dict:
    """The prod stack with `factor` times the catalogs (new prefixes) and organisations."""
    document = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    config = document["config"]
    owners, catalogs, orgs = (config[PREFIX + k] for k in ("dataOwners", "catalogs", "organisations"))
    new_catalogs, new_orgs = [], []
    for copy_index in range(factor):
        renamed = {}
        for catalog in catalogs:
            clone = copy.deepcopy(catalog)
            clone["name"] = f"{catalog['name']}_{copy_index}"
            clone["locations"] = [loc.rstrip("/") + f"/part{copy_index}/" for loc in catalog["locations"]]
            renamed[catalog["name"]] = clone["name"]
            new_catalogs.append(clone)
        for org in orgs:
            clone = copy.deepcopy(org)
            clone["name"] = f"{org['name']}_{copy_index}"
            for access in clone.get("access", []):
                access["catalog"] = renamed[access["catalog"]]
            new_orgs.append(clone)
    config[PREFIX + "catalogs"], config[PREFIX + "organisations"] = new_catalogs, new_orgs
    config[PREFIX + "dataOwners"] = owners
    return document


def measure(stack: str, config_dir: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one plan in a fresh process."""
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(
        [sys.executable, "-m", "tools.plan", "--stack", stack, "--config-dir", str(config_dir), "--json"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"plan of {stack} failed:\n{result.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def resources_in(stack: str, config_dir: Path) -> int:
    import json

    out = subprocess.run(
        [sys.executable, "-m", "tools.plan", "--stack", stack, "--config-dir", str(config_dir), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return len(json.loads(out)["resources"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        (tmp_dir / "Pulumi.prod.yaml").write_text((ROOT / "Pulumi.prod.yaml").read_text())
        (tmp_dir / "Pulumi.prod10x.yaml").write_text(yaml.safe_dump(scaled_config(10), sort_keys=False))
        figures = {}
        for stack in ("prod", "prod10x"):
            runs = [measure(stack, tmp_dir) for _ in range(args.runs)]
            figures[stack] = (
                statistics.median(r[0] for r in runs),
                max(r[1] for r in runs),
                resources_in(stack, tmp_dir),
            )
    for stack, (seconds, peak_mb, count) in figures.items():
        print(
            f"{stack:8s} resources={count:5d}  wall={seconds:6.2f} s (median of {args.runs})  peak RSS={peak_mb:7.1f} MB"
        )
    ratio = figures["prod10x"][0] / figures["prod"][0]
    print(f"10x / prod wall-time ratio: {ratio:.2f} (target <= 3.0); prod target <= 8 s and <= 600 MB")


if __name__ == "__main__":
    main()

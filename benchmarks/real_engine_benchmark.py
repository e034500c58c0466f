"""Real engine timings (printed, not asserted): toolchain set-up, and `pulumi up`, a no-change `preview` and a
no-change `refresh` for the local stack and for a generated one of about 2,000 Polaris objects.

    venv/bin/python benchmarks/real_engine_benchmark.py [--organisations 50] [--catalogs 20] [--skip-large]

The Polaris is the project's test server in this process; the time it spends answering is summed over its
requests (they overlap: the provider process runs four at a time), so a sum near the wall time means Polaris
bounds the command, and a small one means the engine, the program and the provider process do.
Aims (2 cores): the 2,000-object no-change preview within 60 s, refresh within 90 s.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.polaris_server import PolarisTestServer
from tests.real.cli import ROOT, LocalStack
from tests.real.local_stack import STACK, configure, state_objects


class TimedPolaris(PolarisTestServer):
    """The test server, adding up the time it spends answering requests."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.busy_seconds, self._lock = 0.0, threading.Lock()

    def _wsgi(self, environ, start_response):
        started = time.perf_counter()
        try:
            return super()._wsgi(environ, start_response)
        finally:
            with self._lock:
                self.busy_seconds += time.perf_counter() - started


def toolchain() -> tuple[str, float]:
    """The CLI's directory, and how long toolchain/pulumi.sh took to provide it."""
    started = time.perf_counter()
    done = subprocess.run(["bash", str(ROOT / "toolchain" / "pulumi.sh")], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return done.stdout.strip().splitlines()[-1], time.perf_counter() - started


def generated_config(organisations: int, catalogs: int) -> dict:
    """The local stack with `catalogs` catalogs over its two owners and `organisations` organisations, each
    reading two catalogs and writing a third."""
    document = yaml.safe_load((ROOT / f"Pulumi.{STACK}.yaml").read_text())
    config = document["config"]
    owners = config["polaris-data-exchange:dataOwners"]
    for owner in owners:
        owner["storage"]["prefixes"] = [f"c{i}" for i in range(catalogs)]
    config["polaris-data-exchange:catalogs"] = [
        {
            "name": f"cat_{i}",
            "dataOwner": owners[i % 2]["name"],
            "locations": [f"s3://{owners[i % 2]['storage']['bucket']}/c{i}/"],
        }
        for i in range(catalogs)
    ]
    config["polaris-data-exchange:organisations"] = [
        {
            "name": f"org_{n}",
            "access": [
                {"catalog": f"cat_{n % catalogs}", "level": "write"},
                {"catalog": f"cat_{(n + 1) % catalogs}", "level": "read"},
                {"catalog": f"cat_{(n + 2) % catalogs}", "level": "read", "namespaces": ["shared"]},
            ],
        }
        for n in range(organisations)
    ]
    return document


def measure(label: str, config_file: Path | None, bin_dir: str) -> None:
    polaris = TimedPolaris(realm="POLARIS", root_client_id="root")
    with polaris, tempfile.TemporaryDirectory() as tmp:
        stack = LocalStack.create(Path(tmp), bin_dir, STACK, config_file)
        configure(stack, polaris)
        for name, run in (
            ("up", stack.up),
            ("preview (no change)", lambda: stack.preview(expect_no_changes=True)),
            ("refresh (no change)", lambda: stack.refresh(expect_no_changes=True)),
        ):
            polaris.busy_seconds, requests = 0.0, len(polaris.requests)
            started = time.perf_counter()
            run()
            wall = time.perf_counter() - started
            print(
                f"{label:>22} {name:<20} {wall:7.1f} s wall; {len(polaris.requests) - requests:5d} Polaris "
                f"requests, {polaris.busy_seconds:6.1f} s of Polaris work (summed over concurrent requests)"
            )
        print(f"{label:>22} objects in state: {sum(state_objects(stack).values())}")
        stack.destroy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=50)
    parser.add_argument("--catalogs", type=int, default=20)
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    bin_dir, seconds = toolchain()
    print(f"toolchain/pulumi.sh: {seconds:.1f} s (a cold build from nothing on 2 cores took about 19 min)")
    measure("local stack", None, bin_dir)
    if not args.skip_large:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"Pulumi.{STACK}.yaml"
            path.write_text(yaml.safe_dump(generated_config(args.organisations, args.catalogs), sort_keys=False))
            measure(f"{args.organisations} orgs x {args.catalogs} cats", path, bin_dir)


if __name__ == "__main__":
    main()

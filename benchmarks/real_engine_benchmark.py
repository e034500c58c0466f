"""Real engine timings (printed, not asserted): toolchain set-up, and `pulumi up`, a no-change `preview` and a
no-change `refresh` for the local stack and for a generated one of about 2,000 Polaris objects.

    venv/bin/python benchmarks/real_engine_benchmark.py [--organisations 50] [--catalogs 20] [--skip-large]

The Polaris is the project's test server in this process; the time it spends answering is summed over its
requests (they overlap: the provider process runs four at a time), so a sum near the wall time means Polaris
bounds the command, and a small one means the engine, the program and the provider process do. Each line is
followed by the CPU seconds of each process (engine, program, provider process, test server), which say where
the time goes, and the load average, because other work on the machine slows every figure.

Checkpoints: on a file (or any self-managed) backend the engine writes the whole state after every step, so
`up` costs O(objects²) (1,020 objects: 271 s, of which the engine's own CPU is most; 17 s without). The `up`
of the large stack therefore runs with PULUMI_SKIP_CHECKPOINTS=true (state written once at the end: safe for
this throwaway state, not for production state, see docs/operations.md); the local stack is measured both ways.
Aims (2 cores): the 2,000-object no-change preview within 60 s, refresh within 90 s.
"""

from __future__ import annotations

import argparse
import os
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


SKIP_CHECKPOINTS = {"PULUMI_SKIP_CHECKPOINTS": "true"}
"""The engine's documented switch (pkg/backend/snapshot.go: unsafeServiceLoop): no state write until the end."""
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ProcessCpu:
    """CPU seconds of this process's descendants while a command runs, by role, sampled from /proc (Linux).

    A process is sampled every 0.2 s until it exits, so up to 0.2 s of each one's last CPU is missed."""

    ROLES = (("pulumi.dynamic", "provider"), ("pulumi-language-python-exec", "program"), ("pulumi ", "engine"))
    """Markers in a command line, first match wins; `pulumi ` is the CLI (LocalStack runs `pulumi <command>`)."""

    def __enter__(self) -> ProcessCpu:
        self._seen: dict[int, tuple[str, float, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        self._own = os.times()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        own = os.times()
        self.test_server = own.user + own.system - self._own.user - self._own.system

    def _sample(self) -> None:
        commands: dict[int, str] = {}
        while True:
            for pid in map(int, filter(str.isdigit, os.listdir("/proc"))):
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                    if not commands.get(pid):  # read once; empty while a process starts or exits
                        commands[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                except OSError:
                    continue  # exited meanwhile
                cpu = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
                self._seen[pid] = (commands[pid], cpu, int(fields[1]))
            if self._stop.wait(0.2):
                return

    def by_role(self) -> dict[str, float]:
        descendants, grew = {os.getpid()}, True
        while grew:
            found = {pid for pid, (_, _, parent) in self._seen.items() if parent in descendants}
            grew, descendants = bool(found - descendants), descendants | found
        roles = {"engine": 0.0, "program": 0.0, "provider": 0.0, "other": 0.0}
        for pid in descendants - {os.getpid()}:
            command, cpu, _ = self._seen[pid]
            role = next((r for marker, r in self.ROLES if marker in command), "other")
            roles[role] += cpu
        return {**roles, "test server": self.test_server}


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


def timed(label: str, name: str, polaris: TimedPolaris, run) -> None:
    polaris.busy_seconds, requests = 0.0, len(polaris.requests)
    started = time.perf_counter()
    with ProcessCpu() as cpu:
        run()
    wall = time.perf_counter() - started
    print(
        f"{label:>22} {name:<32} {wall:7.1f} s wall; {len(polaris.requests) - requests:5d} Polaris "
        f"requests, {polaris.busy_seconds:6.1f} s of Polaris work (summed over concurrent requests)"
    )
    roles = ", ".join(f"{role} {seconds:.1f}" for role, seconds in cpu.by_role().items())
    print(f"{'':>22} {'':<32} CPU s: {roles}; load average {os.getloadavg()[0]:.1f}")


def measure(label: str, config_file: Path | None, bin_dir: str, with_checkpoints: bool) -> None:
    polaris = TimedPolaris(realm="POLARIS", root_client_id="root")
    with polaris, tempfile.TemporaryDirectory() as tmp:
        stack = LocalStack.create(Path(tmp), bin_dir, STACK, config_file)
        configure(stack, polaris)
        if with_checkpoints:  # the engine's default, then back to nothing declared for the measured `up`
            timed(label, "up (checkpoint per step)", polaris, stack.up)
            timed(label, "destroy (checkpoint per step)", polaris, stack.destroy)
        stack.env.update(SKIP_CHECKPOINTS)
        timed(label, "up (PULUMI_SKIP_CHECKPOINTS)", polaris, stack.up)
        del stack.env["PULUMI_SKIP_CHECKPOINTS"]
        timed(label, "preview (no change)", polaris, lambda: stack.preview(expect_no_changes=True))
        timed(label, "refresh (no change)", polaris, lambda: stack.refresh(expect_no_changes=True))
        print(f"{label:>22} objects in state: {sum(state_objects(stack).values())}")
        stack.env.update(SKIP_CHECKPOINTS)
        stack.destroy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--organisations", type=int, default=50)
    parser.add_argument("--catalogs", type=int, default=20)
    parser.add_argument("--skip-large", action="store_true")
    args = parser.parse_args()
    bin_dir, seconds = toolchain()
    print(f"toolchain/pulumi.sh: {seconds:.1f} s (a cold build from nothing on 2 cores took about 19 min)")
    measure("local stack", None, bin_dir, with_checkpoints=True)
    if not args.skip_large:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"Pulumi.{STACK}.yaml"
            path.write_text(yaml.safe_dump(generated_config(args.organisations, args.catalogs), sort_keys=False))
            measure(f"{args.organisations} orgs x {args.catalogs} cats", path, bin_dir, with_checkpoints=False)


if __name__ == "__main__":
    main()

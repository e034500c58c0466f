"""The real suite: the real Pulumi CLI (built by toolchain/pulumi.sh) drives this program.

Elsewhere a missing tool skips with one clear line; on the project's machines `.ci/run` sets
REAL_SUITE_STRICT=1, and every skip becomes a failure, so the real suite cannot pass by not running.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.fakes.polaris_server import PolarisTestServer
from tests.real.cli import ROOT

STRICT = os.environ.get("REAL_SUITE_STRICT") == "1"
NO_GO_EXIT = 3
"""toolchain/pulumi.sh's exit code when no Go toolchain can build the CLI."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and Path(item.fspath).is_relative_to(Path(__file__).parent):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"the real suite must run on this machine (REAL_SUITE_STRICT=1), but: {reason}"


@pytest.fixture(scope="session")
def pulumi_bin() -> str:
    """The directory of the real `pulumi` CLI and its Python plugins."""
    if shutil.which("bash") is None:
        pytest.skip("real suite: bash is needed to run toolchain/pulumi.sh")
    done = subprocess.run(["bash", str(ROOT / "toolchain" / "pulumi.sh")], capture_output=True, text=True, timeout=3600)
    if done.returncode == NO_GO_EXIT:
        pytest.skip("real suite: no Go toolchain on PATH to build the Pulumi CLI (toolchain/pulumi.sh)")
    if done.returncode != 0:
        pytest.fail(f"toolchain/pulumi.sh failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def polaris():
    """The Polaris the local stack brings (`polaris.existing`): the project's spec-checked test server.

    The real Apache Polaris server cannot be assembled on these machines (its runtime modules are not
    served by the Maven registry; see toolchain/README.md); the provider suite pins every difference
    between this server and Polaris 1.7.0 that is known.
    """
    with PolarisTestServer(realm="POLARIS", root_client_id="root") as server:
        yield server

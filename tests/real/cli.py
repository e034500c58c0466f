"""The real Pulumi CLI on a copy of this project, with a file backend: what `pulumi` itself does, nothing mocked.

    stack = LocalStack.create(tmp_path, bin_dir, "local")   # copy of the project, its own PULUMI_HOME and state
    stack.config_set("polaris.existing.clientSecret", secret, secret=True)
    stack.up(); stack.preview(expect_no_changes=True); stack.refresh(expect_no_changes=True)
    stack.output("clientConfigurations", secret=True)

The copy keeps the repository untouched (the CLI writes the stack file's encryption salt and secrets) and
shares the project's virtualenv. No plugin is downloaded and no update check runs: the stack declares only
Python dynamic resources, whose provider is the SDK's `pulumi-resource-pulumi-python` on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "local-stack-passphrase"
"""Encrypts the copy's secrets; the copy lives in a temporary directory of one test run."""
PROJECT_FILES = ("__main__.py", "Pulumi.yaml", "components", "configuration", "polaris_provider", "policies", "rules")
"""What `pulumi up` and the policy pack run: tests/test_imports.py keeps it closed under their imports."""
COMMAND_TIMEOUT_SECONDS = 600


class PulumiError(AssertionError):
    """A CLI command that failed (or passed where it had to fail); carries its output."""


@dataclass
class Result:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


@dataclass
class LocalStack:
    project: Path
    stack: str
    env: dict[str, str]

    @classmethod
    def create(cls, workdir: Path, bin_dir: str, stack: str, config_file: Path | None = None) -> LocalStack:
        project = workdir / "project"
        project.mkdir(parents=True)
        for name in PROJECT_FILES:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, project / name, ignore=shutil.ignore_patterns("__pycache__", "venv"))
            else:
                shutil.copy2(source, project / name)
        shutil.copy2(config_file or ROOT / f"Pulumi.{stack}.yaml", project / f"Pulumi.{stack}.yaml")
        (project / "venv").symlink_to(ROOT / "venv")
        (project / "policies" / "venv").symlink_to(ROOT / "policies" / "venv")  # `make test-real` builds it
        (workdir / "state").mkdir()
        (workdir / "home").mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "AWS_"))}
        env.update(
            {
                "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
                "PULUMI_HOME": str(workdir / "home"),
                "PULUMI_BACKEND_URL": f"file://{workdir / 'state'}",
                "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
                "PULUMI_SKIP_UPDATE_CHECK": "true",
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
                "PULUMI_SKIP_CONFIRMATIONS": "true",
                # No AWS identity of any kind: the local stack must not need one.
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            }
        )
        created = cls(project, stack, env)
        created.run("stack", "init", stack, "--secrets-provider", "passphrase")
        return created

    # -- raw commands ---------------------------------------------------------------------------------
    def run(self, *args: str, check: bool = True) -> Result:
        command = ["pulumi", *args, "--non-interactive"]
        done = subprocess.run(
            command, cwd=self.project, env=self.env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS
        )
        result = Result(command, done.returncode, done.stdout, done.stderr)
        if check and done.returncode != 0:
            raise PulumiError(f"`{' '.join(command)}` exited {done.returncode}:\n{result.text[-6000:]}")
        return result

    def _stacked(self, *args: str) -> list[str]:
        return [*args, "--stack", self.stack]

    # -- configuration --------------------------------------------------------------------------------
    def config_set(self, path: str, value: str, *, secret: bool = False) -> None:
        args = ["config", "set", "--path", path, value, *(["--secret"] if secret else ["--plaintext"])]
        self.run(*self._stacked(*args))

    def edit_config(self, key: str, value: Any) -> None:
        """Replace one top-level key with a structured value, as an operator's edit of the stack file does."""
        document = yaml.safe_load(self.config_file.read_text())
        document["config"][key] = value
        self.config_file.write_text(yaml.safe_dump(document, sort_keys=False))

    def config_value(self, key: str) -> Any:
        return yaml.safe_load(self.config_file.read_text())["config"][key]

    @property
    def config_file(self) -> Path:
        return self.project / f"Pulumi.{self.stack}.yaml"

    # -- operations -----------------------------------------------------------------------------------
    def up(self, *extra: str, check: bool = True) -> Result:
        return self.run(*self._stacked("up", "--yes", "--skip-preview", *extra), check=check)

    def preview(self, *extra: str, expect_no_changes: bool = False, check: bool = True) -> Result:
        flags = ["--expect-no-changes"] if expect_no_changes else []
        return self.run(*self._stacked("preview", *flags, *extra), check=check)

    def preview_steps(self, *extra: str) -> list[dict[str, Any]]:
        """The steps of a preview, from its `--json` output: [{"op": ..., "urn": ..., "type": ...}]."""
        result = self.run(*self._stacked("preview", "--json", *extra))
        # A URN's type part is the parents' types and the resource's own, joined by `$`.
        return [
            {"op": s["op"], "urn": s["urn"], "type": s["urn"].split("::")[2].split("$")[-1]}
            for s in json.loads(result.stdout).get("steps", [])
        ]

    def refresh(self, *extra: str, expect_no_changes: bool = False, check: bool = True) -> Result:
        flags = ["--expect-no-changes"] if expect_no_changes else []
        return self.run(*self._stacked("refresh", "--yes", "--skip-preview", *flags, *extra), check=check)

    def destroy(self) -> Result:
        return self.run(*self._stacked("destroy", "--yes", "--skip-preview"))

    def output(self, name: str, *, secret: bool = False) -> Any:
        flags = ["--show-secrets"] if secret else []
        return json.loads(self.run(*self._stacked("stack", "output", name, "--json", *flags)).stdout)

    def state(self) -> dict[str, Any]:
        return json.loads(self.run(*self._stacked("stack", "export")).stdout)

    def resources_of_type(self, type_: str) -> list[dict[str, Any]]:
        return [r for r in self.state()["deployment"].get("resources", []) if r["type"] == type_]

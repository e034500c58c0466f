"""Operators' mistakes in `Pulumi.<stack>.yaml`, run through the offline plan as a pull request would run them:
each is refused with exit code 2 before anything is registered, naming the config path and the value (or
hiding it), or accepted (exit 0) where the engine accepts it too."""

from __future__ import annotations

import runpy

import pytest

from configuration.loader import PROJECT_DIR, engine_config, load_stack
from configuration.parser import ConfigError
from tools.plan import main, run_program
from tools.recording import RecordingMonitor

DEV = (PROJECT_DIR / "Pulumi.dev.yaml").read_text()
PROD = (PROJECT_DIR / "Pulumi.prod.yaml").read_text()


@pytest.fixture
def registered(monkeypatch) -> list[str]:
    """Types the program registered (the root stack aside), observed on the real recording monitor."""
    seen: list[str] = []
    original = RecordingMonitor.RegisterResource

    def spy(self, request):
        if request.type != "pulumi:pulumi:Stack":
            seen.append(request.type)
        return original(self, request)

    monkeypatch.setattr(RecordingMonitor, "RegisterResource", spy)
    return seen


@pytest.fixture
def plan(tmp_path, capsys, registered):
    """plan(text) -> (exit code, stderr) for a stack file with that text."""

    def run(text: str, stack: str = "broken") -> tuple[int, str]:
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(text)
        code = main(["--stack", stack, "--config-dir", str(tmp_path)])
        return code, capsys.readouterr().err

    return run


def edited(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def with_certificate(arn_prefix: str) -> str:
    """Prod with an existing certificate instead of the one the program issues."""
    return edited(
        PROD,
        "    hostedZone: exchange.example.com\n",
        "    hostedZone: exchange.example.com\n"
        f"    tlsCertificateArn: {arn_prefix}certificate/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9\n",
    )


def line_of(text: str, fragment: str, start: int = 0) -> int:
    return text[: text.index(fragment, start)].count("\n") + 1


# -- 1. nothing is silently dropped ---------------------------------------------------------------------------


def test_a_repeated_key_names_both_lines(plan, registered):
    text = DEV + "  polaris-data-exchange:organisations:\n    - name: contoso\n"
    first = line_of(text, "polaris-data-exchange:organisations:")
    second = line_of(text, "polaris-data-exchange:organisations:", text.index("organisations:") + 20)
    code, err = plan(text)
    assert code == 2 and registered == []
    assert (
        f"  - organisations: given at lines {first} and {second} of Pulumi.broken.yaml — expected each key once" in err
    )


def test_the_program_itself_refuses_a_repeated_key_the_engine_dropped(tmp_path, monkeypatch, registered):
    """Under the engine the program only gets the last value; it reads the stack file in its directory."""
    text = edited(DEV, "    - name: acme\n      aws:", "    - name: acme\n      region: x\n      region: y\n      aws:")
    (tmp_path / "Pulumi.dev.yaml").write_text(text)
    flat, secret_keys = engine_config("dev")  # what the CLI hands over: no trace of the repetition
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        run_program(
            lambda: runpy.run_path(str(PROJECT_DIR / "__main__.py"), run_name="__main__"),
            stack="dev",
            config=flat,
            secret_keys=secret_keys,
        )
    line = line_of(text, "region: x")
    assert f"dataOwners[0].region: given at lines {line} and {line + 1} of Pulumi.dev.yaml" in str(caught.value)
    assert registered == []


def test_the_policy_check_and_other_tools_refuse_a_repeated_key_too(tmp_path):
    (tmp_path / "Pulumi.dev.yaml").write_text(
        DEV.replace("  aws:region: eu-west-1\n", "  aws:region: eu-west-1\n  aws:region: us-east-1\n", 1)
    )
    with pytest.raises(ConfigError) as caught:
        load_stack("dev", tmp_path)
    assert "aws:region: given at lines 5 and 6" in str(caught.value)


def test_a_key_under_a_misspelt_project_namespace_is_reported_with_the_intended_key(plan, registered):
    code, err = plan(edited(DEV, "polaris-data-exchange:organisations:", "polaris-data-exchnage:organisations:"))
    assert code == 2 and registered == []
    assert "  - polaris-data-exchnage:organisations: [{'name': 'acme_analytics'" in err
    assert "did you mean 'polaris-data-exchange:organisations'?" in err


@pytest.mark.parametrize(
    "old, new, path, shown",
    [
        (
            "prefixes: [sales, marketing]",
            'prefixes: [sales, "marketing "]',
            "dataOwners[0].storage.prefixes[1]",
            "'marketing '",
        ),
        (
            "locations: [s3://acme-dev-shared-data/sales/]",
            'locations: ["s3://acme-dev-shared-data/sales/ "]',
            "catalogs[0].locations[0]",
            "'s3://acme-dev-shared-data/sales/ '",
        ),
        ("- name: contoso", '- name: " contoso"', "organisations[1].name", "' contoso'"),
    ],
)
def test_leading_or_trailing_whitespace_is_refused(plan, registered, old, new, path, shown):
    code, err = plan(edited(DEV, old, new))
    assert code == 2 and registered == []
    assert f"  - {path}: {shown} — expected no leading or trailing whitespace" in err


def test_names_that_differ_only_by_case_are_refused(plan, registered):
    text = DEV + "    - name: Contoso\n      access:\n        - {catalog: acme_sales, level: read}\n"
    code, err = plan(text)
    assert code == 2 and registered == []
    assert (
        "  - organisations[4].name: 'Contoso' — expected a unique name (also used by organisations[1] as "
        "'contoso': names that differ only by case collide)" in err
    )


# -- 2. no traceback for bad input ----------------------------------------------------------------------------


def test_a_yaml_syntax_error_names_the_file_line_and_column(plan, registered):
    text = edited(DEV, "    replicas: 1\n", "    replicas: 1\n   persistence in-memory: [\n")
    code, err = plan(text)
    assert code == 2 and registered == []
    assert "Traceback" not in err
    assert "  - Pulumi.broken.yaml: line 26, column 4: " in err and "expected valid YAML" in err


def test_unquoted_dates_are_the_strings_they_look_like(tmp_path, capsys, registered):
    text = edited(DEV, "    environment: dev\n", "    environment: dev\n    expires: 2026-12-31\n")
    text = edited(text, "    - name: contoso\n", "    - name: contoso\n      credentialRotation: 2024-06-01\n")
    (tmp_path / "Pulumi.dated.yaml").write_text(text)
    assert main(["--stack", "dated", "--config-dir", str(tmp_path), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"expires": "2026-12-31"' in out  # the tag reaches the providers' default tags as text
    assert load_stack("dated", tmp_path).organisations[1].credential_rotation == "2024-06-01"
    assert registered  # the plan ran


# -- 3. every problem at once, without echoes of fallbacks ----------------------------------------------------


def test_a_key_typo_does_not_hide_a_cross_field_problem(plan, registered):
    text = edited(DEV, "      maxSize: 3\n", "      maxSize: 1\n      diskSizeGB: 80\n")
    text = edited(
        text, "        bucket: acme-dev-shared-data\n", "        bucket: acme-dev-shared-data\n        creat: false\n"
    )
    text = edited(
        text,
        "      gcp:\n        project: globex-dev-data\n",
        '      gcp:\n        project: globex-dev-data\n      aws:\n        accountId: "222222222222"\n'
        "        region: eu-west-1\n        deployRoleArn: arn:aws:iam::222222222222:role/polaris-deployer\n",
    )
    code, err = plan(text)
    assert code == 2 and registered == []
    assert "  - platform.nodeGroup.diskSizeGB: 80 — expected no such key; did you mean 'diskSizeGb'?" in err
    assert "  - platform.nodeGroup: 'min 2, desired 2, max 1' — expected 1 <= minSize <= desiredSize" in err
    assert "  - dataOwners[0].storage.creat: False — expected no such key; did you mean 'create'?" in err
    assert "  - dataOwners[1]: '2 clouds' — expected exactly one of" in err


def test_fallback_values_do_not_echo(plan, registered):
    text = edited(DEV, '    - name: acme\n      aws:\n        accountId: "222222222222"\n', "    - aws:\n")
    text = edited(text, "        bucket: globex-dev-shared-data\n", "")
    text = edited(
        text,
        "      azure:\n        tenantId: 3f1a2b4c-0000-4000-8000-0000000000b2\n"
        "        subscriptionId: 3f1a2b4c-0000-4000-8000-0000000000c3\n"
        "        resourceGroup: initech-dev-data\n        location: westeurope\n",
        "",
    )
    code, err = plan(text)
    assert code == 2 and registered == []
    assert "  - dataOwners[0].name: (missing)" in err and "  - dataOwners[0].aws.accountId: (missing)" in err
    assert "  - dataOwners[2]: '0 clouds' — expected exactly one of" in err
    assert "  - dataOwners[1].storage.bucket: (missing) — expected a GCS bucket name" in err
    for echo in (
        "()",
        "gs://None",
        "a role in account ",
        "is on azure",
        "catalogs[0].dataOwner",
        "catalogs[1].locations",
        "catalogs[2].locations",
    ):
        assert echo not in err


# -- 4. no secret echoed --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "old, new, path",
    [
        ("    realm: POLARIS\n", "    realm: POLARIS\n    clientSecret: hunter2-s3cr3t\n", "polaris.clientSecret"),
        ("    realm: POLARIS\n", "    realm: POLARIS\n    db:\n      password: hunter2-s3cr3t\n", "polaris.db"),
        (
            "  aws:region: eu-west-1\n",
            "  aws:region: eu-west-1\n  polaris-data-exchnage:token: hunter2-s3cr3t\n",
            "polaris-data-exchnage:token",
        ),
        (
            "  aws:region: eu-west-1\n",
            "  aws:region: eu-west-1\n  polaris-data-exchange:apiKey: hunter2-s3cr3t\n",
            "apiKey",
        ),
    ],
)
def test_secret_looking_keys_are_reported_without_their_value(plan, registered, old, new, path):
    code, err = plan(edited(DEV, old, new))
    assert code == 2 and registered == []
    assert f"  - {path}: " in err
    assert "hunter2" not in err


def test_the_message_says_how_to_pass_a_secret(plan):
    _, err = plan(edited(DEV, "    realm: POLARIS\n", "    realm: POLARIS\n    password: hunter2-s3cr3t\n"))
    assert "  - polaris.password: (value not shown: the key's name suggests a secret)" in err
    assert "the program generates every credential it needs" in err and "pulumi config set --secret" in err


# -- 5. what the clouds would refuse at `up` ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, path, expected",
    [
        (
            edited(PROD, "    persistence: postgres\n", ""),
            "polaris.persistence: 'in-memory'",
            "'postgres' in a production stack",
        ),
        (
            with_certificate("arn:aws:acm:us-east-1:111111111111:"),
            "polaris.tlsCertificateArn: 'arn:aws:acm:us-east-1:111111111111:",
            "a certificate of the platform's region eu-west-1 and account 111111111111",
        ),
        (
            with_certificate("arn:aws:acm:eu-west-1:999999999999:"),
            "polaris.tlsCertificateArn: 'arn:aws:acm:eu-west-1:999999999999:",
            "account 111111111111",
        ),
        (
            edited(PROD, "        location: westeurope\n", "        location: West Europe\n"),
            "dataOwners[3].azure.location: 'West Europe'",
            "(did you mean 'westeurope'?)",
        ),
        (
            edited(PROD, "        location: westeurope\n", "        location: europe-west1\n"),
            "dataOwners[3].azure.location: 'europe-west1'",
            "an Azure region name",
        ),
        (
            edited(PROD, "        location: EU\n", "        location: europe-west99\n"),
            "dataOwners[2].gcp.location: 'europe-west99'",
            "a Cloud Storage location",
        ),
        (
            edited(PROD, "    environment: prod\n", f"    environment: prod\n    owner: {'x' * 257}\n"),
            "tags.owner: 'xxx",
            "a tag value of at most 256",
        ),
        (
            edited(PROD, "    environment: prod\n", "    environment: prod\n    aws:team: data\n"),
            "tags.aws:team: 'aws:team'",
            "not starting with 'aws:'",
        ),
        (
            edited(PROD, "    environment: prod\n", "    environment: prod\n    Environment: prod\n"),
            "tags.Environment: 'Environment'",
            "differs from 'environment' by more than case",
        ),
        (
            edited(
                PROD,
                "polarisAllowedCidrs: [198.51.100.0/24, 192.0.2.0/24]",
                "polarisAllowedCidrs: [0.0.0.0/1, 128.0.0.0/1]",
            ),
            "platform.polarisAllowedCidrs: ['0.0.0.0/1', '128.0.0.0/1']",
            "together these CIDRs cover every address",
        ),
        (
            edited(PROD, "apiAllowedCidrs: []", "apiAllowedCidrs: ['::/1', '8000::/1']"),
            "platform.apiAllowedCidrs: ['::/1', '8000::/1']",
            "may not open this to the whole internet",
        ),
    ],
)
def test_what_a_cloud_would_refuse_is_refused_now(plan, registered, text, path, expected):
    code, err = plan(text)
    assert code == 2 and registered == []
    line = next(line for line in err.splitlines() if line.startswith(f"  - {path}"))
    assert expected in line


def test_the_same_cidrs_are_fine_outside_production(plan, registered):
    code, err = plan(edited(DEV, "apiAllowedCidrs: [203.0.113.0/24]", "apiAllowedCidrs: [0.0.0.0/1, 128.0.0.0/1]"))
    assert code == 0, err
    assert registered


# -- 6. messages say the fix ----------------------------------------------------------------------------------


def test_an_unquoted_id_is_told_to_be_quoted(plan, registered):
    code, err = plan(edited(DEV, '        accountId: "222222222222"\n', "        accountId: 022222222222\n"))
    assert code == 2 and registered == []
    line = next(line for line in err.splitlines() if line.startswith("  - dataOwners[0].aws.accountId:"))
    assert "quote it in YAML" in line and "leading zeros" in line


def test_a_bucket_root_location_is_told_to_use_a_shared_prefix(plan, registered):
    code, err = plan(
        edited(DEV, "locations: [s3://acme-dev-shared-data/sales/]", "locations: [s3://acme-dev-shared-data/]")
    )
    assert code == 2 and registered == []
    assert (
        "  - catalogs[0].locations[0]: 's3://acme-dev-shared-data/' — expected a location under one of the "
        "owner's shared prefixes, not the root of the bucket or container" in err
    )
    assert "s3://acme-dev-shared-data/sales/, s3://acme-dev-shared-data/marketing/" in err


def test_a_look_alike_unicode_name_shows_its_code_points(plan, registered):
    code, err = plan(
        edited(
            DEV,
            "        - {catalog: acme_sales, level: write}\n",
            "        - {catalog: \u0430cme_sales, level: write}\n",
        )
    )
    assert code == 2 and registered == []
    assert (
        "  - organisations[0].access[0].catalog: '\u0430cme_sales' (non-ASCII: U+0430 CYRILLIC SMALL LETTER A)"
        " — expected the name of a configured catalog" in err
    )

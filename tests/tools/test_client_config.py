"""Writing client configuration files from the stack output."""

from __future__ import annotations

import io
import json
import stat

import yaml

from tools.client_config import main, render_spark, write_all

CONFIGURATIONS = {
    "contoso": {
        "scope": "PRINCIPAL_ROLE:contoso",
        "spark": {
            "spark.sql.catalog.sales": "org.apache.iceberg.spark.SparkCatalog",
            "spark.sql.catalog.sales.credential": "id:s3cr3t",
        },
        "pyiceberg": {"catalog": {"sales": {"type": "rest", "credential": "id:s3cr3t"}}},
    }
}


def test_writes_owner_only_files(tmp_path):
    written = write_all(CONFIGURATIONS, tmp_path)
    assert sorted(p.name for p in written) == [".pyiceberg.yaml", "spark-defaults.conf"]
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert (
        yaml.safe_load((tmp_path / "contoso" / ".pyiceberg.yaml").read_text()) == CONFIGURATIONS["contoso"]["pyiceberg"]
    )
    assert (
        "spark.sql.catalog.sales.credential id:s3cr3t\n" in (tmp_path / "contoso" / "spark-defaults.conf").read_text()
    )


def test_existing_files_are_tightened(tmp_path):
    target = tmp_path / "contoso" / "spark-defaults.conf"
    target.parent.mkdir()
    target.write_text("old")
    target.chmod(0o644)
    write_all(CONFIGURATIONS, tmp_path)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_spark_rendering_is_sorted_key_value_lines():
    assert render_spark({"b": "2", "a": "1"}) == "a 1\nb 2\n"


def test_masked_output_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps("[secret]")))
    assert main(["--out", str(tmp_path)]) == 2
    assert "--show-secrets" in capsys.readouterr().err


def test_cli_reads_stdin(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(CONFIGURATIONS)))
    assert main(["--out", str(tmp_path)]) == 0
    assert "contoso/.pyiceberg.yaml" in capsys.readouterr().out

"""`make local-up` (tools.local_demo) end to end, destroying at once: the README's first real command works."""

from __future__ import annotations

import stat

import pytest

from tools import local_demo

pytestmark = pytest.mark.real


def test_local_up_writes_every_organisations_client_configuration(pulumi_bin, capsys):
    assert local_demo.main(["--once"]) == 0
    out = capsys.readouterr().out
    written = [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("client configuration: ")]
    assert len(written) == 6  # spark-defaults.conf and .pyiceberg.yaml for each of the three organisations
    for path in written:
        mode = stat.S_IMODE((local_demo.CACHE / path.split("polaris-data-exchange/", 1)[1]).stat().st_mode)
        assert mode == 0o600, path

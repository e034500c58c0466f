"""When CIDRs open an endpoint to the whole internet: together, not only one by one."""

from __future__ import annotations

import pytest

from rules.network import covers_internet


@pytest.mark.parametrize(
    "cidrs, everything",
    [
        (["0.0.0.0/0"], True),
        (["::/0"], True),
        (["0.0.0.0/1", "128.0.0.0/1"], True),  # the Polaris server's old copy looked for 0.0.0.0/0 alone
        (["::/1", "8000::/1"], True),
        (["10.0.0.1/0"], True),  # host bits ignored, as AWS and Kubernetes ignore them
        (["0.0.0.0/0", "not a cidr"], True),
        (["0.0.0.0/1", "192.0.0.0/2"], False),
        (["0.0.0.0/1", "::/1"], False),  # half of each family is not all of either
        (["198.51.100.0/24", "192.0.2.0/24"], False),
        (["not a cidr"], False),
        ([], False),
    ],
)
def test_covers_internet(cidrs, everything):
    assert covers_internet(cidrs) is everything

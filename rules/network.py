"""Addresses: when a set of CIDRs opens an endpoint to the whole internet."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable


def covers_internet(cidrs: Iterable[object]) -> bool:
    """True when the CIDRs together admit every IPv4 or every IPv6 address (`0.0.0.0/1` + `128.0.0.0/1` as much
    as `0.0.0.0/0`); host bits are ignored, as AWS and Kubernetes ignore them. Entries that are not CIDRs are
    ignored: they are reported on their own."""
    v4: list[ipaddress.IPv4Network] = []
    v6: list[ipaddress.IPv6Network] = []
    for cidr in cidrs:
        try:
            network = ipaddress.ip_network(str(cidr), strict=False)
        except ValueError:
            continue
        if isinstance(network, ipaddress.IPv4Network):
            v4.append(network)
        else:
            v6.append(network)
    all_v4 = list(ipaddress.collapse_addresses(v4)) == [ipaddress.IPv4Network("0.0.0.0/0")]
    all_v6 = list(ipaddress.collapse_addresses(v6)) == [ipaddress.IPv6Network("::/0")]
    return all_v4 or all_v6

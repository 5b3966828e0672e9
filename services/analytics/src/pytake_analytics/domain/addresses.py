"""The address a request came from, for the login limits.

The peer of the connection, unless that peer is one of the operator's reverse proxies
(`TRUSTED_PROXIES`: addresses and CIDRs, none by default): then the `X-Forwarded-For` entry
nearest to us that is not itself a trusted proxy. Entries left of it were written by the
client and are never believed, so a client cannot pick the address its failures count against.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(setting: str) -> tuple[Network, ...]:
    """`TRUSTED_PROXIES`: comma-separated addresses and CIDRs (a bad entry is a ValueError)."""
    return tuple(
        ipaddress.ip_network(p.strip(), strict=False) for p in setting.split(",") if p.strip()
    )


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip.version == net.version and ip in net for net in proxies)


def client_address(
    peer: str | None, forwarded_for: Sequence[str], proxies: Sequence[Network]
) -> str:
    peer = peer or "unknown"
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for value in forwarded_for for h in value.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop
    return hops[0] if hops else peer

"""Where a tenant's flow may send HTTP requests (`api_call`, `webhook`): the egress policy.

An organization's admin writes the URLs, and is assumed hostile: a flow must not reach the
platform's own network through the executor (its APIs on loopback, the database, a cloud's
metadata service at 169.254.169.254). Only `http` and `https` are allowed, and only to globally
routable addresses: loopback, private (RFC 1918, ULA), link-local, carrier-grade NAT,
multicast, reserved and unspecified addresses are refused, including when written in an IPv6
form that carries an IPv4 address (IPv4-mapped, 6to4, Teredo, NAT64). An operator widens this
with `EGRESS_ALLOW`: CIDRs (`10.20.0.0/16`), host names (`crm.internal`) and domains
(`.corp.example` for every name under it).

This module is pure (no DNS): `refuse_url` judges what the URL says, `refuse_address` an address
a name resolved to. The executor checks the address it actually connects to, on every redirect
too, so a name that resolves elsewhere the second time (DNS rebinding) gains nothing; publish
uses `refuse_url` to warn about literal URLs.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SCHEMES = ("http", "https")
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def address_kind(address: IPAddress) -> str | None:
    """Why `address` is not a public destination, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner = address_kind(embedded)
            return f"an IPv6 form of {embedded}, {inner}" if inner else None
        if address.is_site_local:
            return "a site-local address"
    checks = (
        ("an unspecified address", address.is_unspecified),
        ("a loopback address", address.is_loopback),
        ("a link-local address (where cloud metadata lives)", address.is_link_local),
        (
            "a carrier-grade NAT address",
            isinstance(address, ipaddress.IPv4Address) and address in _CGNAT,
        ),
        ("a multicast address", address.is_multicast),
        ("a private address", address.is_private),
        ("a reserved address", address.is_reserved),
    )
    for kind, applies in checks:
        if applies:
            return kind
    return None if address.is_global else "an address that is not globally routable"


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address; the server's is public by design
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class EgressPolicy:
    networks: tuple[IPNetwork, ...] = ()
    hosts: tuple[str, ...] = ()  # exact names; a leading dot allows the whole domain

    @classmethod
    def parse(cls, setting: str) -> EgressPolicy:
        """`EGRESS_ALLOW`: comma-separated CIDRs, addresses, host names and `.domains`."""
        networks: list[IPNetwork] = []
        hosts: list[str] = []
        for part in (p.strip().lower() for p in setting.split(",")):
            if not part:
                continue
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                hosts.append(part.removeprefix("*"))
        return cls(tuple(networks), tuple(hosts))

    def host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(host == h or (h.startswith(".") and host.endswith(h)) for h in self.hosts)

    def refuse_address(self, host: str, address: str) -> str | None:
        """Why connecting to `address` (which `host` resolved to) is refused, or None."""
        if self.host_allowed(host):
            return None
        ip = _literal(address)
        if ip is None:
            return f"{address} is not an IP address"
        if any(ip.version == net.version and ip in net for net in self.networks):
            return None
        kind = address_kind(ip)
        if kind is None:
            return None
        named = str(ip) if _literal(host) == ip else f"{host} resolves to {ip}"
        return f"{named}, {kind} (an operator can allow it with EGRESS_ALLOW)"

    def refuse_url(self, url: str) -> str | None:
        """Why `url` is refused on its face (scheme, missing host, a literal address or a
        local name), or None; a name's addresses are judged when it is resolved."""
        try:
            parts = urlsplit(url.strip())
            host = parts.hostname or ""
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError as exc:
            return f"not a URL: {exc}"
        if parts.scheme.lower() not in SCHEMES:
            return f"the scheme {parts.scheme or '(none)'!r} is refused; only http and https"
        if not host:
            return "the URL has no host"
        if _literal(host) is None:
            name = host.rstrip(".")
            if (name in _LOCAL_NAMES or name.endswith(".localhost")) and not self.host_allowed(
                name
            ):
                return f"{host} is this machine (an operator can allow it with EGRESS_ALLOW)"
            return None
        return self.refuse_address(host, host)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None

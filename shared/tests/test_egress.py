"""The egress policy of flows' calls: which destinations a tenant's flow may reach."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytake_shared.egress import EgressPolicy

DEFAULT = EgressPolicy()


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),  # ULA
        ("169.254.169.254", "link-local"),  # AWS, GCP, Azure metadata
        ("fe80::1", "link-local"),
        ("fd00:ec2::254", "private"),  # AWS metadata over IPv6
        ("100.64.0.1", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "private"),  # Python files 240/4 under private: refused either way
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("::ffff:127.0.0.1", "IPv6 form of 127.0.0.1, a loopback"),
        ("::ffff:169.254.169.254", "IPv6 form of 169.254.169.254, a link-local"),
        ("2002:a9fe:a9fe::1", "IPv6 form of 169.254.169.254"),  # 6to4
        ("64:ff9b::7f00:1", "IPv6 form of 127.0.0.1"),  # NAT64
        ("fec0::1", "site-local"),
    ],
)
def test_every_non_public_address_is_refused_with_its_kind(address: str, kind: str) -> None:
    reason = DEFAULT.refuse_address(address, address)
    assert reason is not None and kind in reason


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "2001:4860:4860::8888", "::ffff:8.8.8.8"]
)
def test_public_addresses_are_allowed(address: str) -> None:
    assert DEFAULT.refuse_address("dns.example", address) is None


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_an_ipv4_address_is_allowed_only_when_globally_routable(value: int) -> None:
    ip = ipaddress.IPv4Address(value)
    allowed = DEFAULT.refuse_address(str(ip), str(ip)) is None
    assert allowed == (ip.is_global and not ip.is_multicast)
    # The same address written as IPv4-mapped IPv6 is judged the same.
    mapped = f"::ffff:{ip}"
    assert (DEFAULT.refuse_address(mapped, mapped) is None) == allowed


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("gopher://127.0.0.1:6379/_x", "only http and https"),
        ("http:///path", "no host"),
        ("http://localhost:8000/", "this machine"),
        ("http://api.localhost/", "this machine"),
        ("http://127.0.0.1:8000/api/v1/users", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://169.254.169.254/latest/", "link-local"),
        ("http://example.com:port/", "not a URL"),
    ],
)
def test_a_url_is_refused_on_its_face_for_its_scheme_host_or_literal_address(
    url: str, reason: str
) -> None:
    refusal = DEFAULT.refuse_url(url)
    assert refusal is not None and reason in refusal


def test_a_named_host_is_left_to_the_connect_time_check() -> None:
    assert DEFAULT.refuse_url("https://crm.example.com/customers?x=1") is None


def test_the_operator_allowlist_takes_cidrs_names_and_domains() -> None:
    policy = EgressPolicy.parse(
        " 10.20.0.0/16, crm.internal ,.corp.example, *.svc.local, localhost"
    )
    assert policy.refuse_address("x", "10.20.3.4") is None
    assert policy.refuse_address("x", "10.21.3.4") is not None
    assert policy.refuse_address("crm.internal", "127.0.0.1") is None
    assert policy.refuse_address("a.b.corp.example", "10.9.9.9") is None
    assert policy.refuse_address("corp.example.evil.com", "10.9.9.9") is not None
    assert policy.refuse_address("api.svc.local", "10.0.0.1") is None
    assert policy.refuse_url("http://localhost/") is None
    assert policy.refuse_address("x", "::ffff:10.20.0.1") is not None  # IPv4 CIDRs stay IPv4

"""No default secrets outside dev: each service refuses to start without fit secrets, saying
which variable in one line, before it connects to anything."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pytake_shared.secrets import generate

NEEDS = {
    "pytake_ingress": {"PYTAKE_CONFIG_KEY", "META_APP_SECRET"},
    "pytake_router": {"PYTAKE_CONFIG_KEY"},
    "pytake_executor": {"PYTAKE_CONFIG_KEY"},
    "pytake_sender": {"PYTAKE_CONFIG_KEY"},
    "pytake_analytics": {"PYTAKE_CONFIG_KEY", "JWT_SECRET", "PYTAKE_ADMIN_PASSWORD"},
}
ALL = set().union(*NEEDS.values())


def _start(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ALL | {"PYTAKE_ADMIN_EMAIL"}}
    # An unreachable broker: a service that got past the check would hang, not exit 2.
    base.update(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1", PYTAKE_ADMIN_EMAIL="ops@example.com")
    return subprocess.run(
        [sys.executable, "-m", module],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("module", sorted(NEEDS))
def test_a_service_without_its_secrets_refuses_to_start_naming_each(module: str) -> None:
    result = _start(module, {})
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    named = {line.split(": refusing to start: ")[1].split()[0] for line in lines}
    assert named == NEEDS[module], result.stderr


@pytest.mark.parametrize("module", ["pytake_ingress", "pytake_analytics"])
def test_published_or_short_values_are_refused_too(module: str) -> None:
    env = {
        "PYTAKE_CONFIG_KEY": "dev-only-config-key-change-me",  # the old default
        "META_APP_SECRET": "dev-app-secret",
        "JWT_SECRET": "dev-only-jwt-secret-change-me-0123456789",
        "PYTAKE_ADMIN_PASSWORD": "short",
    }
    result = _start(module, env)
    assert result.returncode == 2
    assert "PYTAKE_CONFIG_KEY is a value published" in result.stderr
    if module == "pytake_analytics":
        assert "JWT_SECRET is a value published" in result.stderr
        assert "PYTAKE_ADMIN_PASSWORD is shorter than 12" in result.stderr


def test_fit_secrets_get_past_the_check() -> None:
    env = {"PYTAKE_CONFIG_KEY": generate(), "META_APP_SECRET": generate()}
    base = {k: v for k, v in os.environ.items() if k not in ALL}
    base["KAFKA_BOOTSTRAP_SERVERS"] = "127.0.0.1:1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytake_ingress"],
        env={**base, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=3)  # waiting for the broker, not refusing
    finally:
        proc.kill()
        out, _ = proc.communicate()
    assert "refusing to start" not in out

"""The secrets of `pytake dev`, and `pytake secrets generate` for real deployments.

No service has a default secret (`pytake_shared.secrets`). `pytake dev` makes its own once per
checkout, random, in `.pytake/dev-secrets.json` (mode 0600, ignored by git), and reuses them
on every run so the banner's signed `curl`, `pytake chat` and the admin login stay valid from
one run to the next. A variable the user exported wins over the file (a real Meta app's
secret, say). `pytake secrets generate` writes the `.env` that `docker compose` reads.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from pytake_shared.secrets import generate

DEV_FILE = Path(".pytake/dev-secrets.json")
# The variables `pytake dev` needs, and how long a generated value is (bytes of randomness).
DEV_SECRETS = {
    "META_APP_SECRET": 24,
    "WEBHOOK_VERIFY_TOKEN": 16,
    "PYTAKE_CONFIG_KEY": 32,
    "JWT_SECRET": 32,
    "PYTAKE_ADMIN_PASSWORD": 12,
    "PYTAKE_DEMO_ACCESS_TOKEN": 24,
}


def dev_secrets(path: Path = DEV_FILE, environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The dev secrets: the environment's where set, else this checkout's (made once)."""
    stored: dict[str, str] = {}
    if path.exists():
        stored = {k: str(v) for k, v in json.loads(path.read_text()).items()}
    missing = {name: generate(n) for name, n in DEV_SECRETS.items() if not stored.get(name)}
    if missing:
        stored.update(missing)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(stored, indent=2) + "\n")
    return {name: environ.get(name) or stored[name] for name in DEV_SECRETS}


def env_file(*, admin_email: str, app_secret: str | None) -> str:
    """An `.env` for docker compose with a fresh random value for every secret."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"# PyTake secrets for docker compose, made by `pytake secrets generate` on {stamp}.",
        "# Keep this file out of version control; compose refuses to start while one is empty.",
        f"PYTAKE_CONFIG_KEY={generate(32)}",
        f"JWT_SECRET={generate(32)}",
        f"WEBHOOK_VERIFY_TOKEN={generate(16)}",
        f"POSTGRES_PASSWORD={generate(24)}",
        f"PYTAKE_ADMIN_EMAIL={admin_email}",
        f"PYTAKE_ADMIN_PASSWORD={generate(12)}",
        "# Your Meta app's secret (developers.facebook.com > your app > App settings > Basic).",
        f"META_APP_SECRET={app_secret or ''}",
    ]
    return "\n".join(lines) + "\n"

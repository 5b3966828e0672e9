"""`pytake dev` (what `make dev` runs): up with embedded defaults, answers, and Ctrl-C leaves
no process behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from pytake_shared.testing.embedded import free_port
from pytake_tools.stack import DEFAULT_PORTS
from pytake_tools.webhooks import signed, text_webhook

pytestmark = pytest.mark.e2e


def test_dev_runs_everything_and_ctrl_c_stops_every_process(tmp_path: Path) -> None:
    ports = {name: free_port() for name in DEFAULT_PORTS}
    argv = [sys.executable, "-m", "pytake_tools.cli", "dev", "--log-dir", str(tmp_path / "logs")]
    for name, port in ports.items():
        argv += [f"--{name}-port", str(port)]
    env = {
        k: v for k, v in os.environ.items() if k not in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL")
    }
    # The user's own app secret wins over the checkout's generated one.
    env["META_APP_SECRET"] = "the-users-own-meta-app-secret"
    started = time.monotonic()
    proc = subprocess.Popen(
        argv, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if "API login" in line:
                break
        up_after = time.monotonic() - started
        assert any("PyTake is up" in line for line in lines), "".join(lines)
        assert f"http://127.0.0.1:{ports['analytics']}/console/" in "".join(lines)  # and its login
        # A guard against a hang, not a speed target: on a busy machine start-up takes 15-40 s.
        assert up_after < 120, f"make dev took {up_after:.1f}s to be up"
        family = psutil.Process(proc.pid).children(recursive=True)
        assert len(family) >= 7  # broker, postgres, 5 services, simulator

        dev = json.loads((tmp_path / ".pytake" / "dev-secrets.json").read_text())
        assert (tmp_path / ".pytake" / "dev-secrets.json").stat().st_mode & 0o077 == 0
        assert dev["PYTAKE_ADMIN_PASSWORD"] in "".join(lines)  # the banner tells the login
        body, headers = signed(
            "the-users-own-meta-app-secret",
            text_webhook("100000000000001", "551199", "hi", name="Ada"),
        )
        sim = f"http://127.0.0.1:{ports['metasim']}/_sim/messages"
        with httpx.Client(timeout=5) as client:
            hook = f"http://127.0.0.1:{ports['ingress']}/api/v1/whatsapp/webhook"
            assert client.post(hook, content=body, headers=headers).status_code == 200
            deadline = time.monotonic() + 30
            messages: list[dict[str, object]] = []
            while time.monotonic() < deadline and not messages:
                messages = client.get(sim).json()["messages"]
                time.sleep(0.2)
            assert messages, "the demo bot did not reply"
            assert "Hello Ada" in str(messages[0]["body"])
            # The banner's admin login works, and the conversation shows up in the API.
            api = f"http://127.0.0.1:{ports['analytics']}/api/v1"
            login = client.post(
                f"{api}/auth/login",
                json={"email": "admin@pytake.dev", "password": dev["PYTAKE_ADMIN_PASSWORD"]},
            )
            assert login.status_code == 200, login.text
            auth = {"Authorization": f"Bearer {login.json()['token']['access_token']}"}
            deadline = time.monotonic() + 30
            listed: list[dict[str, object]] = []
            while time.monotonic() < deadline and not listed:
                listed = client.get(f"{api}/conversations", headers=auth).json()["conversations"]
                time.sleep(0.2)
            assert [c["phone"] for c in listed] == ["551199"], listed
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, "".join(lines) + out
    assert "no process left behind" in out
    _, alive = psutil.wait_procs(family, timeout=10)
    assert alive == [], f"left behind: {[p.pid for p in alive]}"

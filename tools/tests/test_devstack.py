"""The tools find a running `pytake dev` stack of their checkout, and say plainly when no
broker answers."""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
from contextlib import redirect_stderr
from pathlib import Path

from pytake_tools import devstack, trace
from pytake_tools.operator import run


def test_the_running_stacks_settings_are_the_tools_defaults(tmp_path: Path) -> None:
    path = tmp_path / "dev.env"
    devstack.write({"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:49425"}, path)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    found = devstack.default("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092", {}, path)
    assert found == "127.0.0.1:49425"
    # What the user exported wins.
    exported = {"KAFKA_BOOTSTRAP_SERVERS": "kafka:9092"}
    assert devstack.default("KAFKA_BOOTSTRAP_SERVERS", "x", exported, path) == "kafka:9092"
    devstack.remove(path)
    assert devstack.default("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092", {}, path) == (
        "127.0.0.1:9092"
    )


def test_a_file_left_by_a_stack_that_was_killed_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "dev.env"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    path.write_text(f"KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:1\n{devstack.PID}={gone.pid}\n")
    assert devstack.running(path) == {}
    assert devstack.default("KAFKA_BOOTSTRAP_SERVERS", "fallback", {}, path) == "fallback"
    path.write_text(f"KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:2\n{devstack.PID}={os.getpid()}\n")
    assert devstack.running(path)["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:2"


def test_a_tool_without_a_broker_says_so_instead_of_a_traceback() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = argparse.Namespace(
        bootstrap=f"127.0.0.1:{port}",
        namespace="",
        progress=False,
        idle_timeout=0.5,
        json=False,
        key=None,
        limit=100,
        wamid="wamid.X",
    )
    err = io.StringIO()
    with redirect_stderr(err):
        code = run(trace.run(args, io.StringIO(), io.StringIO()))
    assert code == 2
    assert f"127.0.0.1', {port}" in err.getvalue() or str(port) in err.getvalue()
    assert "--bootstrap" in err.getvalue()

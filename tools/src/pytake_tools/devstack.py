"""Where a running `pytake dev` stack is, for the tools run beside it in the same checkout.

While it runs, `pytake dev` keeps `.pytake/dev.env` (`KEY=value` lines a shell can source:
the broker, the database, the topic namespace, and its own pid); it removes the file when it
stops. The operator tools (`pytake trace`, `dlq`, `replay`, `topics`) take their defaults from
the environment first, then from that file if the stack that wrote it still runs, then the
usual local defaults, so `pytake trace WAMID` in a second terminal finds the dev stack without
copying its ports.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

DEV_ENV = Path(".pytake/dev.env")
PID = "PYTAKE_DEV_PID"


def write(values: Mapping[str, str], path: Path = DEV_ENV) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={value}" for key, value in sorted(values.items())]
    # Readable by its owner only: the database URL carries its password.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("\n".join([*lines, f"{PID}={os.getpid()}", ""]))


def remove(path: Path = DEV_ENV) -> None:
    path.unlink(missing_ok=True)


def running(path: Path = DEV_ENV) -> dict[str, str]:
    """The settings of the dev stack that wrote `path`, if it still runs; else nothing."""
    try:
        text = path.read_text()
    except OSError:
        return {}
    values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    try:
        os.kill(int(values.get(PID, "")), 0)
    except (ValueError, ProcessLookupError):
        return {}  # left behind by a stack that was killed
    except PermissionError:
        pass  # alive, someone else's
    return values


def default(
    name: str, fallback: str, environ: Mapping[str, str] = os.environ, path: Path = DEV_ENV
) -> str:
    """`name` as the tools should default it: exported, else the running dev stack's."""
    return environ.get(name) or running(path).get(name) or fallback

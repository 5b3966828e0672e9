"""Turning records into a readable timeline: time arguments, filters and one-line summaries.

A timeline line reads `time  p<partition>@<offset>  type  key  summary`, where the type drops
the `pytake.` prefix and the summary picks the few fields an operator looks for first (the
text of a message, the node entered, the reason of a close...), else the first scalar fields.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pytake_shared.history import Entry
from pytake_shared.summary import summarize

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_time(value: str, now: datetime | None = None) -> datetime:
    """An ISO time (naive means UTC), an epoch in seconds, or `30s`/`15m`/`1h`/`2d`/`1w` ago."""
    now = now or datetime.now(UTC)
    match = _RELATIVE.match(value)
    if match:
        return now - timedelta(seconds=float(match.group(1)) * _UNITS[match.group(2)])
    if re.fullmatch(r"\d{9,11}(\.\d+)?", value.strip()):
        return datetime.fromtimestamp(float(value), UTC)
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"not a time: {value!r} (ISO, epoch seconds, or 30s/15m/1h/2d)") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Filters:
    organization: str | None = None
    contact: str | None = None
    types: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None

    @property
    def needs_envelope(self) -> bool:
        return self.organization is not None or bool(self.types)

    def match(self, entry: Entry) -> bool:
        if self.since is not None and entry.time < self.since:
            return False
        if self.until is not None and entry.time > self.until:
            return False
        if self.contact is not None and not key_matches(entry.key, self.contact):
            return False
        env = entry.envelope
        if env is None:
            return not self.needs_envelope
        if self.organization is not None and env.organization_id != self.organization:
            return False
        return not self.types or any(type_matches(env.type, t) for t in self.types)


def key_matches(key: str | None, contact: str) -> bool:
    """`contact` is the whole key `<phone_number_id>:<contact>` or only its contact part
    (a leading `+` ignored)."""
    if key is None:
        return False
    if key == contact:
        return True
    _, sep, part = key.partition(":")
    return bool(sep) and part == contact.lstrip("+")


def type_matches(type_: str, pattern: str) -> bool:
    """A glob on the type; a pattern without `pytake.` also matches under that prefix."""
    if fnmatch.fnmatchcase(type_, pattern):
        return True
    return type_.startswith("pytake.") and fnmatch.fnmatchcase(type_[len("pytake.") :], pattern)


def short_type(type_: str) -> str:
    return type_.removeprefix("pytake.")


def fmt_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def timeline_line(entry: Entry) -> str:
    where = f"p{entry.partition}@{entry.offset}"
    key = entry.key or "-"
    if entry.envelope is None:
        return f"{fmt_time(entry.time)}  {where:<8}  {'<undecodable>':<36}  {key}  {entry.error}"
    env = entry.envelope
    return (
        f"{fmt_time(entry.time)}  {where:<8}  {short_type(env.type):<36}  {key}  "
        f"{summarize(env.type, env.data)}"
    ).rstrip()

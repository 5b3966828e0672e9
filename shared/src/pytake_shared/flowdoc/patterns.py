"""The regular expressions of flows (`matches` conditions), on RE2: linear in the input.

A flow's author is another tenant, so a pattern must not be able to hold the executor: Python's
backtracking `re` takes exponential time on `^(a+)+$` against `aaaa…!`. RE2 never backtracks;
the price is that backreferences and lookaround are not supported, which publish-time
validation reports (`check`) with RE2's own words. Patterns are bounded in length and in the
memory RE2 may give their compiled program, subjects in length, and compiled patterns are kept
in a small cache because the same few patterns run for every conversation.
"""

from __future__ import annotations

import functools
from typing import Any

import re2

MAX_PATTERN = 500
MAX_SUBJECT = 10_000
MAX_PROGRAM_BYTES = 1 << 20


class PatternError(ValueError):
    """A pattern RE2 will not run: its reason is fit to show next to the field."""


def _options() -> Any:
    options = re2.Options()
    options.max_mem = MAX_PROGRAM_BYTES
    options.log_errors = False  # the error is returned, not printed on stderr
    return options


_OPTIONS = _options()


@functools.lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> Any:
    """The compiled pattern; `PatternError` when it is too long, invalid or unsupported."""
    if len(pattern) > MAX_PATTERN:
        raise PatternError(f"a pattern of {len(pattern)} characters; at most {MAX_PATTERN}")
    try:
        return re2.compile(pattern, options=_OPTIONS)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode(errors="replace") if isinstance(reason, bytes) else str(reason)
        raise PatternError(f"not a pattern PyTake can run (RE2): {text}") from exc


def check(pattern: str) -> str | None:
    """Why `pattern` cannot be run, or None when it can."""
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        return str(exc)
    return None


def search(pattern: str, subject: str) -> bool:
    """Whether `pattern` occurs in (the first `MAX_SUBJECT` characters of) `subject`; a
    pattern that cannot be run matches nothing."""
    try:
        compiled = compile_pattern(pattern)
    except PatternError:
        return False
    return compiled.search(subject[:MAX_SUBJECT]) is not None

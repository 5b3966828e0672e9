"""A one-line progress reporter on stderr for long operator commands (replay, rebuilds).

`Progress(total, label)` counts work done with `advance(n)` and redraws one line at most
`redraw_hz` times a second: done/total, percent, rate and elapsed time. It shows only when the
stream is a terminal or when asked (`enabled=True`, the commands' `--progress`), so piped output
and logs stay clean. `close()` draws the final count and ends the line. The total may be unknown
(`None`) or too small (the dev broker under-reports end offsets): the count is then shown
without a percentage past 100.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO


class Progress:
    def __init__(
        self,
        total: int | None,
        label: str,
        *,
        stream: TextIO | None = None,
        enabled: bool | None = None,
        redraw_hz: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.label = label
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        self.enabled = _is_tty(self._stream) if enabled is None else enabled
        self._interval = 1.0 / redraw_hz if redraw_hz > 0 else 0.0
        self._clock = clock
        self._started = clock()
        self._drawn_at: float | None = None
        self._width = 0
        self._closed = False

    def advance(self, n: int = 1) -> None:
        """Count `n` more units done; redraws when the last draw is old enough."""
        self.done += n
        if not self.enabled or self._closed:
            return
        now = self._clock()
        if self._drawn_at is None or now - self._drawn_at >= self._interval:
            self._draw(now)

    def set_total(self, total: int | None) -> None:
        """Change the total (e.g. once it is known, or when it turns out larger)."""
        self.total = total

    def close(self) -> None:
        """Draw the final line and end it; later calls and advances do nothing."""
        if self._closed:
            return
        if self.enabled:
            self._draw(self._clock())
            self._stream.write("\n")
            self._stream.flush()
        self._closed = True

    def line(self, now: float | None = None) -> str:
        """The text of the progress line as it would be drawn at `now`."""
        elapsed = max(0.0, (self._clock() if now is None else now) - self._started)
        rate = self.done / elapsed if elapsed > 0 else 0.0
        count = f"{self.done:,}" if self.total is None else f"{self.done:,}/{self.total:,}"
        parts = [f"{self.label}: {count}"]
        if self.total and self.done <= self.total:
            parts.append(f"{100 * self.done / self.total:5.1f}%")
        parts.append(f"{_human(rate)}/s")
        parts.append(f"{elapsed:.1f}s")
        return "  ".join(parts)

    def _draw(self, now: float) -> None:
        text = self.line(now)
        pad = " " * max(0, self._width - len(text))
        self._stream.write("\r" + text + pad)
        self._stream.flush()
        self._width = len(text)
        self._drawn_at = now

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _human(rate: float) -> str:
    if rate >= 1_000_000:
        return f"{rate / 1_000_000:.1f}M"
    if rate >= 10_000:
        return f"{rate / 1_000:.0f}k"
    return f"{rate:.0f}"

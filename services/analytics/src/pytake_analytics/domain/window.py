"""Meta's 24-hour customer-service window, as an agent sees it (pure; time comes in).

Within 24 hours of the contact's last message any message may be sent; after that only an
approved template, until the contact writes again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Window:
    active: bool
    hours_remaining: float
    expires_at: datetime | None

    @property
    def status(self) -> str:
        return "active" if self.active else "expired"

    @property
    def template_required(self) -> bool:
        return not self.active


def window(last_inbound_at: datetime | None, now: datetime) -> Window:
    if last_inbound_at is None:
        return Window(False, 0.0, None)
    expires = last_inbound_at + WINDOW
    left = (expires - now).total_seconds()
    return Window(left > 0, round(max(0.0, left) / 3600, 2), expires)

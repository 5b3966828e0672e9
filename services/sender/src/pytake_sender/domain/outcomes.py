"""What a Graph API answer means for the message: accepted, retry, or never.

Classification keys on Meta's `error.code` first and the HTTP status second
(`reference/meta-cloud-api.md` §6). A timeout is indefinite: Meta may have accepted the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Verdict = Literal["accepted", "retry", "permanent"]

# Throttling and transient server-side conditions: worth retrying with backoff.
RETRYABLE_CODES = frozenset({1, 2, 4, 613, 80007, 130429, 131000, 131016, 131056, 131057, 133004})


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    wamid: str | None = None
    code: int | None = None
    reason: str = ""


def classify(status: int, body: Any) -> Outcome:
    error = body.get("error") if isinstance(body, dict) else None
    if 200 <= status < 300 and not error:
        messages = body.get("messages") if isinstance(body, dict) else None
        wamid = messages[0].get("id") if isinstance(messages, list) and messages else None
        return Outcome("accepted", wamid=wamid)
    code = error.get("code") if isinstance(error, dict) else None
    code = code if isinstance(code, int) else None
    message = str(error.get("message", "")) if isinstance(error, dict) else f"HTTP {status}"
    if code in RETRYABLE_CODES or (code is None and (status == 429 or status >= 500)):
        return Outcome("retry", code=code, reason=message)
    return Outcome("permanent", code=code, reason=message)

"""Meta's template list, read through the Graph API: `GET /{waba-id}/message_templates`.

Pages are followed with the `after` cursor on our own base URL (never the `next` link's host)
until a page has no `next`. Errors are sorted by what the caller must do: Meta unreachable, a
5xx or a rate limit (4, 80007, 80008, 613) is `TransientError` (try again later); any other
refusal (a bad token, an unknown WABA) is `TemplateSourceRefused` (fix the number's settings).
"""

from __future__ import annotations

from typing import Any

import httpx

from pytake_shared.errors import TransientError

RATE_LIMITS = frozenset({4, 613, 80007, 80008})
PAGE = 100
MAX_PAGES = 100  # 10,000 templates: more than Meta's cap of 6,000 per WABA


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class TemplateSourceRefused(Exception):
    """Meta refused the listing for good (code and message as it said them)."""

    def __init__(self, code: int | None, message: str) -> None:
        super().__init__(f"Graph API refused the template list (code {code}): {message}")
        self.code = code


class TemplateSource:
    def __init__(
        self,
        base_url: str,
        version: str,
        timeout_s: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._version = version
        self._client = httpx.AsyncClient(timeout=timeout_s, transport=transport)

    async def close(self) -> None:
        await self._client.aclose()

    async def fetch(self, waba_id: str, token: str) -> list[dict[str, Any]]:
        url = f"{self._base}/{self._version}/{waba_id}/message_templates"
        params: dict[str, Any] = {"limit": PAGE}
        found: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            body = await self._get(url, token, params)
            data = body.get("data")
            if isinstance(data, list):
                found.extend(d for d in data if isinstance(d, dict))
            paging = _dict(body.get("paging"))
            after = _dict(paging.get("cursors")).get("after")
            if not paging.get("next") or not isinstance(after, str):
                return found
            params = {"limit": PAGE, "after": after}
        raise TemplateSourceRefused(None, f"more than {MAX_PAGES} pages of templates")

    async def _get(self, url: str, token: str, params: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._client.get(
                url, params=params, headers={"Authorization": f"Bearer {token}"}
            )
        except httpx.TransportError as exc:
            raise TransientError(f"Graph API unreachable: {exc!r}") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        body = _dict(body)
        error = body.get("error") if isinstance(body.get("error"), dict) else None
        if response.status_code == 200 and error is None:
            return body
        code = error.get("code") if error else None
        message = str(error.get("message", "")) if error else f"HTTP {response.status_code}"
        if response.status_code >= 500 or response.status_code == 429 or code in RATE_LIMITS:
            raise TransientError(f"Graph API {response.status_code} ({code}): {message}")
        raise TemplateSourceRefused(code if isinstance(code, int) else None, message)

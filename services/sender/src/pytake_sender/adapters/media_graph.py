"""The Graph API's media calls: `GET /{media-id}`, the download, `POST /{phone-number-id}/media`.

Meta's answers are translated into what the caller must do: `MediaUnavailable` (a
`TransientError`: Meta unreachable, throttling or a 5xx; retry until it is back), `UrlExpired`
(the download URL answered 404: ask for a fresh one), `MediaRefused` (Meta refused this media
for good: unknown or expired id, a bad token, a file it will not take), with Meta's code and
words. A download stops reading past the caller's cap, so a huge file never fills memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from pytake_shared.errors import PyTakeError, TransientError


class MediaUnavailable(TransientError):
    """Meta could not be reached or answered 429/5xx: retry the same call later."""


class UrlExpired(PyTakeError):
    """The download URL is gone (Meta's URLs last minutes): get a fresh one."""


class MediaRefused(PyTakeError):
    """Meta refused the media for good."""

    def __init__(self, reason: str, code: int | None = None, http_status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.http_status = http_status


@dataclass(frozen=True)
class MediaInfo:
    url: str
    mime_type: str | None
    sha256: str | None
    file_size: Any  # a string in Meta's schema, an int in some SDKs' examples


class MediaGraph:
    def __init__(self, base_url: str, version: str, timeout_s: float) -> None:
        self._base = base_url.rstrip("/")
        self._version = version
        self._timeout = aiohttp.ClientTimeout(total=None, connect=timeout_s, sock_read=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:  # made on first use, inside the running event loop
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def info(self, media_id: str, token: str, phone_number_id: str) -> MediaInfo:
        url = f"{self._base}/{self._version}/{media_id}"
        params = {"phone_number_id": phone_number_id}
        status, body = await self._json("GET", url, token, params=params)
        if status != 200 or not isinstance(body.get("url"), str):
            raise refusal(status, body)
        return MediaInfo(
            body["url"], body.get("mime_type"), body.get("sha256"), body.get("file_size")
        )

    async def download(self, url: str, token: str, max_bytes: int) -> tuple[bytes, str | None]:
        """The file's bytes and Content-Type; `MediaRefused` past `max_bytes`."""
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with self._client().get(url, headers=headers) as answer:
                if answer.status == 404:
                    raise UrlExpired(f"download URL answered 404: {url[:80]}")
                if answer.status != 200:
                    raise refusal(answer.status, _parse(await answer.read()))
                data = await answer.content.read(max_bytes + 1)
                if len(data) > max_bytes:
                    raise MediaRefused(f"over {max_bytes} bytes (download stopped)")
                return data, answer.headers.get("Content-Type")
        except aiohttp.ClientError as exc:
            raise MediaUnavailable(f"media download failed: {exc!r}") from exc
        except TimeoutError as exc:
            raise MediaUnavailable(f"media download timed out: {exc!r}") from exc

    async def upload(
        self, phone_number_id: str, token: str, data: bytes, mime_type: str, filename: str
    ) -> str:
        """Meta's media id for `data`, uploaded to the number."""
        form = aiohttp.FormData()
        form.add_field("messaging_product", "whatsapp")
        form.add_field("type", mime_type)
        form.add_field("file", data, filename=filename, content_type=mime_type)
        url = f"{self._base}/{self._version}/{phone_number_id}/media"
        status, body = await self._json("POST", url, token, data=form)
        if status != 200 or not isinstance(body.get("id"), str):
            raise refusal(status, body)
        return str(body["id"])

    async def _json(self, method: str, url: str, token: str, **kwargs: Any) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with self._client().request(method, url, headers=headers, **kwargs) as answer:
                return answer.status, _parse(await answer.read())
        except aiohttp.ClientError as exc:
            raise MediaUnavailable(f"Graph API unreachable: {exc!r}") from exc
        except TimeoutError as exc:
            raise MediaUnavailable(f"Graph API did not answer in time: {exc!r}") from exc


def _parse(content: bytes) -> dict[str, Any]:
    try:
        parsed = orjson.loads(content)
    except orjson.JSONDecodeError:
        return {"raw": content[:300].decode("utf-8", "replace")}
    return parsed if isinstance(parsed, dict) else {"raw": parsed}


def refusal(status: int, body: dict[str, Any]) -> Exception:
    """What an answer other than success means: retry later (429, 5xx) or refused for good."""
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    assert isinstance(error, dict)
    code = error.get("code") if isinstance(error.get("code"), int) else None
    details = (
        (error.get("error_data") or {}).get("details")
        if isinstance(error.get("error_data"), dict)
        else None
    )
    words = details or error.get("message") or body.get("raw") or "no reason given"
    if status == 429 or status >= 500:
        return MediaUnavailable(f"Graph API {status} (code {code}): {words}")
    return MediaRefused(f"Meta refused it ({status}, code {code}): {words}", code, status)

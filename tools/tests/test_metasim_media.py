"""The simulated media endpoints: upload, retrieve, the download URL, delete, and a contact's
photo as a signed webhook."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

from pytake_tools.metasim.media import MediaStore
from pytake_tools.metasim.testing import LocalSimulator, WebhookInbox
from pytake_tools.metasim.webhooks import sign

SimFactory = Callable[..., AbstractAsyncContextManager[LocalSimulator]]
AUTH = {"Authorization": "Bearer test-token"}
NUMBER = "106540352242922"


async def upload(sim: LocalSimulator, data: bytes, mime: str, **extra: str) -> dict[str, object]:
    response = await sim.client.post(
        f"/v25.0/{NUMBER}/media",
        data={"messaging_product": "whatsapp", "type": mime, **extra},
        files={"file": ("x", data, mime)},
        headers=AUTH,
    )
    answer: dict[str, object] = response.json()
    answer["_status"] = response.status_code
    return answer


async def test_an_uploaded_file_is_retrieved_and_downloaded_with_the_token(
    make_sim: SimFactory,
) -> None:
    async with make_sim() as sim:
        uploaded = await upload(sim, b"\x89PNG-bytes", "image/png")
        assert uploaded["_status"] == 200 and str(uploaded["id"]).isdigit()
        info = (await sim.client.get(f"/v25.0/{uploaded['id']}", headers=AUTH)).json()
        assert info["mime_type"] == "image/png"
        assert info["file_size"] == str(len(b"\x89PNG-bytes"))  # a string, as Meta's schema
        assert info["sha256"] == hashlib.sha256(b"\x89PNG-bytes").hexdigest()
        assert set(info) == {"messaging_product", "url", "mime_type", "sha256", "file_size", "id"}
        assert (await sim.client.get(info["url"])).status_code == 401  # no token
        got = await sim.client.get(info["url"], headers=AUTH)
        assert got.status_code == 200 and got.content == b"\x89PNG-bytes"
        assert got.headers["content-type"] == "image/png"


async def test_uploads_breaking_meta_limits_are_refused_with_131053(make_sim: SimFactory) -> None:
    async with make_sim() as sim:
        too_big = await upload(sim, b"x" * (500 * 1024 + 1), "image/webp")
        unsupported = await upload(sim, b"GIF89a", "image/gif")
    assert too_big["_status"] == 400
    assert too_big["error"]["code"] == 131053  # type: ignore[index]
    assert unsupported["error"]["code"] == 131053  # type: ignore[index]


async def test_a_deleted_or_unknown_media_is_metas_code_100(make_sim: SimFactory) -> None:
    async with make_sim() as sim:
        uploaded = await upload(sim, b"%PDF-1.4", "application/pdf")
        gone = await sim.client.delete(f"/v25.0/{uploaded['id']}", headers=AUTH)
        assert gone.json() == {"success": True}
        again = await sim.client.get(f"/v25.0/{uploaded['id']}", headers=AUTH)
        other = await sim.client.get(
            f"/v25.0/{uploaded['id']}", params={"phone_number_id": "1"}, headers=AUTH
        )
    assert again.status_code == 400
    assert again.json()["error"]["code"] == 100
    assert again.json()["error"]["error_subcode"] == 33
    assert other.status_code == 400


async def test_the_media_error_fault_answers_500(make_sim: SimFactory) -> None:
    async with make_sim(media_error_rate=1.0) as sim:
        response = await sim.client.get("/v25.0/123", headers=AUTH)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == 131000


def test_a_download_url_stops_working_after_its_lifetime() -> None:
    now = [1000.0]
    store = MediaStore(url_ttl_s=300, wall_clock=lambda: now[0])
    file = store.add(NUMBER, b"data", "image/jpeg", ttl_s=7 * 86400)
    url = store.url("http://metasim/", file)
    query = dict(part.split("=") for part in url.split("?", 1)[1].split("&"))
    assert store.by_url(query["mid"], query["ext"], query["hash"]) == file
    assert store.by_url(query["mid"], query["ext"], "0" * 20) is None  # not ours
    now[0] += 300
    assert store.by_url(query["mid"], query["ext"], query["hash"]) is None
    assert store.get(file.id) == file  # the id lives on: a fresh URL works
    now[0] += 7 * 86400
    assert store.get(file.id) is None  # webhook media: 7 days


async def test_a_contact_sends_a_photo_as_a_signed_image_webhook(
    make_sim: SimFactory, inbox: WebhookInbox
) -> None:
    async with make_sim(webhook_url="http://receiver/hook", app_secret="s3cret") as sim:
        sent = (
            await sim.client.post(
                "/_sim/contacts/5511988887777/media",
                json={"phone_number_id": NUMBER, "caption": "my cat"},
            )
        ).json()
        info = (await sim.client.get(f"/v25.0/{sent['media_id']}", headers=AUTH)).json()
        data = (await sim.client.get(info["url"], headers=AUTH)).content
    [request] = inbox.requests
    assert request.headers["X-Hub-Signature-256"] == sign("s3cret", request.content)
    message = inbox.bodies[0]["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["type"] == "image"
    assert message["image"]["id"] == sent["media_id"]
    assert message["image"]["caption"] == "my cat"
    assert base64.b64decode(message["image"]["sha256"]) == hashlib.sha256(data).digest()
    assert sent["webhook_status"] == 200 and sent["sha256"] == info["sha256"]

"""Meta's notification POSTs served straight from ASGI, in front of the FastAPI app.

Four webhooks come in for every message a bot answers (the message, then sent, delivered and
read), and FastAPI's request machinery (its middlewares, dependency solving, the Request and
Response objects) cost more CPU than the work itself. The same `Receiver` answers; every other
request, the GET verification included, goes on to the app, whose routes also document the
POSTs in the OpenAPI.
"""

from __future__ import annotations

import logging

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from pytake_ingress.api.webhook import Answer, Receiver

log = logging.getLogger(__name__)

PREFIX = "/api/v1/whatsapp/webhook"


class WebhookFastPath:
    def __init__(self, app: ASGIApp, receiver: Receiver) -> None:
        self.app = app
        self.receiver = receiver

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "POST" or not path.startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        token = path[len(PREFIX) :]
        if token and (not token.startswith("/") or "/" in token[1:] or len(token) == 1):
            await self.app(scope, receive, send)  # not one of ours: the app answers 404
            return
        try:
            answer = await self._answer(scope, receive, token[1:])
        except Exception:
            log.exception("unexpected error on POST %s", path)
            answer = 503, {"error": {"code": "unavailable", "message": "temporary failure; retry"}}
        await _respond(send, answer)

    async def _answer(self, scope: Scope, receive: Receive, token: str) -> Answer:
        receiver = self.receiver
        bound = None
        if token:
            bound = receiver.bound_to(token)
            if bound is None:
                return receiver.unknown_token()
        headers = dict(scope.get("headers") or ())
        limit = receiver.max_body_bytes
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            return receiver.too_large()
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return 400, {"error": {"code": "disconnected", "message": "body incomplete"}}
            body += message.get("body", b"")
            if len(body) > limit:
                return receiver.too_large()
            more = message.get("more_body", False)
        signature = headers.get(b"x-hub-signature-256")
        text = signature.decode("latin-1") if signature is not None else None
        return await receiver.accept(bytes(body), text, bound)


async def _respond(send: Send, answer: Answer) -> None:
    status, payload = answer
    body = orjson.dumps(payload)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

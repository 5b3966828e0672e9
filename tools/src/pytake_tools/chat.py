"""`pytake chat`: talk to a bot from the terminal as a WhatsApp user would.

Every line typed becomes a signed webhook POSTed to ingress (the real pipeline); the bot's
replies are read back from the Meta simulator and printed. Reply buttons and list rows are
shown as numbered choices: typing the number sends the tap (`button_reply` / `list_reply`),
exactly what Meta would deliver.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

import httpx

from pytake_tools.webhooks import signed, text_webhook


@dataclass
class ChatSession:
    ingress_url: str
    simulator_url: str
    phone_number_id: str
    wa_id: str
    app_secret: str
    name: str = "You"
    out: TextIO = sys.stdout
    seen: int = 0
    choices: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, id, title)

    def webhook_for(self, line: str) -> dict[str, Any]:
        """A text message, or the tap on a numbered choice of the last interactive reply."""
        payload = text_webhook(
            self.phone_number_id,
            self.wa_id,
            line,
            name=self.name,
            wamid=f"wamid.chat.{uuid.uuid4().hex}",
        )
        if line.strip().isdigit() and 1 <= int(line) <= len(self.choices):
            kind, choice_id, title = self.choices[int(line) - 1]
            message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
            del message["text"]
            message["type"] = "interactive"
            reply = {"id": choice_id, "title": title}
            message["interactive"] = {"type": kind, kind: reply}
        return payload

    async def send(self, client: httpx.AsyncClient, line: str) -> None:
        body, headers = signed(self.app_secret, self.webhook_for(line))
        response = await client.post(self.ingress_url, content=body, headers=headers)
        if response.status_code != 200:
            self._print(f"! ingress answered {response.status_code}: {response.text}")

    async def poll(self, client: httpx.AsyncClient) -> int:
        """Print the bot's messages not shown yet; return how many were new."""
        response = await client.get(
            self.simulator_url + "/_sim/messages",
            params={"phone_number_id": self.phone_number_id, "to": self.wa_id},
        )
        messages = [m for m in response.json()["messages"] if m.get("status") == 200]
        new = messages[self.seen :]
        self.seen = len(messages)
        for message in new:
            self.show(message.get("body") or {})
        return len(new)

    def show(self, body: dict[str, Any]) -> None:
        kind = body.get("type")
        if kind == "text":
            self._print(f"bot: {body['text']['body']}")
        elif kind == "interactive":
            self._interactive(body["interactive"])
        elif kind == "template":
            self._print(f"bot: [template {body['template'].get('name')}]")
        elif kind in ("image", "video", "audio", "document", "sticker"):
            media = body[kind]
            where = media.get("link") or media.get("id")
            caption = f" {media['caption']}" if media.get("caption") else ""
            self._print(f"bot: [{kind} {where}]{caption}")
        elif kind == "reaction":
            self._print(f"bot reacted {body['reaction'].get('emoji')}")

    def _interactive(self, interactive: dict[str, Any]) -> None:
        self._print(f"bot: {interactive.get('body', {}).get('text', '')}")
        action = interactive.get("action") or {}
        if interactive.get("type") == "button":
            self.choices = [
                ("button_reply", b["reply"]["id"], b["reply"]["title"])
                for b in action.get("buttons", [])
            ]
        else:
            self.choices = [
                ("list_reply", row["id"], row["title"])
                for section in action.get("sections", [])
                for row in section.get("rows", [])
            ]
        for n, (_, _, title) in enumerate(self.choices, 1):
            self._print(f"     {n}. {title}")

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)


async def run_chat(
    session: ChatSession, read_line: Callable[[], str], settle_s: float = 1.5
) -> None:
    """Send each line read, printing replies, until EOF or `/quit`."""
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(timeout=10) as client:
        await session.poll(client)  # skip what was sent before this session
        session.choices.clear()
        while True:
            line = await loop.run_in_executor(None, read_line)
            if not line or line.strip() in ("/quit", "/exit"):
                return
            await session.send(client, line.strip())
            # Replies may come in several messages: show them as they arrive.
            quiet_since = time.monotonic()
            while time.monotonic() - quiet_since < settle_s:
                if await session.poll(client):
                    quiet_since = time.monotonic()
                await asyncio.sleep(0.15)

"""The operator console in a real browser against a real stack.

A contact's signed webhook reaches a flow that hands off; the agent, logged in to the console in
headless Chromium, sees the conversation appear in "Waiting for a human" without reloading, takes
it over and replies; the reply reaches the Meta simulator and its delivered and read ticks show;
"Give the bot back" resumes the flow and the contact's next message gets the bot's answer. A
viewer reads the same conversation with no reply box and no action; a super admin picks the
organization. Screenshots of each screen go to the test's tmp dir and to /tmp/console-shots/.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import async_playwright, expect

from pytake_tools.stack import Stack, StackConfig
from pytake_tools.webhooks import signed, text_webhook

from .browser import CHROMIUM, CHROMIUM_ARGS, DIST, SHOTS, SLOW, Shots, login, new_page
from .waiting import until

pytestmark = pytest.mark.e2e

NUMBER = "100000000000001"
FIXTURES = Path(__file__).parent / "fixtures"
# Delivered 1.5 s after the send, read 8 s after: long enough to see each tick on its own.
STATUS_DELAYS_MS = "300,1500,8000"


@pytest.fixture
async def console_stack(
    kafka_bootstrap: str, database: str, tmp_path: Path
) -> AsyncIterator[Stack]:
    """The whole system, with the handoff flow as the demo chatbot's flow."""
    if not (DIST / "index.html").is_file():
        pytest.fail("the console is not built: run `make console` (cd console && npm run build)")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser`")
    config = StackConfig.with_free_ports(
        kafka_bootstrap=kafka_bootstrap,
        database_url=database,
        namespace=f"e2e{uuid.uuid4().hex[:8]}",
        partitions=4,
        log_dir=tmp_path / "logs",
        demo_flow_file=str(FIXTURES / "handoff_flow.json"),
        status_delays_ms=STATUS_DELAYS_MS,
    )
    running = Stack(config)
    try:
        await running.start()
        yield running
    finally:
        running.stop()
        for log in sorted((tmp_path / "logs").glob("*.log")):
            text = log.read_text(errors="replace")
            if "Traceback" in text or "ERROR" in text:
                print(f"--- {log.name} ---\n{text[-4000:]}")
    assert running.exit_codes == dict.fromkeys(running.exit_codes, 0), running.exit_codes


async def test_an_agent_takes_over_a_handoff_live_replies_and_gives_the_bot_back(
    console_stack: Stack, tmp_path: Path
) -> None:
    stack = console_stack
    api = stack.url("analytics") + "/api/v1"
    base = stack.url("analytics") + "/console/"
    sim = stack.url("metasim") + "/_sim/messages"
    wa_id = "55119" + str(uuid.uuid4().int)[:8]
    shots = Shots(tmp_path)
    errors: list[str] = []
    started = time.monotonic()

    async with httpx.AsyncClient(timeout=15) as http:

        async def contact_says(text: str) -> None:
            body, headers = signed(
                stack.config.app_secret, text_webhook(NUMBER, wa_id, text, name="Lin Tester")
            )
            r = await http.post(stack.webhook_url, content=body, headers=headers)
            assert r.status_code == 200, r.text

        async def sent_to_contact(text: str) -> dict[str, Any] | None:
            r = await http.get(sim, params={"phone_number_id": NUMBER})
            for m in r.json()["messages"]:
                body = m["body"]
                if body.get("to") == f"+{wa_id}" and body.get("text", {}).get("body") == text:
                    return dict(m)
            return None

        async def diagnose() -> None:
            """What the simulator and the API saw, printed when a step fails."""
            r = await http.get(sim, params={"phone_number_id": NUMBER})
            for m in r.json()["messages"]:
                if m["body"].get("to") == f"+{wa_id}":
                    print("sim:", m["body"].get("type"), m["body"].get("text"), m.get("status"))
            r = await http.get(f"{api}/conversations/{wa_id}", headers=root)
            if r.status_code == 200:
                d = r.json()
                print("conversation:", d["conversation"]["status"], d["current_state"])
                for m in d["messages"]:
                    print("history:", m["author"], m["kind"], m["text"], m["status"])
            else:
                print("conversation:", r.status_code, r.text)

        # The platform's super admin creates an agent and a viewer in the demo organization.
        r = await http.post(
            f"{api}/auth/login",
            json={"email": stack.config.admin_email, "password": stack.config.admin_password},
        )
        assert r.status_code == 200, r.text
        root = {"Authorization": f"Bearer {r.json()['token']['access_token']}"}
        numbers = (await http.get(f"{api}/whatsapp/", headers=root)).json()["numbers"]
        org = next(n["organization_id"] for n in numbers if n["phone_number_id"] == NUMBER)
        people = {
            "agent": {"email": "ana@demo.example", "full_name": "Ana Agent"},
            "viewer": {"email": "vic@demo.example", "full_name": "Vic Viewer"},
        }
        for role, person in people.items():
            person["password"] = f"{role}-password-{uuid.uuid4().hex[:6]}"
            r = await http.post(
                f"{api}/users",
                json={**person, "role": role, "organization_id": org},
                headers=root,
            )
            assert r.status_code == 201, r.text
        agent, viewer = people["agent"], people["viewer"]

        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                page = await new_page(browser, errors, viewport={"width": 1280, "height": 800})
                # Login: a wrong password is a clear sentence, then the right one gets in.
                await page.goto(base)
                await expect(page.get_by_role("heading", name="Sign in")).to_be_visible(
                    timeout=SLOW
                )
                await page.get_by_label("Email").fill(agent["email"])
                await page.get_by_label("Password").fill("not-the-password")
                await page.get_by_role("button", name="Sign in").click()
                await expect(page.get_by_role("alert")).to_have_text(
                    "Wrong email or password.", timeout=SLOW
                )
                await shots.take(page, "01-login-wrong-password")
                await page.get_by_label("Password").fill(agent["password"])
                await page.get_by_role("button", name="Sign in").click()

                # The inbox opens on "Waiting for a human", subscribed to live updates.
                await expect(page.get_by_role("heading", name="Waiting for a human")).to_be_visible(
                    timeout=SLOW
                )
                await expect(page.get_by_role("navigation", name="Inbox views")).to_be_visible()
                await expect(page.get_by_role("main")).to_be_visible()
                await expect(
                    page.get_by_role("status", name="Live updates: connected")
                ).to_be_visible(timeout=SLOW)
                await shots.take(page, "02-inbox-empty")
                # A reload keeps the session: the refresh token (sessionStorage) is rotated.
                await page.reload()
                await expect(page.get_by_role("button", name="Log out")).to_be_visible(timeout=SLOW)
                await expect(
                    page.get_by_role("status", name="Live updates: connected")
                ).to_be_visible(timeout=SLOW)

                # A contact writes; the flow hands off; the row appears without a reload.
                t0 = time.monotonic()
                await contact_says("Hello, I need help with my order")
                row = page.get_by_role("link", name=re.compile(r"^Lin Tester, Waiting"))
                await expect(row).to_be_visible(timeout=SLOW)
                appeared_s = time.monotonic() - t0
                await expect(row).to_contain_text("High")
                await expect(row).to_contain_text("Asked for a person on WhatsApp")
                await shots.take(page, "03-inbox-handoff")

                # Open it: the whole history, who wrote what.
                await row.click()
                await expect(page.get_by_role("heading", name="Lin Tester")).to_be_visible()
                history = page.get_by_role("log", name="Message history")
                contact_msg = history.locator(
                    "li.msg-contact", has_text="I need help with my order"
                )
                await expect(contact_msg).to_be_visible(timeout=SLOW)
                await expect(
                    history.locator("li.msg-bot", has_text="a person from our team will answer")
                ).to_be_visible(timeout=SLOW)
                details = page.get_by_role("complementary", name="Conversation details")
                await expect(details).to_contain_text("Handoff to a human")
                await expect(details).to_contain_text(re.compile(r"\d+h \d\dm left"))

                # Take over: assigned to me, the bot stays paused.
                actions = page.get_by_role("group", name="Conversation actions")
                await actions.get_by_role("button", name="Take over").click()
                await expect(actions.get_by_role("button", name="Release")).to_be_visible(
                    timeout=SLOW
                )
                await expect(actions.get_by_role("button", name="Take over")).to_have_count(0)
                await expect(details).to_contain_text("Assigned to You")

                # Reply: shown at once, sent through the pipeline, then delivered, then read.
                reply = "Hi Lin, this is Ana. Let me check your order."
                await page.get_by_role("textbox", name="Reply").fill(reply)
                await page.get_by_role("button", name="Send", exact=True).click()
                await expect(history.locator("li.msg-agent", has_text=reply).first).to_be_visible()
                sent = await until(lambda: sent_to_contact(reply))
                assert sent["body"]["type"] == "text"
                mine = history.locator("li.msg-agent:not(.msg-pending)", has_text=reply)
                await expect(mine.get_by_role("img", name="Delivered")).to_be_visible(timeout=SLOW)
                await shots.take(page, "04-conversation-delivered")
                await expect(mine.get_by_role("img", name="Read")).to_be_visible(timeout=SLOW)
                await shots.take(page, "05-conversation-read")

                # Give the bot back: the flow goes on after the handoff and asks its question.
                await actions.get_by_role("button", name="Give the bot back").click()
                await expect(actions.get_by_role("button", name="Give the bot back")).to_have_count(
                    0, timeout=SLOW
                )
                # ... and lets the agent go: nobody holds it any more.
                await expect(actions.get_by_role("button", name="Release")).to_have_count(
                    0, timeout=SLOW
                )
                await expect(details).to_contain_text("Nobody has taken it.")
                question = "The bot is back. What is your order number?"
                await until(lambda: sent_to_contact(question))
                await expect(history.locator("li.msg-bot", has_text=question)).to_be_visible(
                    timeout=SLOW
                )

                # The contact's next message gets the bot's answer.
                await contact_says("4410")
                answer = "Thanks Lin Tester, order 4410 is on its way. Anything else?"
                await until(lambda: sent_to_contact(answer))
                await expect(history.locator("li.msg-contact", has_text="4410")).to_be_visible(
                    timeout=SLOW
                )
                await expect(history.locator("li.msg-bot", has_text=answer)).to_be_visible(
                    timeout=SLOW
                )
                # Back with the bot: it can be taken over again; the answer is a variable now.
                await expect(actions.get_by_role("button", name="Take over")).to_be_visible()
                await expect(details.locator(".var", has_text="order")).to_contain_text("4410")
                await shots.take(page, "06-conversation-bot-answered")

                # Phone width: one pane at a time.
                await page.set_viewport_size({"width": 390, "height": 844})
                await expect(page.get_by_role("link", name="Back to conversations")).to_be_visible()
                await expect(page.get_by_role("heading", name="Waiting for a human")).to_be_hidden()
                await shots.take(page, "07-phone-conversation")
                await page.get_by_role("link", name="Back to conversations").click()
                await page.get_by_role("link", name=re.compile("^With the bot")).click()
                await expect(page.get_by_role("heading", name="With the bot")).to_be_visible()
                await expect(
                    page.get_by_role("link", name=re.compile(r"^Lin Tester, With the bot"))
                ).to_be_visible(timeout=SLOW)
                await shots.take(page, "08-phone-inbox")
                await page.get_by_role("button", name="Log out").click()
                await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

                # A viewer reads the conversation: no reply box, no action.
                page = await new_page(browser, errors, viewport={"width": 1280, "height": 800})
                await login(page, base, viewer["email"], viewer["password"])
                await page.goto(f"{base}c/{NUMBER}/{wa_id}?view=bot")
                await expect(page.get_by_role("heading", name="Lin Tester")).to_be_visible(
                    timeout=SLOW
                )
                await expect(
                    page.get_by_role("log", name="Message history").get_by_text(reply)
                ).to_be_visible()
                await expect(page.get_by_role("textbox", name="Reply")).to_have_count(0)
                await expect(page.get_by_role("group", name="Conversation actions")).to_have_count(
                    0
                )
                for name in ("Take over", "Release", "Close", "Restart flow…", "Send"):
                    await expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
                await expect(page.get_by_role("note")).to_contain_text("read this conversation")
                await shots.take(page, "09-viewer")

                # A super admin picks the organization.
                page = await new_page(browser, errors, viewport={"width": 1280, "height": 800})
                await login(page, base, stack.config.admin_email, stack.config.admin_password)
                picker = page.get_by_role("combobox", name="Organization")
                await expect(picker.locator("option", has_text="Demo Pizzeria")).to_have_count(
                    1, timeout=SLOW
                )
                await picker.select_option(label="Demo Pizzeria")
                await page.get_by_role("link", name=re.compile("^With the bot")).click()
                await expect(
                    page.get_by_role("link", name=re.compile(r"^Lin Tester, With the bot"))
                ).to_be_visible(timeout=SLOW)
                await page.get_by_role("link", name=re.compile(r"^Lin Tester")).click()
                await expect(page.get_by_role("heading", name="Lin Tester")).to_be_visible()
                await shots.take(page, "10-super-admin")
            except BaseException:
                await diagnose()
                await page.screenshot(path=str(tmp_path / "failure.png"))
                raise
            finally:
                await browser.close()

    assert errors == [], errors
    print(
        f"\nconversation appeared {appeared_s:.2f}s after the webhook; "
        f"browser part {time.monotonic() - started:.1f}s; screenshots in {SHOTS}"
    )
    assert len(shots.taken) == 10

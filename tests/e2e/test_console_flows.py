"""The flow builder in a real browser against a real stack, from an empty canvas to a replay.

An organization admin, in headless Chromium, builds a flow from the palette (start, a question
with two options, a condition, two ends), validates it and sees the error on the condition it
names (its false branch goes nowhere), fixes it, publishes version 1 and chats with it in the
simulator (the engine's own decide/evolve). The flow becomes the chatbot's main flow; a contact's
real signed webhooks then go through it and its messages reach the Meta simulator; that
conversation's path shows on the funnel drawn on the canvas, and in the replay, whose canvas
highlights the node of the selected step and whose re-run on version 1 finds no divergence.
Screenshots of each screen go to the test's tmp dir and to /tmp/console-shots/.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, async_playwright, expect

from pytake_tools.stack import Stack
from pytake_tools.webhooks import button_reply_webhook, signed, text_webhook

from .browser import CHROMIUM, CHROMIUM_ARGS, DIST, SLOW, Shots, login, new_page
from .waiting import until

pytestmark = pytest.mark.e2e

NUMBER = "100000000000001"
ASK = "Which size would you like?"
LARGE = "A large one it is!"
SMALL = "A small one, coming up."


async def _form(page: Page, node_id: str) -> Any:
    """Select a node on the canvas; its settings form."""
    await page.get_by_test_id(f"node-{node_id}").click()
    form = page.get_by_role("form", name=re.compile(rf"node {re.escape(node_id)} settings$"))
    await expect(form).to_be_visible(timeout=SLOW)
    return form


async def _add(page: Page, node_type: str, node_id: str) -> Any:
    await page.get_by_role("button", name=f"Add {node_type} node").click()
    await expect(page.get_by_test_id(f"node-{node_id}")).to_be_visible(timeout=SLOW)
    return await _form(page, node_id)


async def test_a_flow_built_on_the_canvas_runs_in_the_simulator_then_for_real_and_replays(
    stack: Stack, tmp_path: Path
) -> None:
    if not (DIST / "index.html").is_file():
        pytest.fail("the console is not built: run `make console` (cd console && npm run build)")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser`")
    api = stack.url("analytics") + "/api/v1"
    base = stack.url("analytics") + "/console/"
    sim = stack.url("metasim") + "/_sim/messages"
    wa_id = "55119" + str(uuid.uuid4().int)[:8]
    shots = Shots(tmp_path)
    errors: list[str] = []

    async with httpx.AsyncClient(timeout=15) as http:
        r = await http.post(
            f"{api}/auth/login",
            json={"email": stack.config.admin_email, "password": stack.config.admin_password},
        )
        root = {"Authorization": f"Bearer {r.json()['token']['access_token']}"}
        numbers = (await http.get(f"{api}/whatsapp/", headers=root)).json()["numbers"]
        org = next(n["organization_id"] for n in numbers if n["phone_number_id"] == NUMBER)
        admin = {"email": "olga@demo.example", "full_name": "Olga Admin"}
        admin["password"] = f"admin-password-{uuid.uuid4().hex[:6]}"
        r = await http.post(
            f"{api}/users",
            json={**admin, "role": "org_admin", "organization_id": org},
            headers=root,
        )
        assert r.status_code == 201, r.text

        async def contact_sends(payload: dict[str, Any]) -> None:
            body, headers = signed(stack.config.app_secret, payload)
            r = await http.post(stack.webhook_url, content=body, headers=headers)
            assert r.status_code == 200, r.text

        async def sent_to_contact(to: str = wa_id) -> list[dict[str, Any]]:
            r = await http.get(sim, params={"phone_number_id": NUMBER})
            return [m["body"] for m in r.json()["messages"] if m["body"].get("to") == f"+{to}"]

        def says(body: dict[str, Any]) -> str:
            if body.get("type") == "interactive":
                return str(body["interactive"]["body"]["text"])
            return str((body.get("text") or {}).get("body"))

        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                page = await new_page(browser, errors, viewport={"width": 1440, "height": 900})
                await login(page, base, admin["email"], admin["password"])

                # A new flow for the demo chatbot starts as a lone start node.
                await page.get_by_role("link", name="Flows").click()
                await page.get_by_label("New flow name").fill("Size picker")
                await page.get_by_role("button", name="Create flow").click()
                await expect(page.get_by_test_id("node-start")).to_be_visible(timeout=SLOW)
                flow_id = page.url.rstrip("/").rsplit("/", 1)[-1]

                ask = await _add(page, "question", "question-1")
                await ask.get_by_label("Content", exact=True).fill(ASK)
                await ask.get_by_label("Variable name").fill("size")
                await ask.get_by_label("Response type").select_option("options")
                for n, (value, label) in enumerate((("small", "Small"), ("large", "Large")), 1):
                    await ask.get_by_role("button", name="Add option").click()
                    await ask.get_by_label(f"Option {n} value").fill(value)
                    await ask.get_by_label(f"Option {n} label").fill(label)
                check = await _add(page, "condition", "condition-1")
                await check.get_by_label("Condition 1 variable").fill("size")
                await check.get_by_label("Condition 1 operator").select_option("==")
                await check.get_by_label("Condition 1 value").fill("large")
                for node_id, text in (("end-1", LARGE), ("end-2", SMALL)):
                    end = await _add(page, "end", node_id)
                    await end.get_by_label("Content", exact=True).fill(text)

                # Wired through each node's "Connections" (the keyboard's way to draw edges);
                # the condition's false branch is left out on purpose.
                for node_id, handle, target in (
                    ("start", "Next node", "question-1"),
                    ("question-1", "Next node", "condition-1"),
                    ("condition-1", "When true", "end-1"),
                ):
                    form = await _form(page, node_id)
                    await form.get_by_label(handle, exact=True).select_option(target)
                await page.get_by_role("button", name="Tidy up").click()
                await page.get_by_role("button", name="Save draft").click()
                await expect(page.get_by_test_id("save-state")).to_have_text(
                    "All changes saved", timeout=SLOW
                )
                await shots.take(page, "flows-1-built")

                await page.get_by_role("button", name="Validate").click()
                issues = page.get_by_role("region", name="Validation")
                await expect(issues).to_contain_text("condition-1", timeout=SLOW)
                await expect(
                    page.get_by_test_id("node-condition-1").locator(".fnode-badge.is-error")
                ).to_be_visible()
                await shots.take(page, "flows-2-validation-error")

                form = await _form(page, "condition-1")
                await form.get_by_label("When false", exact=True).select_option("end-2")
                await page.get_by_role("button", name="Publish").click()
                await expect(page.get_by_text("Published version 1.")).to_be_visible(timeout=SLOW)
                await shots.take(page, "flows-3-published")

                # The simulator: the engine's own run, in memory, nothing sent.
                await page.get_by_role("tab", name="Simulator").click()
                panel = page.get_by_role("region", name="Simulator")
                await panel.get_by_role("button", name="Start", exact=True).click()
                bot = panel.get_by_test_id("sim-bot-message")
                await expect(bot.last).to_contain_text(ASK, timeout=SLOW)
                await expect(page.get_by_test_id("node-question-1")).to_have_attribute(
                    "data-active", "true"
                )
                await panel.get_by_role("button", name="Large", exact=True).click()
                await expect(bot.last).to_contain_text(LARGE, timeout=SLOW)
                await expect(panel.get_by_role("table", name="Variables")).to_contain_text("large")
                await shots.take(page, "flows-4-simulator")
                assert await sent_to_contact() == [], "the simulator sent something to Meta"

                # Made the chatbot's main flow, it answers a contact's real webhooks.
                r = await http.put(f"{api}/flows/{flow_id}", json={"is_main": True}, headers=root)
                assert r.status_code == 200, r.text

                async def new_flow_answers() -> bool:
                    # The executor may still run the previous main flow for a moment: a throwaway
                    # contact per probe, so the contact under test writes once, to the new flow
                    # (repeated messages in one conversation would be invalid answers under load).
                    probe = "55118" + str(uuid.uuid4().int)[:8]
                    await contact_sends(text_webhook(NUMBER, probe, "hi", name="Probe"))
                    try:
                        sent = await until(lambda: sent_to_contact(probe), timeout=20)
                    except TimeoutError:
                        return False
                    return any(says(b) == ASK for b in sent)

                await until(new_flow_answers, timeout=120)
                await contact_sends(text_webhook(NUMBER, wa_id, "hi", name="Lin"))

                async def asked() -> bool:
                    return any(says(b) == ASK for b in await sent_to_contact())

                await until(asked)
                sent = await sent_to_contact()
                buttons = next(b for b in sent if says(b) == ASK)["interactive"]["action"]
                assert [b["reply"]["title"] for b in buttons["buttons"]] == ["Small", "Large"]
                await contact_sends(button_reply_webhook(NUMBER, wa_id, "large", "Large"))

                async def answered() -> bool:
                    return any(says(b) == LARGE for b in await sent_to_contact())

                await until(answered)

                # The funnel on the canvas: every node this conversation went through.
                await page.reload()
                await page.get_by_role("tab", name="Analytics").click()
                for node_id in ("start", "question-1", "condition-1", "end-1"):
                    await expect(page.get_by_test_id(f"heat-{node_id}")).to_contain_text(
                        re.compile(r"[1-9]\d* in"), timeout=SLOW
                    )
                await expect(page.get_by_test_id("heat-end-2")).to_contain_text("0 in")
                await shots.take(page, "flows-5-funnel")

                # The replay of that conversation, its path highlighted step by step.
                await page.goto(f"{base}replay/{NUMBER}/{wa_id}")
                steps = page.get_by_role("list", name="Steps")
                step = steps.get_by_role("button", name=re.compile(r"condition-1 \(condition\)"))
                await step.click()
                await expect(page.get_by_test_id("node-condition-1")).to_have_attribute(
                    "data-active", "true", timeout=SLOW
                )
                await expect(page.get_by_role("table", name="State after step")).to_contain_text(
                    "large"
                )
                await shots.take(page, "flows-6-replay")
                await page.get_by_label("Version", exact=True).select_option("1")
                await page.get_by_role("button", name="Re-run").click()
                await expect(page.get_by_text(re.compile("No divergence"))).to_be_visible(
                    timeout=SLOW
                )
                await shots.take(page, "flows-7-rerun")
            finally:
                await browser.close()
    assert errors == [], errors
    assert len(shots.taken) == 7

"""What the console's browser tests share: Chromium, screenshots, logging in."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page, expect

DIST = Path(__file__).resolve().parents[2] / "console" / "dist"
SHOTS = Path("/tmp/console-shots")
CHROMIUM = "/usr/bin/chromium"
SHOTS = Path("/tmp/console-shots")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Generous: two cores run six services, a broker, a database and a browser.
SLOW = 30_000


class Shots:
    """Full-page screenshots into the test's tmp dir, copied to /tmp/console-shots/."""

    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path / "shots"
        self.dir.mkdir(parents=True, exist_ok=True)
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.taken: list[Path] = []

    async def take(self, page: Page, name: str) -> None:
        await page.evaluate("document.fonts.ready")
        path = self.dir / f"{name}.png"
        await page.screenshot(path=str(path))
        shutil.copy(path, SHOTS / path.name)
        self.taken.append(path)


async def login(page: Page, base: str, email: str, password: str) -> None:
    await page.goto(base)
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Log out")).to_be_visible(timeout=SLOW)


async def new_page(browser: Browser, errors: list[str], **kwargs: Any) -> Page:
    context = await browser.new_context(**kwargs)
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page

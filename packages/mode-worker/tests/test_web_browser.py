"""The live page in a real browser: Debian's Chromium driven by Playwright.

A worker runs ``webapps:tree`` with its endpoint on; the page must show the
tree, then Flaky's crash, then its restart, updating by itself, with labels
shown as text (never parsed as HTML), on a phone-sized screen without
horizontal scrolling.

Needs ``/usr/bin/chromium`` (``apt-get install chromium``; Playwright's own
browser download is not used) and the ``playwright`` package.  Skipped when
either is missing, except where ``MODE_REQUIRE_BROWSER=1`` (CI sets it:
``.ci/run`` installs Chromium), where that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from support_worker import start_web_tree, tell

if TYPE_CHECKING:
    from conftest import Spawn

CHROMIUM = Path(os.environ.get("MODE_CHROMIUM", "/usr/bin/chromium"))
REQUIRED = os.environ.get("MODE_REQUIRE_BROWSER") == "1"

#: What Chromium runs with: headless, and nothing that reaches the network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

#: Longest wait for the page to show something (it polls every second).
WAIT_MS = 10_000

SUP = "Sup <b>&amp; 'x'</b>"


def _missing(what: str) -> None:
    if REQUIRED:
        pytest.fail(f"{what} (MODE_REQUIRE_BROWSER=1: the browser test must run)")
    pytest.skip(what)


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless Chromium (Playwright), closed after the test."""
    pytest.importorskip("aiohttp")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -r requirements-dev.txt)")
    if not CHROMIUM.exists():
        _missing(
            f"Chromium not found at {CHROMIUM}: apt-get install chromium "
            "(or set MODE_CHROMIUM)"
        )
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.mark.slow
def test_the_page_shows_the_tree_a_crash_and_a_restart(
    spawn: Spawn, browser: Any
) -> None:
    from playwright.sync_api import expect

    child, url = start_web_tree(spawn)
    page = browser.new_page(viewport={"width": 375, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" else None,
    )
    page.goto(url)

    flaky = page.locator('li.svc[data-label="Flaky"]')
    # -- the tree, all running, ready -----------------------------------------
    expect(flaky).to_have_attribute("data-state", "running", timeout=WAIT_MS)
    expect(page.locator("#readiness")).to_have_text("Ready", timeout=WAIT_MS)
    expect(page.locator("#root-label")).to_have_text("Worker")
    expect(flaky.locator(".badge").first).to_have_text("running")
    for label in ("Worker", "Tree", "Ticker", SUP, "Flaky"):
        expect(page.locator(f'li.svc[data-label="{_css(label)}"]')).to_have_count(1)
    # A label is shown as text: no <b> element came out of it.
    sup_label = page.locator(f'li.svc[data-label="{_css(SUP)}"] .label').first
    expect(sup_label).to_have_text(SUP)
    assert page.locator("li.svc .label b").count() == 0
    ticker = page.locator('li.svc[data-label="Ticker"]')
    expect(ticker.locator("ul.timers li")).to_contain_text("every 200 ms")
    # Readable on a phone: nothing wider than the 375 px screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the page scrolls sideways at 375 px"
    )

    # -- Flaky crashes: red, the message, not ready ---------------------------
    tell(child, "crash")
    expect(flaky.locator(".crash").first).to_contain_text(
        "RuntimeError: boom 1", timeout=WAIT_MS
    )
    expect(flaky).not_to_have_attribute("data-state", "running")
    expect(page.locator("#readiness")).to_contain_text("Not ready")
    expect(page.locator("#readiness")).to_contain_text("Flaky: ")
    expect(flaky.locator(".crashes b").first).to_have_text("1")
    crash_colour = flaky.locator(".crash").first.evaluate(
        "e => getComputedStyle(e).color"
    )
    running_badge = page.locator('li.svc[data-label="Ticker"] .badge').first
    assert crash_colour != running_badge.evaluate("e => getComputedStyle(e).color")

    # -- the supervisor restarts it: running again, ready, counted -------------
    tell(child, "restart")
    expect(flaky).to_have_attribute("data-state", "running", timeout=WAIT_MS)
    expect(flaky.locator(".restarts b").first).to_have_text("1", timeout=WAIT_MS)
    expect(page.locator("#readiness")).to_have_text("Ready", timeout=WAIT_MS)
    expect(flaky.locator(".crash").first).to_contain_text("boom 1")  # kept

    # -- the worker stops: the page says it cannot reach it --------------------
    child.send(15)  # SIGTERM
    assert child.finish() == 0, child.stderr
    expect(page.locator("#liveness")).to_contain_text(
        "Cannot reach the worker", timeout=WAIT_MS
    )
    page.close()
    assert errors == [] or all("Failed to fetch" in e or "ERR_" in e for e in errors), (
        errors
    )


def _css(text: str) -> str:
    """``text`` inside a double-quoted CSS attribute selector."""
    return text.replace("\\", "\\\\").replace('"', '\\"')

"""`geobot chat --web` in headless Chromium against a real local deployment: a failover seen in the page.

Set GEOBOT_WEBCHAT_SCREENSHOT=docs/webchat-failover.png to save the page as it looks once the
failover is done (the test always saves one in its temporary directory).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from geobot.targets.local.vault import LocalVault

from .conftest import Geobot

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH: apt-get install chromium (.ci/run does)")

# Debian's Chromium as root, offline: no sandbox (Playwright's default), no calls home.
CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
RECORD_BROWSER = '#!/bin/sh\nprintf "%s\\n" "$1" >> "$0.opened"\n'
# Read before the tests change directory, so a relative path is relative to where pytest started.
SCREENSHOT = Path(os.environ["GEOBOT_WEBCHAT_SCREENSHOT"]).absolute() if os.environ.get("GEOBOT_WEBCHAT_SCREENSHOT") else None
BOOKING = re.compile(r"Booked a table for 2 in Rome on friday at 8pm\. Your reference is (GB-\S+)\.")

# Every text drawn on the page, against the first opaque background behind it (WCAG 2 ratio).
CONTRAST_FAILURES = """() => {
  const rgba = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = (c) => { const [r, g, b] = rgba(c).slice(0, 3).map((v) => v / 255)
    .map((v) => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const behind = (e) => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
    if ((rgba(c)[3] ?? 1) > 0) return c; } return "rgb(255, 255, 255)"; };
  const failures = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const e = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || !e.checkVisibility() || e.closest(".visually-hidden")) continue;
    const [hi, lo] = [lum(getComputedStyle(e).color), lum(behind(e))].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) failures.push(`${walker.currentNode.textContent.trim()}: ${ratio.toFixed(2)}`);
  }
  return failures;
}"""


def browser_recorder(folder: Path, name: str) -> Path:
    """A $BROWSER that only notes the address it was asked to open (in <script>.opened)."""
    script = folder / name
    script.write_text(RECORD_BROWSER)
    script.chmod(0o700)
    return script


def start_web_chat(geobot: Geobot, browser: Path, *options: str) -> tuple[subprocess.Popen[str], str]:
    geobot.env["BROWSER"] = str(browser)
    process = geobot.start("chat", "--web", *options)
    line = process.stdout.readline()
    match = re.fullmatch(r"geobot web chat: (http://127\.0\.0\.1:\d+/#token=\S+)\n", line)
    assert match, line + (process.stderr.read() if process.poll() is not None else "")
    return process, match[1]


def network_log(har: Path) -> tuple[list[str], str]:
    """The URLs the browser asked for, and every request and response in full, bodies decoded."""
    entries = json.loads(har.read_text())["log"]["entries"]
    for entry in entries:
        content = entry["response"]["content"]
        if content.get("encoding") == "base64":
            content["text"] = base64.b64decode(content["text"]).decode(errors="replace")
    return [entry["request"]["url"] for entry in entries], json.dumps(entries)


def router_events(geobot: Geobot) -> str:
    """The router's monitor changes and its last requests, to explain a failover that did not happen."""
    lines = (geobot.deployment / "run" / "router.jsonl").read_text().splitlines()
    return "\n".join([line for line in lines if '"monitor"' in line] + lines[-5:])


@pytest.fixture
def chromium() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def wait_for(condition, what: str, limit: float = 10) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


class ChatPage:
    """The page as a person uses it: type, press Enter, read the last reply."""

    def __init__(self, page) -> None:
        self.page = page
        self.message = page.get_by_label("Message")
        self.results = page.locator("#transcript > .bot, #transcript > .failed")

    def say(self, text: str):
        """Type `text`, press Enter; the reply or failure it got."""
        count = self.results.count()
        self.message.fill(text)
        self.message.press("Enter")
        return self._result(count)

    def send_again(self):
        count = self.results.count()
        self.page.locator("#transcript > .failed button").last.press("Enter")  # keyboard, as a person would
        return self._result(count)

    def _result(self, count: int):
        result = self.results.nth(count)
        result.wait_for(timeout=60_000)
        return result


def check_accessibility(chat: ChatPage) -> None:
    """Contrast of every text, the focus order and ring, and a phone-sized screen."""
    page = chat.page
    assert page.evaluate(CONTRAST_FAILURES) == []
    chat.message.focus()
    page.keyboard.press("Tab")
    sync_api.expect(page.get_by_role("button", name="Send", exact=True)).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def secrets(geobot: Geobot) -> dict[str, str]:
    """What must never reach the browser: the vault's drill key, and the export password if set."""
    drill_key = LocalVault(geobot.deployment / "global" / "vault").get_secret("geobot-drill-key")
    assert drill_key
    password = geobot.env.get("GEOBOT_EXPORT_PASSWORD")
    return {"drill key": drill_key, **({"export password": password} if password else {})}


def test_a_failover_seen_in_the_web_chat_keeps_the_conversation_and_shows_no_secret(
    geobot: Geobot, chromium, tmp_path: Path
) -> None:
    expect = sync_api.expect
    deployed = geobot("--auto-approve", "deploy")
    assert deployed.returncode == 0, deployed.stderr
    opener = browser_recorder(tmp_path, "opener")
    server, address = start_web_chat(geobot, opener)
    quiet, quiet_address = start_web_chat(geobot, browser_recorder(tmp_path, "must-not-open"), "--no-browser")
    try:
        wait_for(lambda: Path(f"{opener}.opened").exists(), "the browser to be opened")
        assert Path(f"{opener}.opened").read_text() == address + "\n"
        assert quiet_address.split("#")[1] != address.split("#")[1]  # a fresh token per run

        context = chromium.new_context(viewport={"width": 1200, "height": 1000}, record_har_path=tmp_path / "network.har",
                                       record_har_content="embed")
        page = context.new_page()
        errors: list[str] = []  # script errors and CSP refusals; a 502 the page shows is not one
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error"
                and not message.text.startswith("Failed to load resource") else None)
        page.goto(address)
        base = address.split("#")[0]
        expect(page).to_have_url(base)  # the token left the address bar
        chat = ChatPage(page)
        expect(chat.message).to_be_focused()

        first = chat.say("hi")
        expect(first).to_have_class(re.compile(r"\bbot\b"))
        served = first.get_attribute("data-region")
        assert served in ("koreacentral", "southeastasia")
        expect(first.locator(".region-tag")).to_have_text(served)
        other = ({"koreacentral", "southeastasia"} - {served}).pop()
        asked = chat.say("I want to book a table for 2 in Rome")
        expect(asked).to_contain_text("Which day? (today, tomorrow or a weekday)")
        expect(asked).to_have_attribute("data-region", served)

        record = json.loads((geobot.deployment / "run" / f"bot-{served}.json").read_text())
        os.kill(record["pid"], signal.SIGKILL)

        # The router answers like DNS: this client keeps its answer for dns_ttl (10 s), so the
        # next turns fail, are shown as failed, and are sent again until the router moves it.
        result = chat.say("on friday")
        expect(result).to_have_class(re.compile(r"\bfailed\b"))
        expect(result).to_contain_text("Not delivered")
        killed = page.locator(f".region-card[data-region='{served}']")
        expect(killed).not_to_have_attribute("data-monitor", "Online", timeout=15_000)
        deadline = time.monotonic() + 60
        while "failed" in (result.get_attribute("class") or ""):
            assert time.monotonic() < deadline, "no other region answered; the router said:\n" + router_events(geobot)
            page.wait_for_timeout(2500)
            result = chat.send_again()
        expect(result).to_have_attribute("data-region", other)
        expect(result).to_contain_text("At what time? (for example 7pm or 19:30)")
        expect(chat.say("8pm")).to_contain_text("So that is a table for 2 in Rome on friday at 8pm. Shall I book it?")
        booked = chat.say("yes")
        expect(booked).to_contain_text(BOOKING)
        reference = BOOKING.search(booked.inner_text())[1]
        recalled = chat.say("what did I book?")
        expect(recalled).to_contain_text(f"{reference}: a table for 2 in Rome on friday at 8pm")
        expect(recalled).to_have_attribute("data-region", other)

        expect(killed).not_to_have_attribute("data-monitor", "Online")
        expect(killed).to_contain_text("not running (exited or killed)")
        expect(page.locator(f".region-card[data-region='{other}']")).to_have_attribute("data-monitor", "Online")
        expect(page.locator("#status-changes")).to_contain_text(f"{served} is now")
        # A window as tall as the page, so the sticky composer and status panel sit where they belong.
        page.set_viewport_size({"width": 1200, "height": page.evaluate("document.documentElement.scrollHeight")})
        for path in (tmp_path / "webchat-failover.png", SCREENSHOT):
            if path:
                page.screenshot(path=path)

        check_accessibility(chat)
        assert errors == []
        html, url = page.content(), page.url
        context.close()  # writes the network log
        urls, network = network_log(tmp_path / "network.har")
        assert [u for u in urls if not u.startswith(base)] == []  # nothing from another origin: works offline
        assert {base + "api/say", base + "api/status"} <= set(urls)
    finally:
        for process in (server, quiet):
            process.send_signal(signal.SIGINT if process is server else signal.SIGTERM)
        outputs = [process.communicate(timeout=15) for process in (server, quiet)]

    assert [process.returncode for process in (server, quiet)] == [0, 0], outputs
    assert not Path(tmp_path / "must-not-open.opened").exists()
    seen = {"page HTML": html, "page URL": url, "network log": network, "geobot's output": repr(outputs)}
    assert [(secret, where) for secret, value in secrets(geobot).items() for where, text in seen.items() if value in text] == []

"""The navigator page's "Report a problem" and the review page in a real browser (issue 18): a
navigator signs in, searches, reports the first result closed and sees "Thanks, reported."; the
review page lists it, a new phone is saved, and the next search shows the phone and the review
as the first source. A listing reported closed on two days shows its warning; a name with markup
stays text on both pages.

Needs /usr/bin/chromium (`apt-get install -y chromium`), as tests/system/test_widget_browser.py.
The web app runs alone (`python -m bot.web.app`): searches by place need no Rasa."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from support.services import free_port
from support.web import NAVIGATOR_TOKEN, SENDER_KEY_HEX, registry_copy

from bot.senders import ChannelStore
from providers.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--headless=new"]
PHONE_WIDTH = {"width": 360, "height": 740}
JUNEAU = "99801"
MARKUP_NAME = "<img src=x onerror=alert(1)> Harbor <script>alert(2)</script> Clinic"


@pytest.fixture(scope="module")
def site(national_registry, tmp_path_factory):
    """The web app on a copy of the registry whose second Juneau listing has markup in its name and
    open 'closed' reports from two days; yields its URL and the registry."""
    if not CHROMIUM.exists():
        pytest.fail(f"no browser at {CHROMIUM}: install Debian's chromium (apt-get install -y chromium)")
    tmp = tmp_path_factory.mktemp("navigator-browser")
    url = registry_copy(national_registry, tmp / "registry.db")
    second = national_registry.search(JUNEAU, page_size=3).results[1].id
    with sqlite3.connect(tmp / "registry.db") as copy:
        card = json.loads(copy.execute("select card from listing where id = ?", (second,)).fetchone()[0])
        copy.execute("update listing set card = ? where id = ?", (json.dumps({**card, "name": MARKUP_NAME}), second))
    registry = Registry(url)
    assert registry.report_problem(second, "closed", "sms", day="2026-11-30")
    assert registry.report_problem(second, "closed", "web", day="2026-12-01")
    ChannelStore(f"sqlite:///{tmp / 'channels.db'}", migrate=True).engine.dispose()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NAVIGATOR_DATABASE_URL": url,
           "NAVIGATOR_CHANNEL_DATABASE_URL": f"sqlite:///{tmp / 'channels.db'}",
           "NAVIGATOR_NAVIGATOR_TOKEN": NAVIGATOR_TOKEN, "NAVIGATOR_SENDER_KEY": SENDER_KEY_HEX,
           "NAVIGATOR_WEB_HOST": "127.0.0.1", "NAVIGATOR_WEB_PORT": str(port)}
    log = (tmp / "web.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "bot.web.app"], cwd=ROOT, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the web app did not start: " + (tmp / "web.log").read_text())
                time.sleep(0.5)
        yield base, registry, second
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        registry.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def test_a_navigator_reports_a_listing_and_a_reviewer_saves_a_new_phone(site, browser):
    base, registry, reported_closed = site
    page = browser.new_context(viewport=PHONE_WIDTH).new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{base}/navigator")
    page.fill("#passphrase", NAVIGATOR_TOKEN)
    page.click("form.login button[type=submit]")
    page.fill("#place", JUNEAU)
    page.click("#search-form button[type=submit]")
    page.wait_for_selector(".listing")

    # The listing reported closed on two days comes last, marked, its name as text.
    last = page.locator(".listing").last
    assert "People say it may be closed. Call first." in last.inner_text()
    assert "<script>alert(2)</script>" in last.locator("h3").text_content()

    first = page.locator(".listing").first
    name = first.locator("h3").text_content().split(". ", 1)[1].rsplit(" - ", 1)[0]
    first.get_by_role("button", name="Report a problem").click()
    first.get_by_label("Closed").check()
    first.get_by_role("button", name="Send report").click()
    first.get_by_text("Thanks, reported.").wait_for()
    reports = {r.listing_id: r for r in registry.open_reports()}
    assert [r.channels for r in reports.values() if r.name == name] == [{"navigator": 1}]

    page.click("text=Reported listings")
    page.wait_for_selector(".report")
    assert page.locator(".report h2").first.text_content() == MARKUP_NAME  # reported closed: first
    mine = page.locator(".report").filter(has=page.locator("h2", has_text=name))
    assert "SAMHSA treatment locator, checked" in mine.inner_text()
    mine.locator("select[name=outcome]").select_option("new_phone")
    mine.locator("input[name=phone]").fill("907-555-0142")
    mine.locator("button[type=submit]").click()
    page.wait_for_selector("#notice")
    assert page.locator("#notice").text_content() == f"Saved: {name} marked new phone."

    page.click("text=Search")
    page.fill("#place", JUNEAU)
    page.click("#search-form button[type=submit]")
    page.wait_for_selector(".listing")
    first = page.locator(".listing").first
    assert "Call 907-555-0142" in first.inner_text()
    assert "Source: Local navigators, checked" in first.inner_text()
    assert dialogs == []
    assert reported_closed in {r.listing_id for r in registry.open_reports()}

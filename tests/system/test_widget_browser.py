"""The chat widget in a real browser: Debian's headless Chromium, driven by Playwright, on the
demo page, talking to the real assistant (trained model, action server, socket.io channel)
through the web app, at a phone's width.

Needs /usr/bin/chromium (`apt-get install -y chromium`); Playwright's own browser download is
never used.
"""
from __future__ import annotations

import json
import re
import secrets
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from bot.run import DEFAULT_MODEL, Assistant
from support.services import free_port

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "results"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--headless=new"]
PHONE_WIDTH = {"width": 360, "height": 740}
# A provider name and website as a hostile or broken data feed might deliver them.
MARKUP_NAME = "<img src=x onerror=alert(1)> Harbor <script>alert(2)</script> Clinic"
MARKUP_URL = "javascript:alert(3)"
LISTED_PHONE = "215-555-0100"  # SAMHSA's files have no phone numbers: the test gives one listing one


@pytest.fixture(scope="module")
def registry_with_a_hostile_listing(national_registry, tmp_path_factory) -> str:
    """A copy of the national registry where the nearest buprenorphine listings to 19134 have a
    phone number and, the third, markup in its name and a javascript: link."""
    nearest = national_registry.search("19134", ["need:treatment", "medication:buprenorphine", "payment:medicaid"])
    first, third = nearest.results[0].id, nearest.results[2].id
    path = tmp_path_factory.mktemp("browser-registry") / "registry.db"
    with sqlite3.connect(national_registry.engine.url.database) as source, sqlite3.connect(path) as copy:
        source.backup(copy)
        for listing_id, changes in ((first, {"phones": [{"number": LISTED_PHONE, "type": "voice"}]}),
                                    (third, {"name": MARKUP_NAME, "url": MARKUP_URL})):
            card = json.loads(copy.execute("select card from listing where id = ?", (listing_id,)).fetchone()[0])
            copy.execute("update listing set card = ? where id = ?", (json.dumps({**card, **changes}), listing_id))
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def site(registry_with_a_hostile_listing, tmp_path_factory):
    """The assistant and the web app on fresh ports; yields the demo page's URL and the Quick exit URL."""
    if not DEFAULT_MODEL.exists():
        pytest.fail(f"no trained model at {DEFAULT_MODEL}: `make test` trains one first")
    if not CHROMIUM.exists():
        pytest.fail(f"no browser at {CHROMIUM}: install Debian's chromium (apt-get install -y chromium)")
    tmp = tmp_path_factory.mktemp("browser-assistant")
    actions_port, rasa_port, web_port = free_port(), free_port(), free_port()
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://localhost:{actions_port}/webhook"\n'
        f"tracker_store:\n  type: bot.rasa_server.tracker_store.PrivateSQLTrackerStore\n  dialect: sqlite\n"
        f"  db: {tmp / 'tracker.db'}\n")
    page_url = f"http://localhost:{web_port}/"
    exit_url = f"{page_url}?exited=1"
    env = {
        "NAVIGATOR_DATABASE_URL": registry_with_a_hostile_listing,
        "NAVIGATOR_CHANNEL_DATABASE_URL": f"sqlite:///{tmp / 'channels.db'}",
        "NAVIGATOR_RASA_TOKEN": secrets.token_urlsafe(16),
        "NAVIGATOR_SENDER_KEY": secrets.token_hex(32),
        "NAVIGATOR_WIDGET_SECRET": secrets.token_urlsafe(32),
        "NAVIGATOR_WIDGET_ORIGINS": page_url.rstrip("/"),
        "NAVIGATOR_WEB_HOST": "127.0.0.1",
        "NAVIGATOR_EXIT_URL": exit_url,
    }
    servers = Assistant(DEFAULT_MODEL, rasa_port=rasa_port, actions_port=actions_port, web_port=web_port,
                        endpoints=endpoints, env=env, web=True, quiet=True)
    servers.start()
    try:
        servers.wait_ready()
        yield page_url, exit_url
    finally:
        servers.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser, site):
    """A fresh tab at a phone's width on the demo page, recording dialogs and console errors."""
    context = browser.new_context(viewport=PHONE_WIDTH)
    tab = SimpleNamespace(page=context.new_page(), dialogs=[], errors=[])
    tab.page.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    tab.page.on("console", lambda message: message.type == "error" and tab.errors.append(message.text))
    tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.page.goto(site[0])
    tab.page.get_by_role("button", name="Chat: find treatment near you").wait_for()
    yield tab
    context.close()


# Every control a person can reach, and the name a screen reader gives it ("" when it has none).
UNNAMED_CONTROLS = """() => Array.from(document.querySelectorAll(
    'button, input, select, textarea, a[href], [role="dialog"], [role="log"], [role="group"]'))
  .filter((node) => node.getClientRects().length > 0)
  .map((node) => {
    const labelledBy = node.getAttribute('aria-labelledby');
    const name = node.getAttribute('aria-label')
      || (labelledBy && document.getElementById(labelledBy) && document.getElementById(labelledBy).textContent)
      || (node.labels && node.labels.length && node.labels[0].textContent)
      || (['INPUT', 'SELECT', 'TEXTAREA'].includes(node.tagName) ? '' : node.textContent)
      || node.getAttribute('title') || '';
    return {node: node.outerHTML.slice(0, 80), name: name.trim()};
  })
  .filter((control) => !control.name)"""

NO_HORIZONTAL_SCROLL = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def open_chat(page) -> None:
    page.get_by_role("button", name="Chat: find treatment near you").click()
    page.locator(".tn-from-bot").first.wait_for()  # the assistant's greeting


def test_a_search_in_the_widget_shows_result_cards_with_markup_as_text(phone):
    page = phone.page
    open_chat(page)
    assert page.evaluate("document.activeElement.id") == "tn-input"
    page.get_by_label("Your message").fill("need bupe near 19134")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Medicaid").click()
    cards = page.locator(".tn-card")
    cards.first.wait_for(timeout=30_000)
    assert cards.count() == 3
    assert page.locator(".tn-from-user").last.inner_text().endswith("Medicaid")  # the title, not the payload
    assert "Closest for buprenorphine" in page.locator(".tn-log").inner_text()

    call = cards.nth(0).get_by_role("link", name=re.compile("^Call "))
    assert call.get_attribute("href") == "tel:+12155550100"
    assert cards.nth(0).get_by_role("link", name=re.compile("^Map of ")).get_attribute("href").startswith(
        "https://www.openstreetmap.org/")
    hostile = cards.nth(2)
    assert MARKUP_NAME in hostile.locator("h3").text_content()
    assert hostile.get_by_role("link", name=re.compile("^Website")).count() == 0  # javascript: stays unlinked
    assert page.locator(".tn-root img, .tn-root script, .tn-root a[href^='javascript']").count() == 0
    assert "Source:" in hostile.inner_text()

    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    RESULTS.mkdir(exist_ok=True)
    cards.nth(0).scroll_into_view_if_needed()
    page.screenshot(path=str(RESULTS / "widget.png"))
    assert page.evaluate(UNNAMED_CONTROLS) == []

    page.get_by_label("Your message").fill("<img src=x onerror=alert(1)>")
    page.get_by_role("button", name="Send").click()
    replies_before = page.locator(".tn-from-bot").count()
    # Function form: a bare expression would be eval'd, which the page's CSP forbids.
    page.wait_for_function("(count) => document.querySelectorAll('.tn-from-bot').length > count", arg=replies_before)
    assert page.locator(".tn-from-user").last.inner_text().endswith("<img src=x onerror=alert(1)>")
    assert page.locator(".tn-root img").count() == 0
    assert phone.dialogs == []
    assert not [error for error in phone.errors if "Content Security Policy" in error]

    # A reload keeps the conversation in this tab.
    page.reload()
    page.locator(".tn-card").first.wait_for()
    assert page.locator(".tn-card").count() == 3


def test_quick_exit_clears_the_chat_and_leaves_without_a_way_back(phone, site):
    page = phone.page
    _, exit_url = site
    websockets = []
    page.on("websocket", lambda websocket: websockets.append(websocket))
    open_chat(page)
    page.get_by_label("Your message").fill("i need methadone")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('.tn-from-bot').length > 1")
    assert page.evaluate("sessionStorage.length") > 0
    history_length = page.evaluate("history.length")
    page.get_by_label("Your message").fill("something not sent yet")

    # First the way out answers 204 No Content, so the browser stays on the page it was leaving
    # and what Quick exit left behind there can be checked; then the real way out.
    way_out = re.compile(r".*[?&]exited=1$")
    page.route(way_out, lambda route: route.fulfill(status=204))
    page.get_by_role("button", name="Quick exit").click()
    page.wait_for_function("() => document.querySelectorAll('.tn-message').length === 0", polling=100)
    assert page.evaluate("sessionStorage.length") == 0
    assert page.locator(".tn-replies button").count() == 0
    assert page.get_by_label("Your message").input_value() == ""
    for _ in range(20):  # the socket closes a moment after the click
        if all(websocket.is_closed() for websocket in websockets):
            break
        page.wait_for_timeout(100)
    assert websockets and all(websocket.is_closed() for websocket in websockets)
    page.unroute(way_out)
    page.get_by_role("button", name="Quick exit").click()
    page.wait_for_url(exit_url)
    assert page.evaluate("history.length") == history_length  # replaced, not pushed: Back cannot return
    assert page.evaluate("sessionStorage.length") == 0  # and the page it landed on stored nothing
    assert page.locator(".tn-message").count() == 0


def test_the_widget_works_with_the_keyboard(phone):
    page = phone.page
    launcher = page.locator(".tn-launcher")
    launcher.focus()
    page.keyboard.press("Enter")
    page.locator(".tn-from-bot").first.wait_for()
    assert page.evaluate("document.activeElement.id") == "tn-input"
    assert launcher.get_attribute("aria-expanded") == "true"
    assert page.get_by_role("log", name="Conversation").get_attribute("aria-live") == "polite"
    assert "This chat is private." in page.locator(".tn-privacy").inner_text()
    page.keyboard.press("Shift+Tab")  # back through the suggested answers to the controls above
    page.keyboard.press("Escape")
    assert page.locator("#tn-panel").is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('tn-launcher')")
    assert page.get_by_role("button", name="Quick exit").is_visible()  # still there with the chat closed
    assert page.evaluate(UNNAMED_CONTROLS) == []
    assert page.evaluate(NO_HORIZONTAL_SCROLL)


def test_a_card_reports_a_problem_with_reasons_as_buttons(phone):
    page = phone.page
    open_chat(page)
    page.get_by_label("Your message").fill("need bupe near 15213 i have medicaid")
    page.keyboard.press("Enter")
    page.locator(".tn-card").first.wait_for(timeout=30_000)
    page.locator(".tn-card").nth(1).get_by_role("button", name=re.compile("^Report a problem: ")).click()
    replies = page.locator(".tn-replies")
    replies.get_by_role("button", name="Closed").wait_for(timeout=30_000)
    assert page.locator(".tn-from-bot").last.inner_text().strip().endswith("Tap one.")
    assert [b.inner_text() for b in replies.get_by_role("button").all()] == [
        "Closed", "Wrong phone", "Wrong address", "Doesn't offer this", "Other"]
    replies.get_by_role("button", name="Closed").click()
    page.get_by_text("A navigator will check it.").wait_for(timeout=30_000)
    assert page.evaluate(UNNAMED_CONTROLS) == []


def test_results_on_the_web_have_buttons_and_tappable_numbers_not_sms_words(phone):
    page = phone.page
    open_chat(page)
    page.get_by_label("Your message").fill("need bupe near 15213 i have medicaid")
    page.keyboard.press("Enter")
    page.locator(".tn-card").first.wait_for(timeout=30_000)
    log = page.locator(".tn-log")
    for sms_words in ("Reply with a number", "Reply 1", "Type MORE", "text HELP", "Text NEW"):
        assert sms_words.lower() not in log.inner_text().lower()
    replies = page.locator(".tn-replies")
    assert replies.get_by_role("button", name="More places").is_visible()
    assert replies.get_by_role("button", name="New search").is_visible()
    assert page.locator(".tn-card").first.get_by_role("button", name=re.compile("^Details about ")).is_visible()
    # The line under treatment results has a number to call: Never Use Alone by day, the 24/7
    # helpline at night where the person is (the servers run on the real clock).
    extra = page.locator(".tn-extra").last
    assert extra.locator("a[href='tel:+18004843731'], a[href='tel:+18006624357']").count() == 1

    replies.get_by_role("button", name="More places").click()
    page.wait_for_function("() => document.querySelectorAll('.tn-card').length >= 6", timeout=30_000)
    assert page.locator(".tn-card h3").nth(3).inner_text().startswith("4. ")

    # What the person types stays text, numbers and addresses included.
    replies_before = page.locator(".tn-from-bot").count()
    page.get_by_label("Your message").fill("call me at 215-555-0100 or see https://example.org")
    page.keyboard.press("Enter")
    mine = page.locator(".tn-from-user").last
    mine.wait_for()
    assert mine.locator("a").count() == 0
    # Wait for the reply to that message, so the next wait cannot be met by it.
    page.wait_for_function("(count) => document.querySelectorAll('.tn-from-bot').length > count", arg=replies_before)
    page.wait_for_timeout(500)

    replies_before = page.locator(".tn-from-bot").count()
    page.get_by_label("Your message").fill("help")
    page.keyboard.press("Enter")
    page.wait_for_function("(count) => document.querySelectorAll('.tn-from-bot').length > count", arg=replies_before)
    page.wait_for_timeout(500)
    answer = page.locator(".tn-from-bot").last
    assert "988" in answer.inner_text() and "DELETE" not in answer.inner_text()
    assert answer.locator("a[href='tel:988']").count() == 1
    assert page.evaluate(UNNAMED_CONTROLS) == []

"""The web chat page (bot/gateway/static) in a real browser: Playwright driving Debian's Chromium.

The first test talks to the real gateway and engine through the `gateway_url` fixture
(tests/e2e/conftest.py). The others load the same page from the gateway but answer its webhook
calls from the test (Playwright's request routing), to check what a live bot can't be made to do
on demand: bot text that looks like HTML, a failed request, a reply slower than 10 seconds.

Accessibility is checked with axe-core, read from $AXE_CORE_JS (default:
<repo>/node_modules/axe-core/axe.min.js, installed by the Makefile with `npm ci`).

Without /usr/bin/chromium (which `make test` installs) the `browser` fixture fails: nothing skips.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.db.models import Contact
from bot.db.session import session_scope
from bot.pseudonym import person_key, pseudonymise
from tests.e2e.browser import axe_violations
from tests.e2e.conftest import E2E_SECRET, PRIVACY_NOTICE

try:
    from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect, sync_playwright
except ImportError:  # reported by the `browser` fixture, so a missing package fails, never skips
    sync_playwright = None


WEBHOOK = "**/webhooks/rest/webhook"
SENDER_KEY = "getonline.sender"
BOT = "#log .msg--bot:not(.msg--error)"
ERROR = "#log .msg--error"
USER = "#log .msg--user"
REPLY_MS = 15_000  # the page itself gives up after 10 s
QUESTION = "how do I get free mobile data"


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(REPLY_MS)
    errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error" and "Content Security Policy" in msg.text:
            errors.append(f"console: {msg.text}")

    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on("console", on_console)
    yield page
    context.close()
    assert not errors, errors


# ---- helpers ----


def bot_texts(page: Page) -> list[str]:
    """The text of each bot bubble, without its visually hidden "Bot said:" prefix."""
    texts = page.locator(BOT).all_text_contents()
    return [t.removeprefix("Bot said: ").strip() for t in texts]


def wait_for_reply(page: Page, bots_before: int) -> None:
    """Wait for a new bot bubble (or the page's error message, which fails the test)."""
    page.wait_for_function(
        "([bot, error, n]) => document.querySelectorAll(bot).length > n"
        " || document.querySelector(error) !== null",
        arg=[BOT, ERROR, bots_before],
        timeout=REPLY_MS,
    )
    errors = page.locator(ERROR).all_text_contents()
    assert not errors, f"the page showed its error message: {errors}"
    expect(page.locator("#typing")).to_be_empty()


def sender_id(page: Page) -> str | None:
    return page.evaluate("key => localStorage.getItem(key)", SENDER_KEY)


FOCUS_RING = """() => {
    const style = getComputedStyle(document.activeElement);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2
        && style.outlineColor !== "rgba(0, 0, 0, 0)";
    return outline || style.boxShadow !== "none";
}"""


def reply(*messages: dict[str, Any]) -> Callable[[Route], None]:
    """A webhook handler that answers every request with the given Rasa REST messages."""

    def handle(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(list(messages)))

    return handle


GREETING = {
    "recipient_id": "x",
    "text": "Hello! What would you like help with?",
    "buttons": [
        {"title": "Free mobile data", "payload": '/ask_topic{"topic": "free_data"}'},
        {"title": "Cheap broadband", "payload": '/ask_topic{"topic": "cheap_broadband"}'},
    ],
}


# ---- against the real gateway and engine ----


def test_chat_with_the_real_bot(page: Page, gateway_url: str, axe_source: str) -> None:
    base = gateway_url.rstrip("/")
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(base + "/")

    # The page: its landmarks, heading, labelled message box and notices.
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_text("Get Online: help getting online in Leeds")
    log = page.get_by_role("log")
    expect(log).to_have_attribute("aria-live", "polite")
    box = page.get_by_label("Type your message")
    expect(box).to_have_attribute("maxlength", "1000")
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    footer = page.get_by_role("contentinfo")
    expect(footer).to_contain_text(
        "This is a chatbot. Don't send bank details or your National Insurance number."
    )
    expect(footer).to_contain_text("Type 'forget me' to ask us to delete them.")

    # The silent "hi": the bot greets with buttons, and no message from the resident is shown.
    wait_for_reply(page, 0)
    expect(log.locator(".msg--bot").first).to_contain_text("Bot said:")
    expect(page.locator(USER)).to_have_count(0)
    choices = log.get_by_role("button")
    expect(choices.first).to_be_visible()
    assert choices.count() >= 1
    sender = sender_id(page)
    assert sender, "no sender id kept in localStorage"

    # Keyboard: the first Tab shows the skip link; the controls show a visible focus ring.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the message box")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0, "the skip link stays off screen when focused"
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Larger text")).to_be_focused()
    assert page.evaluate(FOCUS_RING), "no visible focus indicator"

    # Press the first button: its title is shown as the resident's message, and the bot answers.
    bots = page.locator(BOT).count()
    title = choices.first.inner_text().strip()
    choices.first.click()
    expect(page.locator(USER).last).to_have_text(f"You said: {title}")
    wait_for_reply(page, bots)

    # Type a question and press Enter.
    bots = page.locator(BOT).count()
    box.fill(QUESTION)
    box.press("Enter")
    expect(page.locator(USER).last).to_have_text(f"You said: {QUESTION}")
    expect(box).to_have_value("")
    expect(box).to_be_focused()
    wait_for_reply(page, bots)
    answer = bot_texts(page)[-1]
    assert answer, "the bot's answer has no text"

    assert axe_violations(page, axe_source) == []

    # Larger text: pressed, the page's text grows, and it is remembered over a reload.
    larger = page.get_by_role("button", name="Larger text")
    expect(larger).to_have_attribute("aria-pressed", "false")
    size_before = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    larger.click()
    expect(larger).to_have_attribute("aria-pressed", "true")
    size_after = page.evaluate("() => parseFloat(getComputedStyle(document.body).fontSize)")
    assert size_after >= size_before * 1.2, (size_before, size_after)
    assert axe_violations(page, axe_source) == []

    page.reload()
    expect(larger).to_have_attribute("aria-pressed", "true")
    wait_for_reply(page, 0)
    assert sender_id(page) == sender, "a reload should continue the same conversation"

    # Nothing overflows sideways on a 320px-wide screen, even with larger text.
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    # Start again: a new conversation id and a fresh greeting.
    page.get_by_role("button", name="Start again").click()
    wait_for_reply(page, 0)
    expect(page.locator(USER)).to_have_count(0)
    assert sender_id(page) not in (None, sender)

    # Everything came from the gateway itself: no CDN, no outside fonts.
    outside = [url for url in requests if not url.startswith(base + "/") and not url.startswith("data:")]
    assert outside == []


# Records what is added to the live region, from before the page's own script runs.
WATCH_LOG = """
window.__logAtLoad = null;
window.__logAdded = [];
document.addEventListener("DOMContentLoaded", () => {
    const log = document.getElementById("log");
    window.__logAtLoad = log.childElementCount;
    new MutationObserver((records) => {
        for (const record of records) {
            for (const node of record.addedNodes) {
                if (node.nodeType === 1) window.__logAdded.push(node.textContent);
            }
        }
    }).observe(log, { childList: true });
});
"""


def webhook_bodies(page: Page) -> list[dict[str, Any]]:
    """What the page posts to the webhook, in order (kept as the page sends it)."""
    bodies: list[dict[str, Any]] = []

    def on_request(request: Any) -> None:
        if request.url.endswith("/webhooks/rest/webhook") and request.method == "POST":
            bodies.append(json.loads(request.post_data or "{}"))

    page.on("request", on_request)
    return bodies


def referral_of(database_url: str, sender: str) -> str | None:
    person = person_key(pseudonymise(E2E_SECRET, "web", sender))
    with session_scope(database_url) as session:
        contact = session.get(Contact, person)
        assert contact is not None, "the gateway did not record the visit"
        return contact.referral_code


def test_the_privacy_notice_is_the_first_reply_and_is_announced(page: Page, gateway_url: str) -> None:
    page.add_init_script(WATCH_LOG)
    page.goto(gateway_url.rstrip("/") + "/")
    wait_for_reply(page, 0)

    log = page.get_by_role("log")
    notice = log.locator(".msg--bot").first
    expect(notice).to_have_text(f"Bot said: {PRIVACY_NOTICE}")
    expect(notice).to_be_visible()
    # Announced: it is added (not there at load) to a polite live region that reads additions,
    # with nothing around it hidden from screen readers.
    expect(log).to_have_attribute("aria-live", "polite")
    assert "additions" in (log.get_attribute("aria-relevant") or "additions")
    assert page.evaluate("() => window.__logAtLoad") == 0
    added = page.evaluate("() => window.__logAdded")
    assert added and added[0] == f"Bot said: {PRIVACY_NOTICE}", added
    assert notice.evaluate("el => el.closest('[aria-hidden=\"true\"]') === null")
    # The menu follows it, so the resident is never left with only the notice.
    expect(log.get_by_role("button").first).to_be_visible()

    # The same person coming back is not told again.
    page.reload()
    wait_for_reply(page, 0)
    assert PRIVACY_NOTICE not in bot_texts(page)


def test_a_champions_link_starts_the_conversation_with_their_code(
    page: Page, gateway_url: str, e2e_env: dict[str, str], axe_source: str
) -> None:
    base = gateway_url.rstrip("/")
    bodies = webhook_bodies(page)
    page.goto(base + "/?ref=lib-central")
    wait_for_reply(page, 0)
    sender = sender_id(page)
    assert bodies == [{"sender": sender, "message": "", "referral": "lib-central"}]

    # A new person: the privacy notice first, then the greeting and its choices.
    texts = bot_texts(page)
    assert texts[0] == PRIVACY_NOTICE
    assert any("Hello" in text for text in texts[1:]), texts
    expect(page.get_by_role("log").get_by_role("button").first).to_be_visible()
    expect(page.locator(USER)).to_have_count(0)
    assert referral_of(e2e_env["DATABASE_URL"], sender) is None, "opening the link is not a conversation yet"
    assert axe_violations(page, axe_source) == []
    # The referral counts once the resident says something (here: presses the first choice).
    bots = page.locator(BOT).count()
    page.get_by_role("log").get_by_role("button").first.click()
    wait_for_reply(page, bots)
    assert referral_of(e2e_env["DATABASE_URL"], sender) == "LIB-CENTRAL"

    # A reload continues the same conversation, without counting the referral again.
    page.reload()
    wait_for_reply(page, 0)
    assert sender_id(page) == sender
    assert bodies[-1] == {"sender": sender, "message": "hi"}

    # "Start again" on the champion's PC: the next person is counted for the champion too.
    page.get_by_role("button", name="Start again").click()
    wait_for_reply(page, 0)
    second = sender_id(page)
    assert second not in (None, sender)
    assert bodies[-1] == {"sender": second, "message": "", "referral": "lib-central"}
    assert bot_texts(page)[0] == PRIVACY_NOTICE
    bots = page.locator(BOT).count()
    page.get_by_role("log").get_by_role("button").first.click()
    wait_for_reply(page, bots)
    assert referral_of(e2e_env["DATABASE_URL"], second) == "LIB-CENTRAL"
    assert axe_violations(page, axe_source) == []


# ---- the page's own behaviour, with the webhook answered by the test ----


def test_sends_payloads_and_renders_bot_text_as_text(page: Page, gateway_url: str) -> None:
    posted: list[dict[str, Any]] = []
    tricky = {
        "recipient_id": "x",
        "text": 'Line one <img src=x onerror="window.pwned=1"> <b>not bold</b>\n'
        "Line two: see https://example.org/free-data. Or (http://example.org/a_(b))",
    }

    def handle(route: Route) -> None:
        posted.append(json.loads(route.request.post_data or "{}"))
        more = {"recipient_id": "x", "text": "Anything else?"}
        messages = [GREETING] if len(posted) == 1 else [tricky, more]
        route.fulfill(status=200, content_type="application/json", body=json.dumps(messages))

    page.route(WEBHOOK, handle)
    page.goto(gateway_url.rstrip("/") + "/")
    wait_for_reply(page, 0)
    sender = sender_id(page)
    assert posted == [{"sender": sender, "message": "hi"}]

    page.get_by_role("button", name="Cheap broadband").click()
    expect(page.locator(USER)).to_have_text(["You said: Cheap broadband"])
    wait_for_reply(page, 1)
    assert posted[1] == {"sender": sender, "message": '/ask_topic{"topic": "cheap_broadband"}'}
    expect(page.locator(BOT)).to_have_count(3)

    bubble = page.locator(BOT).nth(1)
    expect(bubble.locator("img, b")).to_have_count(0)
    assert page.evaluate("() => window.pwned") is None
    text = bubble.inner_text()
    assert '<img src=x onerror="window.pwned=1"> <b>not bold</b>' in text
    assert "\n" in text.split("Line two")[0], "the line break was not kept"

    links = bubble.get_by_role("link")
    expect(links).to_have_count(2)
    assert links.nth(0).get_attribute("href") == "https://example.org/free-data"
    assert links.nth(1).get_attribute("href") == "http://example.org/a_(b)"
    for i in range(2):
        assert links.nth(i).get_attribute("target") == "_blank"
        assert "noopener" in (links.nth(i).get_attribute("rel") or "").split()


def test_a_link_with_a_bad_code_or_to_an_ongoing_conversation_just_says_hi(
    page: Page, gateway_url: str
) -> None:
    posted: list[dict[str, Any]] = []

    def handle(route: Route) -> None:
        posted.append(json.loads(route.request.post_data or "{}"))
        reply(GREETING)(route)

    page.route(WEBHOOK, handle)
    base = gateway_url.rstrip("/")
    forget_sender = "key => localStorage.removeItem(key)"
    for ref in ("%3Cscript%3E", "x" * 41, "AB", ""):
        page.goto(f"{base}/?ref={ref}")
        wait_for_reply(page, 0)
        assert posted[-1] == {"sender": sender_id(page), "message": "hi"}, ref
        page.evaluate(forget_sender, SENDER_KEY)  # the next visit is a new person

    # Someone already chatting who opens a champion's link carries on where they were.
    page.goto(f"{base}/")
    wait_for_reply(page, 0)
    sender = sender_id(page)
    page.goto(f"{base}/?ref=LIB-CENTRAL")
    wait_for_reply(page, 0)
    assert sender_id(page) == sender
    assert posted[-1] == {"sender": sender, "message": "hi"}
    page.evaluate(forget_sender, SENDER_KEY)
    page.goto(f"{base}/?lang=en&ref=HUB-COMPTON#top")
    wait_for_reply(page, 0)
    assert posted[-1] == {"sender": sender_id(page), "message": "", "referral": "HUB-COMPTON"}
    assert sender_id(page) != sender


def test_a_failed_request_gives_a_friendly_message(page: Page, gateway_url: str) -> None:
    calls: list[str] = []

    def handle(route: Route) -> None:
        calls.append(json.loads(route.request.post_data or "{}")["message"])
        if len(calls) == 2:
            route.abort("connectionrefused")
        elif len(calls) == 3:
            route.fulfill(status=500, content_type="text/plain", body="Traceback: KeyError 'sender'")
        else:
            reply(GREETING)(route)

    page.route(WEBHOOK, handle)
    page.goto(gateway_url.rstrip("/") + "/")
    wait_for_reply(page, 0)

    box = page.get_by_label("Type your message")
    for attempt in (1, 2):
        box.fill(QUESTION)
        box.press("Enter")
        expect(page.locator(ERROR)).to_have_count(attempt)
        error = page.locator(ERROR).last
        expect(error).to_contain_text("Sorry, something went wrong. Please try again, or call")
        expect(error).not_to_contain_text("Traceback")
        expect(error).not_to_contain_text("500")
        expect(page.locator("#typing")).to_be_empty()

    # "Try again" sends the same message once more, without showing it twice.
    page.get_by_role("button", name="Try again").last.click()
    expect(page.locator(BOT)).to_have_count(2)
    assert calls == ["hi", QUESTION, QUESTION, QUESTION]
    expect(page.locator(USER)).to_have_count(2)
    expect(box).to_be_focused()


def test_a_reply_slower_than_ten_seconds_gives_a_friendly_message(page: Page, gateway_url: str) -> None:
    held: list[Route] = []

    def handle(route: Route) -> None:
        if json.loads(route.request.post_data or "{}")["message"] == "hi":
            reply(GREETING)(route)
        else:
            held.append(route)  # never answered

    page.clock.install()
    page.route(WEBHOOK, handle)
    page.goto(gateway_url.rstrip("/") + "/")
    wait_for_reply(page, 0)

    box = page.get_by_label("Type your message")
    box.fill(QUESTION)
    box.press("Enter")
    expect(page.locator("#typing")).to_contain_text("typing")
    for _ in range(100):  # the request reaches the handler a moment after Enter
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the question was not sent"
    page.clock.run_for(9_000)
    expect(page.locator(ERROR)).to_have_count(0)
    page.clock.run_for(1_500)
    expect(page.locator(ERROR)).to_contain_text("Sorry, something went wrong")
    expect(page.locator("#typing")).to_be_empty()
    assert re.search(r"\d{4} ?\d{3} ?\d{4}", page.locator(ERROR).inner_text()), "no phone number to call"
    for route in held:
        with contextlib.suppress(Exception):  # the page has already given up on it
            route.abort()

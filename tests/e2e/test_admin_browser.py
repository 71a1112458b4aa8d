"""The staff admin in real Chromium, on the real running stack (tests/e2e/conftest.py).

A member of staff logs in, edits a venue, and the bot's very next answer to a resident shows
the change; an import with a broken row shows that row in the preview and writes nothing.
Both pages are checked with axe-core, and nothing may be blocked by the Content-Security-Policy
or come from another site. The edit is undone afterwards: the other end-to-end tests share the
stack and its database.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, delete, func, select, update
from sqlalchemy.engine import Engine

from bot.db.models import AuditEntry, TopicReview, Venue
from tests.e2e.browser import axe_violations
from tests.e2e.conftest import Resident, add_staff_account

try:
    from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright
except ImportError:  # reported by the `browser` fixture, so a missing package fails, never skips
    sync_playwright = None

EMAIL = "e2e-admin@leeds.gov.uk"
PASSWORD = "a long e2e test passphrase"
VENUE = "Dewsbury Road Community Hub and Library"
RENAMED = "Dewsbury Road Hub and Library (checked by staff)"
POSTCODE = "LS11 6PF"
IMPORTS = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "import")
BROKEN_CSV = (
    "name,address,postcode,latitude,longitude,step_free\n"
    "Beeston Community Centre,Town Street,LS11 6PF,,,yes\n"
    "Hunslet Hub,,LS10 9ZZ,,,no\n"
)


@pytest.fixture(scope="module")
def database(e2e_env: dict[str, str]) -> Iterator[Engine]:
    engine = create_engine(e2e_env["DATABASE_URL"])
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def staff_account(e2e_env: dict[str, str]) -> str:
    return add_staff_account(e2e_env, EMAIL, PASSWORD, "admin")


def open_page(browser: Browser, gateway_url: str, width: int) -> tuple[Page, list[str], list[str]]:
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    elsewhere: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # Not "failed to load" errors: the wrong-password page is a 400 on purpose.
        if message.type == "error" and "Failed to load resource" not in message.text:
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on(
        "request",
        lambda request: (
            elsewhere.append(request.url)
            if not request.url.startswith(gateway_url.rstrip("/")) and not request.url.startswith("data:")
            else None
        ),
    )
    return page, problems, elsewhere


def log_in(page: Page, gateway_url: str, axe_source: str) -> None:
    page.goto(gateway_url.rstrip("/") + "/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Get Online staff: log in")
    assert axe_violations(page, axe_source) == []
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What do you want to do?")


def test_staff_edit_a_venue_and_the_bot_says_so_next(
    browser: Browser,
    gateway_url: str,
    staff_account: str,
    resident: Resident,
    database: Engine,
    axe_source: str,
) -> None:
    before = resident.text(resident.say(f"find help near {POSTCODE}"))
    assert VENUE in before
    page, problems, elsewhere = open_page(browser, gateway_url, 1280)
    try:
        log_in(page, gateway_url, axe_source)
        page.get_by_role("navigation", name="Staff pages").get_by_role(
            "link", name="Venues", exact=True
        ).click()
        page.get_by_role("textbox", name="Search").fill("Dewsbury")
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page.get_by_role("cell", name=VENUE)).to_be_visible()
        page.get_by_role("row", name=VENUE).get_by_role("link", name="Edit").click()
        name = page.get_by_label("Name", exact=True)
        expect(name).to_have_value(VENUE)
        assert axe_violations(page, axe_source) == []
        name.fill(RENAMED)
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("cell", name=RENAMED)).to_be_visible()

        after = resident.text(resident.say(f"find help near {POSTCODE}"))
        assert RENAMED in after, after

        page.get_by_role("link", name="Audit log").click()
        expect(page.get_by_role("cell", name=f"Changed venue '{RENAMED}': name")).to_be_visible()
        assert problems == [], problems
        assert elsewhere == [], "everything comes from the gateway itself"
    finally:
        page.context.close()
        with database.begin() as connection:
            connection.execute(update(Venue).where(Venue.name == RENAMED).values(name=VENUE))


def test_an_import_with_a_broken_row_shows_it_and_writes_nothing(
    browser: Browser, gateway_url: str, staff_account: str, database: Engine, axe_source: str
) -> None:
    with database.connect() as connection:
        venues = connection.scalar(select(func.count()).select_from(Venue))
        imports = connection.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "import")
        )
    page, problems, _ = open_page(browser, gateway_url, 360)  # a phone
    try:
        log_in(page, gateway_url, axe_source)
        page.goto(gateway_url.rstrip("/") + "/admin/import")
        page.get_by_label("Venues").check()
        page.get_by_label("CSV file").set_input_files(
            files=[{"name": "new-venues.csv", "mimeType": "text/csv", "buffer": BROKEN_CSV.encode()}]
        )
        page.get_by_role("button", name="Check the file").click()
        expect(page.get_by_text("Nothing has been saved yet.")).to_be_visible()
        expect(page.get_by_role("heading", name="1 problem to fix first")).to_be_visible()
        expect(page.get_by_role("link", name="Row 3")).to_be_visible()
        broken = page.locator("#row-3")
        expect(broken).to_have_class("row-problem")
        expect(broken).to_contain_text("postcode LS10 9ZZ was not found")
        expect(page.locator("#row-2")).to_contain_text("OK")
        expect(page.get_by_role("button", name="Import these rows")).to_have_count(0)
        assert axe_violations(page, axe_source) == []
        assert page.evaluate(
            "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        ), "the page is wider than the phone"
        assert problems == [], problems
    finally:
        page.context.close()
    with database.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Venue)) == venues
        assert (
            connection.scalar(
                select(func.count()).select_from(Venue).where(Venue.name == "Beeston Community Centre")
            )
            == 0
        )
        assert (
            connection.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "import")
            )
            == imports
        )


def test_logging_out_ends_the_session_on_the_server_too(
    browser: Browser, gateway_url: str, staff_account: str, axe_source: str
) -> None:
    page, problems, _ = open_page(browser, gateway_url, 1280)
    try:
        log_in(page, gateway_url, axe_source)
        copied = {c["name"]: c["value"] for c in page.context.cookies() if c["name"] == "getonline_staff"}
        admin = gateway_url.rstrip("/") + "/admin/"
        assert httpx.get(admin, cookies=copied, timeout=30).status_code == 200, "a copy works while logged in"
        page.get_by_role("button", name="Log out").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Get Online staff: log in")
        response = httpx.get(admin, cookies=copied, timeout=30)
        assert response.status_code == 303 and "/admin/login" in response.headers["location"]
        assert problems == [], problems
    finally:
        page.context.close()


def test_a_reviewer_checks_a_topic_against_its_sources_and_marks_it_reviewed(
    browser: Browser, gateway_url: str, staff_account: str, database: Engine, axe_source: str
) -> None:
    page, problems, elsewhere = open_page(browser, gateway_url, 1280)
    try:
        log_in(page, gateway_url, axe_source)
        page.get_by_role("navigation", name="Staff pages").get_by_role(
            "link", name="Knowledge base", exact=True
        ).click()
        row = page.locator("#topic-pension_credit")
        expect(row.get_by_role("link", name="GOV.UK, Pension Credit, How to claim")).to_have_attribute(
            "href", "https://www.gov.uk/pension-credit/how-to-claim"
        )
        assert axe_violations(page, axe_source) == []
        row.get_by_label("I checked it against its sources").check()
        row.get_by_role("button", name="Reviewed").click()
        expect(page.get_by_role("status")).to_have_text("Recorded your review of Pension Credit.")
        expect(page.locator("#topic-pension_credit")).to_contain_text(f"by {EMAIL}")
        assert problems == [], problems
        assert elsewhere == [], "everything comes from the gateway itself"
    finally:
        page.context.close()
        with database.begin() as connection:
            connection.execute(delete(TopicReview).where(TopicReview.reviewer == EMAIL))

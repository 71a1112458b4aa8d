"""The call-back queue in real Chromium: a resident asks on the web chat, an admin sees it
(priority first, overdue on the first page), opens it (the number shown and audited), assigns it
to an organisation; that organisation's editor marks it could-not-reach, then done with one
outcome, and the stored number is gone. Another organisation's request is a 403, by guessed id too."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.callbacks import store
from bot.callbacks.workdays import WorkingDays
from bot.db.models import AuditEntry, CallbackRequest, Organisation, StaffUser
from bot.db.session import session_scope
from bot.outbound import ContactCipher
from bot.pseudonym import pseudonymise
from bot.settings import ROOT, get_settings
from tests.e2e.browser import axe_violations
from tests.e2e.conftest import E2E_SECRET, Resident, add_staff_account

with contextlib.suppress(ImportError):  # reported by the `browser` fixture: a missing package fails
    from playwright.sync_api import Browser, Page, expect

ADMIN = "e2e-callback-admin@leeds.gov.uk"
EDITOR = "e2e-callback-editor@leeds.gov.uk"
PASSWORD = "a long passphrase for call backs"
OURS, THEIRS = "Call-back test: Ours", "Call-back test: Theirs"


@pytest.fixture(scope="module")
def organisations(e2e_env: dict[str, str]) -> dict[str, int]:
    add_staff_account(e2e_env, ADMIN, PASSWORD, "admin")
    add_staff_account(e2e_env, EDITOR, PASSWORD, "editor")
    with session_scope(e2e_env["DATABASE_URL"]) as session:
        ours, theirs = Organisation(name=OURS), Organisation(name=THEIRS)
        session.add_all([ours, theirs])
        session.flush()
        editor = session.scalars(select(StaffUser).where(StaffUser.email == EDITOR)).one()
        editor.organisation_id = ours.id
        return {"ours": ours.id, "theirs": theirs.id}


def make_request(
    url: str, conversation: str, *, created: datetime, organisation: int | None, topic: str
) -> int:
    cipher = ContactCipher(get_settings().outbound_key_list)
    with session_scope(url) as session:
        request = store.create_request(
            session,
            cipher,
            store.NewRequest(conversation, "web", topic, "any", None, False, "", "LS9"),
            now=created,
            workdays=WorkingDays.from_file(ROOT / "content" / "bank_holidays.yml"),
            within_working_days=2,
        )
        store.attach_number(session, cipher, request.id, conversation, "+447400111222", "mobile")
        if organisation is not None:
            store.assign(session, request, organisation_id=organisation, champion="")
        return request.id


def log_in(page: Page, gateway_url: str, email: str) -> None:
    page.goto(gateway_url.rstrip("/") + "/admin/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What do you want to do?")


def ask_for_a_call_back(gateway_url: str, sender: str) -> None:
    resident = Resident(gateway_url, sender)
    resident.say("he's on the phone right now asking for my pin")
    for answer in ("Yes, ring me back", "Scams", "Mornings", "skip", "yes"):
        resident.say(answer)
    assert "as soon as they can" in Resident.text(resident.say("07400 222333"))


def test_the_queue_from_a_residents_request_to_done(
    browser: Browser,
    gateway_url: str,
    e2e_env: dict[str, str],
    organisations: dict[str, int],
    axe_source: str,
) -> None:
    url = e2e_env["DATABASE_URL"]
    sender = "web-callback-admin-resident"
    ask_for_a_call_back(gateway_url, sender)
    conversation = pseudonymise(E2E_SECRET, "web", sender)
    with session_scope(url) as session:
        mine = session.scalars(
            select(CallbackRequest.id).where(CallbackRequest.conversation_id == conversation)
        ).one()
    overdue = make_request(
        url,
        "e2e-overdue",
        created=datetime.now(UTC) - timedelta(days=8),
        organisation=None,
        topic="old request",
    )
    theirs = make_request(
        url,
        "e2e-theirs",
        created=datetime.now(UTC),
        organisation=organisations["theirs"],
        topic="their request",
    )

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, gateway_url, ADMIN)
        first = page.locator(
            "section", has=page.get_by_role("heading", name="Call backs overdue", exact=False)
        )
        expect(first.get_by_role("link", name=f"Call back {overdue}")).to_be_visible()
        page.get_by_role("link", name="Call-back queue").first.click()
        rows = page.locator("table.callback-queue tbody tr")
        expect(rows.first).to_have_attribute("data-request", str(mine))  # priority first
        expect(rows.first).to_have_class("priority")
        assert "07400" not in page.content()  # no number in the queue
        assert axe_violations(page, axe_source) == []

        page.get_by_role("link", name=f"Call back {mine}", exact=True).click()
        expect(page.locator("#callback-number")).to_contain_text("07400 222333")
        assert axe_violations(page, axe_source) == []
        page.get_by_label("Organisation").select_option(label=OURS)
        page.get_by_label("Champion (a first name or role)").fill("Sam")
        page.get_by_role("button", name="Assign").click()
        expect(page.get_by_role("status")).to_have_text(f"Call back {mine} assigned.")
    finally:
        context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, gateway_url, EDITOR)
        page.get_by_role("link", name="Call-back queue").first.click()
        expect(page.get_by_role("link", name=f"Call back {mine}", exact=True)).to_be_visible()
        assert f"Call back {theirs}<" not in page.content() and f"Call back {overdue}<" not in page.content()

        for guessed in (theirs, overdue, 999_999):
            response = page.goto(gateway_url.rstrip("/") + f"/admin/callbacks/{guessed}")
            assert response is not None and response.status == 403
        page.goto(gateway_url.rstrip("/") + "/admin/callbacks")

        page.get_by_role("link", name=f"Call back {mine}", exact=True).click()
        expect(page.locator("#callback-number")).to_contain_text("07400 222333")
        page.get_by_role("button", name="Could not reach").click()
        expect(page.get_by_role("status")).to_contain_text("could not reach (try 1)")
        page.get_by_role("link", name=f"Call back {mine}", exact=True).click()
        page.get_by_label("Helped").check()
        page.get_by_role("button", name="Mark done and delete the number").click()
        expect(page.get_by_role("status")).to_contain_text("done: helped")
    finally:
        context.close()

    with session_scope(url) as session:
        done = session.get(CallbackRequest, mine)
        assert done is not None
        assert (done.status, done.outcome, done.phone_encrypted, done.attempts) == ("done", "helped", None, 1)
        views = session.scalars(
            select(AuditEntry.staff_email).where(
                AuditEntry.entity == "CallbackRequest",
                AuditEntry.entity_id == str(mine),
                AuditEntry.action == "view",
            )
        ).all()
        assert set(views) == {ADMIN, EDITOR}
        denied = session.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "denied")).all()
        assert str(theirs) in denied


def test_a_post_to_another_organisations_request_is_refused(
    gateway_url: str, e2e_env: dict[str, str], organisations: dict[str, int]
) -> None:
    theirs = make_request(
        e2e_env["DATABASE_URL"],
        "e2e-theirs-post",
        created=datetime.now(UTC),
        organisation=organisations["theirs"],
        topic="theirs",
    )
    with httpx.Client(base_url=gateway_url, follow_redirects=False) as client:
        page = client.get("/admin/login")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/admin/login", data={"email": EDITOR, "password": PASSWORD, "csrf_token": token})
        assert client.get("/admin/callbacks").status_code == 200
        home = client.get("/admin/")  # its log-out form carries the session's CSRF token
        token = home.text.split('name="csrf_token" value="')[1].split('"')[0]
        refused = client.post(
            f"/admin/callbacks/{theirs}/act",
            data={"action": "done", "outcome": "helped", "csrf_token": token},
        )
        assert refused.status_code == 403
    with session_scope(e2e_env["DATABASE_URL"]) as session:
        still = session.get(CallbackRequest, theirs)
        assert still is not None and still.status == "assigned" and still.phone_encrypted is not None

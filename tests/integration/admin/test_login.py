"""Logging in and out: every staff page needs it, wrong passwords and too many tries, idle timeout."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import StaffUser
from bot.staff.accounts import set_password
from tests.integration.admin.conftest import PASSWORD, StaffSite, csrf_token, log_in, log_out, post_form

STAFF_PAGES = [
    "/admin/",
    "/admin/venue/list",
    "/admin/venue/edit/1",
    "/admin/venue/create",
    "/admin/help-session/list",
    "/admin/digital-champion/list",
    "/admin/organisation/list",
    "/admin/audit-entry/list",
    "/admin/staff-user/list",
    "/admin/export/venues.csv",
    "/admin/import",
    "/admin/stale",
    "/admin/tools",
    "/admin/flyers/champion/1.pdf",
    "/admin/qr/venue/1.png",
    "/reports/",
    "/reports/conversations.csv",
    "/reports/questions.csv",
    "/reports/confidence.csv",
    "/reports/retakes.csv",
    "/reports/referrals.csv",
    "/reports/searches.csv",
    "/reports/not-understood.csv",
]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_every_staff_page_and_download_sends_a_stranger_to_the_login(
    staff_site: StaffSite, path: str
) -> None:
    with staff_site.client() as client:
        response = client.get(path)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login?next=")
    assert "csv" not in response.headers.get("content-type", "")


def test_changes_need_a_login_too(staff_site: StaffSite) -> None:
    with staff_site.client() as client:
        page = client.get("/admin/login")
        token = csrf_token(page.text)
        response = client.post("/admin/venue/edit/1", data={"name": "x", "csrf_token": token})
        assert response.status_code == 303 and "login" in response.headers["location"]
        assert client.post("/admin/import/preview", data={"csrf_token": token}).status_code == 303


def test_logging_in_goes_where_you_were_going_and_logging_out_ends_it(
    staff_site: StaffSite, accounts: dict[str, str], db_session: Session
) -> None:
    with staff_site.client() as client:
        first = client.get("/reports/")
        page = client.get(first.headers["location"])
        assert 'name="next" value="/reports/"' in page.text
        response = client.post(
            "/admin/login",
            data={
                "email": accounts["editor"],
                "password": PASSWORD,
                "csrf_token": csrf_token(page.text),
                "next": "/reports/",
            },
        )
        assert response.status_code == 303 and response.headers["location"] == "/reports/"
        assert client.get("/reports/").status_code == 200
        assert "Logged in as editor@leeds.gov.uk" in client.get("/admin/").text
        assert log_out(client).status_code == 303
        assert client.get("/admin/").status_code == 303
    user = db_session.scalars(select(StaffUser).where(StaffUser.email == accounts["editor"])).one()
    db_session.refresh(user)
    assert user.last_login_at is not None


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    staff_site: StaffSite, accounts: dict[str, str]
) -> None:
    with staff_site.client() as client:
        wrong = log_in(client, accounts["editor"], "not the password")
        unknown = log_in(client, "nobody@leeds.gov.uk")
        assert wrong.status_code == unknown.status_code == 400
        assert "do not match an account" in wrong.text and "do not match an account" in unknown.text
        assert client.get("/admin/").status_code == 303


def test_an_offsite_next_is_not_followed(staff_site: StaffSite, accounts: dict[str, str]) -> None:
    with staff_site.client() as client:
        page = client.get("/admin/login")
        response = client.post(
            "/admin/login",
            data={
                "email": accounts["editor"],
                "password": PASSWORD,
                "csrf_token": csrf_token(page.text),
                "next": "https://evil.example/",
            },
        )
        assert response.headers["location"] == "/admin/"


def test_five_wrong_passwords_lock_that_email_for_a_while(
    staff_site: StaffSite, accounts: dict[str, str]
) -> None:
    with staff_site.client() as client:
        for _ in range(5):
            assert log_in(client, accounts["editor"], "guess the password").status_code == 400
        blocked = log_in(client, accounts["editor"])  # even the right password, for now
        assert blocked.status_code == 429
        assert "Too many attempts" in blocked.text and "15 minutes" in blocked.text
        assert int(blocked.headers["Retry-After"]) == 900
        assert log_in(client, accounts["admin"]).status_code == 303, "other accounts still log in"
        log_out(client)
        staff_site.clock.now += 901
        assert log_in(client, accounts["editor"]).status_code == 303, "after 15 minutes it may try again"


def test_a_login_form_without_its_token_is_refused(staff_site: StaffSite, accounts: dict[str, str]) -> None:
    with staff_site.client() as client:
        client.get("/admin/login")
        response = client.post("/admin/login", data={"email": accounts["editor"], "password": PASSWORD})
        assert response.status_code == 403


def test_thirty_idle_minutes_end_the_session(staff_site: StaffSite, accounts: dict[str, str]) -> None:
    with staff_site.client() as client:
        log_in(client, accounts["editor"])
        staff_site.clock.now += 29 * 60
        assert client.get("/admin/").status_code == 200, "active use keeps the session"
        staff_site.clock.now += 29 * 60
        assert client.get("/reports/").status_code == 200
        staff_site.clock.now += 31 * 60
        response = client.get("/admin/venue/list")
        assert response.status_code == 303 and "login" in response.headers["location"]
        assert client.get("/admin/").status_code == 303, "the session is gone, not just refused once"


def test_the_session_cookie_is_signed_http_only_and_strict(
    staff_site: StaffSite, accounts: dict[str, str]
) -> None:
    with staff_site.client() as client:
        response = log_in(client, accounts["editor"])
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("getonline_staff=")
        assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
        assert "Max-Age=1800" in cookie


def test_a_deactivated_account_is_logged_out_at_once(
    staff_site: StaffSite, accounts: dict[str, str], db_session: Session
) -> None:
    with staff_site.client() as client:
        log_in(client, accounts["editor"])
        assert client.get("/admin/").status_code == 200
        user = db_session.scalars(select(StaffUser).where(StaffUser.email == accounts["editor"])).one()
        user.active = False
        db_session.commit()
        assert client.get("/admin/").status_code == 303
        assert log_in(client, accounts["editor"]).status_code == 400


def test_a_cookie_copied_before_logout_does_not_work_after_it(
    staff_site: StaffSite, accounts: dict[str, str]
) -> None:
    with staff_site.client() as client, staff_site.client() as thief:
        log_in(client, accounts["editor"])
        thief.cookies.update(client.cookies)
        assert thief.get("/admin/").status_code == 200
        assert log_out(client).status_code == 303
        assert thief.get("/admin/").status_code == 303, "the server ended the session, not just the browser"
        assert thief.get("/reports/").status_code == 303
        assert log_in(client, accounts["editor"]).status_code == 303, "logging in again works"
        assert thief.get("/admin/").status_code == 303


def test_logging_out_is_a_post_with_the_token(staff_site: StaffSite, accounts: dict[str, str]) -> None:
    with staff_site.client() as client:
        log_in(client, accounts["editor"])
        page = client.get("/admin/")
        assert 'method="post" action="http://testserver/admin/logout"' in page.text
        assert client.get("/admin/logout").status_code == 405
        assert client.post("/admin/logout").status_code == 403
        assert client.get("/admin/").status_code == 200, "still logged in"


def test_a_new_password_ends_the_sessions_made_with_the_old_one(
    staff_site: StaffSite, accounts: dict[str, str], db_session: Session
) -> None:
    with staff_site.client() as client:
        log_in(client, accounts["editor"])
        user = db_session.scalars(select(StaffUser).where(StaffUser.email == accounts["editor"])).one()
        set_password(db_session, user, "a brand new passphrase")
        db_session.commit()
        assert client.get("/admin/").status_code == 303


def test_a_deactivated_account_stays_logged_out_when_it_is_active_again(
    staff_site: StaffSite, accounts: dict[str, str], db_session: Session
) -> None:
    with staff_site.client() as editor, staff_site.client() as admin:
        log_in(editor, accounts["editor"])
        log_in(admin, accounts["admin"])
        user = db_session.scalars(select(StaffUser).where(StaffUser.email == accounts["editor"])).one()
        form = f"/admin/staff-user/edit/{user.id}"
        assert post_form(admin, form, form, {"role": "editor"}).status_code == 302
        assert editor.get("/admin/").status_code == 303
        assert post_form(admin, form, form, {"role": "editor", "active": "y"}).status_code == 302
        assert editor.get("/admin/").status_code == 303, "the old cookie does not come back to life"

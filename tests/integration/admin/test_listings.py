"""Editing listings through the admin forms: validation, geocoding, audit log, roles, CSRF."""

from __future__ import annotations

from datetime import time

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from bot.db.models import AuditEntry, DigitalChampion, HelpSession, Network, Organisation, Recurrence, Venue
from tests.conftest import LS1_3AB, Factory
from tests.integration.admin.conftest import csrf_token, post_form

pytestmark = pytest.mark.usefixtures("with_postcodes")


def venue_form(venue: Venue, **changes: str) -> dict[str, str]:
    """The edit form as the browser sends it, with `changes`."""
    form = {
        "name": venue.name,
        "organisation": "__None",
        "address": venue.address,
        "postcode": venue.postcode or "",
        "latitude": str(venue.latitude),
        "longitude": str(venue.longitude),
        "phone": venue.phone or "",
        "email": "",
        "website": "",
        "opening_notes": "",
        "languages": "English",
        "referral_code": venue.referral_code or "",
        "active": "y",
        "last_verified": "",
        "save": "Save",
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def save_venue(client: TestClient, venue: Venue, **changes: str) -> httpx.Response:
    return post_form(
        client, f"/admin/venue/edit/{venue.id}", f"/admin/venue/edit/{venue.id}", venue_form(venue, **changes)
    )


def fresh(session: Session, model: type, id_: int):  # type: ignore[no-untyped-def]
    session.expire_all()
    return session.get(model, id_)


def test_editing_a_venue_saves_it_and_logs_who_changed_what(
    editor: TestClient, db_session: Session, factory: Factory
) -> None:
    venue = factory.venue(name="Compton Centre", postcode="LS9 7BG", phone="0113 111 1111")
    db_session.commit()
    response = save_venue(editor, venue, phone="0113 222 2222", step_free="y")
    assert response.status_code == 302, response.text[:2000]
    saved = fresh(db_session, Venue, venue.id)
    assert saved.phone == "0113 222 2222" and saved.step_free is True
    entry = db_session.scalars(select(AuditEntry)).one()
    assert entry.staff_email == "editor@leeds.gov.uk" and entry.action == "update"
    assert (entry.entity, entry.entity_id) == ("venue", str(venue.id))
    assert entry.changes["phone"] == ["0113 111 1111", "0113 222 2222"]
    assert entry.changes["step_free"] == [False, True]
    assert "name" not in entry.changes
    assert entry.summary.startswith("Changed venue 'Compton Centre': ")
    log = editor.get(f"/admin/audit-entry/details/{entry.id}").text
    assert "0113 222 2222" in log and "Before" in log


def test_a_new_postcode_puts_the_venue_on_the_map(
    editor: TestClient, db_session: Session, factory: Factory
) -> None:
    venue = factory.venue(name="Moved", postcode="LS9 7BG", latitude=53.8, longitude=-1.5)
    db_session.commit()
    assert save_venue(editor, venue, postcode="ls1 3ab").status_code == 302
    saved = fresh(db_session, Venue, venue.id)
    assert saved.postcode == "LS1 3AB"
    assert (saved.latitude, saved.longitude) == pytest.approx(LS1_3AB, abs=1e-5)


def test_a_new_venue_with_only_a_postcode_is_placed(editor: TestClient, db_session: Session) -> None:
    page = editor.get("/admin/venue/create")
    form = venue_form(
        Venue(name="New hub", address="1 Road", latitude=0, longitude=0), latitude="", longitude=""
    )
    form.update(postcode="LS1 3AB", csrf_token=csrf_token(page.text))
    assert editor.post("/admin/venue/create", data=form).status_code == 302
    venue = db_session.scalars(select(Venue).where(Venue.name == "New hub")).one()
    assert (venue.latitude, venue.longitude) == pytest.approx(LS1_3AB, abs=1e-5)
    assert db_session.scalars(select(AuditEntry)).one().summary == "Added venue 'New hub'"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"postcode": "LS1 1A"}, "is not a full UK postcode"),
        ({"postcode": "LS1 1ZZ"}, "We could not find the postcode LS1 1ZZ"),
        ({"postcode": "", "latitude": "", "longitude": ""}, "Give a postcode, or the latitude and longitude"),
        ({"latitude": "95"}, "Latitude should be between -90 and 90, not 95"),
        ({"longitude": ""}, "Give both latitude and longitude, or neither."),
        ({"email": "not an email"}, "does not look like an email address"),
        ({"website": "www.example.org"}, "starting https://"),
        ({"referral_code": "bad code!"}, "should be 3 to 40 capital letters"),
        ({"referral_code": "JO-33"}, "already used by the champion Jo"),
        ({"name": "Other"}, "already a venue called Other at LS9 7BG"),
    ],
)
def test_a_venue_that_cannot_be_saved_says_why_and_nothing_changes(
    editor: TestClient, db_session: Session, factory: Factory, changes: dict[str, str], message: str
) -> None:
    venue = factory.venue(name="Compton Centre", postcode="LS9 7BG", phone="0113 111 1111")
    factory.venue(name="Other", postcode="LS9 7BG")
    db_session.add(DigitalChampion(name="Jo", areas=[], languages=[], referral_code="JO-33"))
    db_session.commit()
    response = save_venue(editor, venue, phone="0113 999 9999", **changes)
    assert response.status_code == 400
    assert message in response.text.replace("&#39;", "'")
    assert fresh(db_session, Venue, venue.id).phone == "0113 111 1111"
    assert db_session.scalars(select(AuditEntry)).all() == []


def test_a_form_posted_without_the_csrf_token_changes_nothing(
    editor: TestClient, db_session: Session, factory: Factory
) -> None:
    venue = factory.venue(name="Compton Centre", postcode="LS9 7BG", phone="0113 111 1111")
    db_session.commit()
    response = editor.post(f"/admin/venue/edit/{venue.id}", data=venue_form(venue, phone="0113 666 6666"))
    assert response.status_code == 403 and "not saved" in response.text
    forged = editor.post(
        f"/admin/venue/edit/{venue.id}",
        data={**venue_form(venue, phone="0113 666 6666"), "csrf_token": "x" * 43},
    )
    assert forged.status_code == 403
    assert fresh(db_session, Venue, venue.id).phone == "0113 111 1111"


def test_the_edit_form_carries_the_token_and_plain_labels(
    editor: TestClient, factory: Factory, db_session: Session
) -> None:
    venue = factory.venue(name="Compton Centre", postcode="LS9 7BG")
    db_session.commit()
    page = editor.get(f"/admin/venue/edit/{venue.id}").text
    assert 'name="csrf_token"' in page
    for label in ("Shown to residents", "Step-free access", "Last checked", "Referral code"):
        assert label in page


def session_form(venue: Venue, **changes: str) -> dict[str, str]:
    form = {
        "venue": str(venue.id),
        "title": "Drop-in",
        "description": "",
        "network": "general",
        "recurrence": "weekly",
        "weekday": "0",
        "week_of_month": "None",
        "start_date": "",
        "end_date": "",
        "start_time": "10:00",
        "end_time": "12:00",
        "cost": "Free",
        "contact": "",
        "active": "y",
        "last_verified": "",
        "save": "Save",
    }
    form.update(changes)
    return form


def test_a_session_is_added_with_plain_choices(
    editor: TestClient, db_session: Session, factory: Factory
) -> None:
    venue = factory.venue(name="Library")
    db_session.commit()
    page = editor.get("/admin/help-session/create").text
    assert "Every two weeks" in page and "Monday" in page and "Older People" in page
    form = session_form(venue, network="older_people", recurrence="monthly", weekday="3", week_of_month="-1")
    response = editor.post("/admin/help-session/create", data={**form, "csrf_token": csrf_token(page)})
    assert response.status_code == 302, response.text[:3000]
    saved = db_session.scalars(select(HelpSession)).one()
    assert (saved.network, saved.recurrence, saved.weekday, saved.week_of_month) == (
        Network.OLDER_PEOPLE,
        Recurrence.MONTHLY,
        3,
        -1,
    )
    assert (saved.start_time, saved.end_time) == (time(10), time(12))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"end_time": "09:00"}, "The end time is not after the start time"),
        ({"weekday": "None"}, "A weekly session needs a day"),
        ({"recurrence": "monthly"}, "A monthly session needs which week of the month"),
        ({"recurrence": "once", "weekday": "None"}, "A one-off session needs a date"),
        ({"recurrence": "once", "start_date": "2026-03-18", "weekday": "0"}, "18/03/2026 is a Wednesday"),
        ({"start_date": "2026-03-18", "end_date": "2026-03-01"}, "The last date is before the date"),
        ({"start_time": ""}, "This field is required"),
    ],
)
def test_session_times_must_make_sense(
    editor: TestClient, db_session: Session, factory: Factory, changes: dict[str, str], message: str
) -> None:
    venue = factory.venue(name="Library")
    db_session.commit()
    page = editor.get("/admin/help-session/create").text
    response = editor.post(
        "/admin/help-session/create", data={**session_form(venue, **changes), "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 400
    assert message in response.text
    assert db_session.scalars(select(HelpSession)).all() == []


def test_a_champion_is_edited_with_lists_typed_as_text(editor: TestClient, db_session: Session) -> None:
    champion = DigitalChampion(name="Hub champion", areas=["Harehills"], languages=["English"], contact="Ask")
    db_session.add(champion)
    db_session.commit()
    url = f"/admin/digital-champion/edit/{champion.id}"
    page = editor.get(url).text
    assert 'value="Harehills"' in page
    form = {
        "name": "Hub champion",
        "organisation": "__None",
        "areas": "Harehills | Gipton",
        "languages": "English; Urdu",
        "contact": "Ask at reception",
        "referral_code": "hub-compton",
        "active": "y",
        "save": "Save",
        "csrf_token": csrf_token(page),
    }
    assert editor.post(url, data=form).status_code == 302
    saved = fresh(db_session, DigitalChampion, champion.id)
    assert saved.areas == ["Harehills", "Gipton"] and saved.languages == ["English", "Urdu"]
    assert saved.referral_code == "HUB-COMPTON"
    no_contact = editor.post(url, data={**form, "contact": " "})
    assert no_contact.status_code == 400 and "Say how a resident can reach them" in no_contact.text


def test_organisation_names_are_unique(editor: TestClient, db_session: Session) -> None:
    db_session.add(Organisation(name="Leeds Libraries"))
    db_session.commit()
    page = editor.get("/admin/organisation/create").text
    response = editor.post(
        "/admin/organisation/create",
        data={"name": "leeds libraries", "active": "y", "save": "Save", "csrf_token": csrf_token(page)},
    )
    assert response.status_code == 400 and "already an organisation called leeds libraries" in response.text


def test_deactivating_hides_a_venue_and_only_admins_may_delete(
    editor: TestClient, admin: TestClient, db_session: Session, factory: Factory
) -> None:
    venue = factory.venue(name="Closed", postcode="LS9 7BG")
    db_session.commit()
    assert save_venue(editor, venue, active=None).status_code == 302  # the box unticked
    assert fresh(db_session, Venue, venue.id).active is False
    token = csrf_token(editor.get("/admin/venue/list").text)
    refused = editor.delete(f"/admin/venue/delete?pks={venue.id}", headers={"X-CSRF-Token": token})
    assert refused.status_code == 403
    assert 'data-bs-target="#modal-delete"' not in editor.get(f"/admin/venue/details/{venue.id}").text
    assert 'data-bs-target="#modal-delete"' in admin.get(f"/admin/venue/details/{venue.id}").text
    admin_token = csrf_token(admin.get("/admin/venue/list").text)
    assert admin.delete(f"/admin/venue/delete?pks={venue.id}").status_code == 403, "no token, no delete"
    done = admin.delete(f"/admin/venue/delete?pks={venue.id}", headers={"X-CSRF-Token": admin_token})
    assert done.status_code == 200
    assert fresh(db_session, Venue, venue.id) is None
    deleted = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "delete")).one()
    assert deleted.staff_email == "admin@leeds.gov.uk" and "Closed" in deleted.summary


def test_lists_search_and_filter(editor: TestClient, db_session: Session, factory: Factory) -> None:
    factory.venue(name="Armley Hub", postcode="LS12 1UQ")
    factory.venue(name="Otley Library", postcode="LS21 1EZ", active=False)
    db_session.commit()
    found = editor.get("/admin/venue/list?search=otley").text
    assert "Otley Library" in found and "Armley Hub" not in found
    hidden = editor.get("/admin/venue/list?active=false").text
    assert "Otley Library" in hidden and "Armley Hub" not in hidden


def test_staff_accounts_are_for_admins_and_an_admin_cannot_lock_themselves_out(
    editor: TestClient, admin: TestClient, db_session: Session
) -> None:
    assert editor.get("/admin/staff-user/list").status_code == 403
    assert "Staff accounts" not in editor.get("/admin/").text
    page = admin.get("/admin/staff-user/list")
    assert page.status_code == 200 and "editor@leeds.gov.uk" in page.text
    from bot.db.models import StaffUser

    me = db_session.scalars(select(StaffUser).where(StaffUser.email == "admin@leeds.gov.uk")).one()
    edit = admin.get(f"/admin/staff-user/edit/{me.id}").text
    response = admin.post(
        f"/admin/staff-user/edit/{me.id}",
        data={"role": "editor", "active": "y", "save": "Save", "csrf_token": csrf_token(edit)},
    )
    assert response.status_code == 400 and "cannot remove your own admin role" in response.text

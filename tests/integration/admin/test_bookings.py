"""The bookings and attendance register over HTTP: references only, marking, cancelling a date."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from bot.db.models import Booking, BookingStatus, OutboundMessage
from bot.loop.booking import book
from bot.venues.schedule import next_occurrence, rule_of
from tests.conftest import Factory
from tests.integration.admin.conftest import post_form


def _booked(db_session: Session, factory: Factory) -> Booking:
    venue = factory.venue(name="Central Library", phone="0113 111 1111")
    help_session = factory.help_session(
        venue, title="Drop-in", weekday=1, start_time=time(10), booking_required=True, capacity=8
    )
    when = next_occurrence(rule_of(help_session), datetime.now(UTC) + timedelta(days=1))
    assert when is not None
    booking = book(
        db_session,
        session_id=help_session.id,
        starts_at=when.starts_at,
        conversation_id="sms-abc",
        channel="sms",
    )
    db_session.commit()
    return booking


def test_the_register_shows_references_never_a_number(
    editor: TestClient, db_session: Session, factory: Factory
) -> None:
    booking = _booked(db_session, factory)
    page = editor.get("/admin/bookings")
    assert page.status_code == 200
    assert booking.reference in page.text
    assert "sms-abc" not in page.text
    assert "places taken: 1 of 8" in page.text


def test_a_champion_marks_attendance(editor: TestClient, db_session: Session, factory: Factory) -> None:
    booking = _booked(db_session, factory)
    response = post_form(
        editor, "/admin/bookings", "/admin/bookings/mark", {"booking": str(booking.id), "status": "attended"}
    )
    assert response.status_code == 303
    db_session.expire_all()
    assert db_session.get(Booking, booking.id).status == BookingStatus.ATTENDED.value  # type: ignore[union-attr]


def test_cancelling_a_date_cancels_the_booking(
    editor: TestClient, db_session: Session, factory: Factory
) -> None:
    booking = _booked(db_session, factory)
    occurrence = booking.occurrence
    response = post_form(
        editor,
        "/admin/bookings",
        "/admin/bookings/cancel",
        {"session": str(occurrence.session_id), "starts_at": occurrence.starts_at.isoformat()},
    )
    assert response.status_code == 303
    assert (
        "0 residents will be told" in editor.get(response.headers["location"]).text
    )  # no consent on SMS here
    db_session.expire_all()
    assert db_session.get(Booking, booking.id).status == BookingStatus.CANCELLED.value  # type: ignore[union-attr]
    assert db_session.scalars(select(OutboundMessage)).all() == []


def test_changing_a_sessions_time_tells_the_resident_and_moves_the_reminder(
    editor: TestClient, db_session: Session, factory: Factory
) -> None:
    from cryptography.fernet import Fernet

    from bot.db.models import HelpSession
    from bot.loop.conversation import reference_of
    from bot.outbound import ContactCipher, QuietHours, as_utc, save_contact, schedule_message
    from tests.integration.admin.conftest import csrf_token

    booking = _booked(db_session, factory)
    occurrence = booking.occurrence
    save_contact(
        db_session,
        ContactCipher([Fernet.generate_key().decode()]),
        conversation_id="sms-abc",
        channel="sms",
        address="+447700900123",
        consent="reminders",
        now=datetime.now(UTC),
    )
    schedule_message(
        db_session,
        conversation_id="sms-abc",
        kind="reminder_soon",
        due_at=occurrence.starts_at - timedelta(hours=2),
        content={"template": "reminder_soon", "params": {"time": "10am"}},
        reference=reference_of(booking, occurrence),
        quiet=QuietHours(),
    )
    db_session.commit()
    help_session = occurrence.session
    url = f"/admin/help-session/edit/{help_session.id}"
    form = {
        "venue": str(help_session.venue_id),
        "title": "Drop-in",
        "description": "",
        "network": "general",
        "recurrence": "weekly",
        "weekday": "1",
        "week_of_month": "None",
        "start_date": "",
        "end_date": "",
        "start_time": "14:00",
        "end_time": "16:00",
        "booking_required": "y",
        "capacity": "8",
        "cost": "Free",
        "contact": "",
        "active": "y",
        "last_verified": "",
        "save": "Save",
    }
    response = editor.post(url, data={**form, "csrf_token": csrf_token(editor.get(url).text)})
    assert response.status_code == 302, response.text[:2000]
    db_session.expire_all()
    assert db_session.get(HelpSession, help_session.id).start_time == time(14)  # type: ignore[union-attr]
    pending = db_session.scalars(
        select(OutboundMessage).where(OutboundMessage.status == "pending").order_by(OutboundMessage.id)
    ).all()
    assert [m.kind for m in pending] == ["session_moved", "reminder_soon"]
    assert pending[0].content["params"]["time"] == "2pm"
    assert pending[1].content["params"]["time"] == "2pm", "the reminder moved to the new time"
    moved = db_session.get(Booking, booking.id)
    assert moved is not None and moved.status == BookingStatus.BOOKED.value
    local = as_utc(moved.occurrence.starts_at).astimezone(QuietHours().zone)
    assert (local.hour, local.minute) == (14, 0)

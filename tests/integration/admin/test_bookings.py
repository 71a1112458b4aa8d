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

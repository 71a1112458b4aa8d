"""The admin's bookings and attendance register (issue 13).

Each upcoming (and last week's) session date with bookings: booking references, never a phone
number; how many reminders are pending; a champion marks attended / did not come; staff cancel
a date, and everyone with a booking or a pending reminder is told, with the nearest alternative.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

import anyio
from sqladmin import expose
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.admin.audit import record
from bot.admin.pages import StaffPage
from bot.db.models import BookingStatus
from bot.local import cached_local
from bot.loop import staff
from bot.outbound import QuietHours
from bot.settings import get_settings

MARKS = {"attended": BookingStatus.ATTENDED, "did_not_come": BookingStatus.DID_NOT_COME}


def _now() -> datetime:
    return datetime.now(UTC)


class BookingsPage(StaffPage):
    name = "Bookings and attendance"
    icon = "fa-solid fa-clipboard-check"
    clock: ClassVar[Any] = staticmethod(_now)

    def _quiet(self) -> tuple[QuietHours, str]:
        settings = get_settings()
        return QuietHours.from_settings(settings), cached_local(settings.local_file).helpline.phone

    def _register(self) -> list[staff.RegisterOccurrence]:
        with self.session() as session:
            return staff.register(session, self.clock())

    @expose("/bookings", methods=["GET"], identity="bookings")
    async def page(self, request: Request) -> Response:
        occurrences = await anyio.to_thread.run_sync(self._register)
        quiet, _ = self._quiet()
        return await self.render(
            request,
            "admin/bookings.html",
            page_title="Bookings and attendance",
            occurrences=occurrences,
            zone=quiet.zone,
            done=request.query_params.get("done"),
        )

    def _mark(self, booking_id: int, status: BookingStatus, email: str) -> str | None:
        with self.session() as session:
            booking = staff.mark(session, booking_id, status)
            if booking is None:
                return None
            record(session, email, "update", "Booking", booking.id, f"{booking.reference}: {status.value}")
            session.commit()
            return booking.reference

    @expose("/bookings/mark", methods=["POST"], identity="bookings-mark")
    async def mark(self, request: Request) -> Response:
        form = await request.form()
        status = MARKS.get(str(form.get("status") or ""))
        try:
            booking_id = int(str(form.get("booking")))
        except ValueError:
            raise HTTPException(400, "Which booking?") from None
        if status is None:
            raise HTTPException(400, "Mark attended or did not come.")
        reference = await anyio.to_thread.run_sync(self._mark, booking_id, status, request.state.staff.email)
        if reference is None:
            raise HTTPException(404, "There is no such booking.")
        done = f"{reference} marked {'attended' if status is BookingStatus.ATTENDED else 'did not come'}."
        return self._back(request, done)

    def _cancel(self, session_id: int, starts_at: datetime, email: str) -> int:
        quiet, phone = self._quiet()
        with self.session() as session:
            told = staff.cancel_date(
                session,
                session_id=session_id,
                starts_at=starts_at,
                now=self.clock(),
                quiet=quiet,
                helpline_phone=phone,
            )
            record(
                session,
                email,
                "update",
                "HelpSession",
                session_id,
                f"cancelled {starts_at:%Y-%m-%d %H:%M}, {told} told",
            )
            session.commit()
            return told

    @expose("/bookings/cancel", methods=["POST"], identity="bookings-cancel")
    async def cancel(self, request: Request) -> Response:
        form = await request.form()
        try:
            session_id = int(str(form.get("session")))
            starts_at = datetime.fromisoformat(str(form.get("starts_at")))
        except ValueError:
            raise HTTPException(400, "Which session date?") from None
        told = await anyio.to_thread.run_sync(self._cancel, session_id, starts_at, request.state.staff.email)
        return self._back(request, f"Cancelled. {told} resident{'s' if told != 1 else ''} will be told.")

    def _back(self, request: Request, done: str) -> Response:
        url = str(request.url_for("admin:view-bookings")) + "?" + urlencode({"done": done})
        return RedirectResponse(url, status_code=303)


LOOP_PAGES: tuple[type[StaffPage], ...] = (BookingsPage,)


def _closing(database_url: str, kind: str, listing_id: int) -> int:
    """A session hidden or deleted, or a venue closed: residents with bookings or reminders told."""
    settings = get_settings()
    quiet, phone = QuietHours.from_settings(settings), cached_local(settings.local_file).helpline.phone
    from sqlalchemy.orm import Session

    from bot.db.session import get_engine

    with Session(get_engine(database_url)) as session:
        close = staff.close_venue if kind == "venue" else staff.close_session
        key = "venue_id" if kind == "venue" else "session_id"
        told = close(session, **{key: listing_id}, now=_now(), quiet=quiet, helpline_phone=phone)
        session.commit()
        return told


def _moving(database_url: str, session_id: int) -> int:
    """A session's day, dates or times changed: residents booked for it told the new time, their
    reminders and follow-up moved with it (bot.loop.staff.move_session)."""
    settings = get_settings()
    quiet, phone = QuietHours.from_settings(settings), cached_local(settings.local_file).helpline.phone
    from sqlalchemy.orm import Session

    from bot.db.session import get_engine

    with Session(get_engine(database_url)) as session:
        told = staff.move_session(
            session, session_id=session_id, now=_now(), quiet=quiet, helpline_phone=phone
        )
        session.commit()
        return told


# What says when a session happens: a change to any of these moves its booked dates.
TIMING = ("recurrence", "weekday", "week_of_month", "start_date", "end_date", "start_time", "end_time")


def _timing(model: Any) -> tuple[Any, ...]:
    return tuple(getattr(model, name, None) for name in TIMING)


class TellsResidentsWhenClosed:
    """For the session and venue views: hiding or deleting one tells the residents booked for it;
    changing a session's day or time tells them the new time and moves their reminders."""

    database_url: ClassVar[str]
    closing_kind: ClassVar[str] = "session"

    async def on_model_change(
        self, data: dict[str, Any], model: Any, is_created: bool, request: Request
    ) -> None:
        if not is_created and self.closing_kind == "session":
            request.state.loop_timing_before = _timing(model)  # before the form's data is applied
        await super().on_model_change(data, model, is_created, request)  # type: ignore[misc]

    async def after_model_change(
        self, data: dict[str, Any], model: Any, is_created: bool, request: Request
    ) -> None:
        await super().after_model_change(data, model, is_created, request)  # type: ignore[misc]
        if is_created:
            return
        if not model.active:
            await anyio.to_thread.run_sync(_closing, self.database_url, self.closing_kind, model.id)
        elif getattr(request.state, "loop_timing_before", None) not in (None, _timing(model)):
            await anyio.to_thread.run_sync(_moving, self.database_url, model.id)

    async def on_model_delete(self, model: Any, request: Request) -> None:
        await anyio.to_thread.run_sync(_closing, self.database_url, self.closing_kind, model.id)
        await super().on_model_delete(model, request)  # type: ignore[misc]

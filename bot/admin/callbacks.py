"""The call-back queue (issue 15): who asked a champion to ring them, and what became of it.

A champion or editor sees only the requests assigned to their organisation (set on their staff
account); admins see and assign all. Another organisation's request, or one that does not exist,
is the same 403, so guessing ids tells nothing. The number (and first name) is shown only on a
request's own page, to the staff member who opens it, and each opening is in the audit log; it
is deleted when the request is marked done. Priority requests (a scam in progress, distress)
come first and stand out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

import anyio
from sqladmin import expose
from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.admin.audit import record
from bot.admin.pages import StaffPage
from bot.callbacks import store
from bot.db.models import CallbackOutcome, CallbackRequest, Organisation, StaffUser
from bot.outbound.cipher import ContactCipher
from bot.outbound.quiet import as_utc

OUTCOMES = {
    CallbackOutcome.HELPED.value: "Helped",
    CallbackOutcome.REFERRED.value: "Referred to a session",
    CallbackOutcome.NO_ANSWER.value: "No answer",
    CallbackOutcome.NOT_NEEDED.value: "Not needed",
}
STATUS_WORDS = {
    "new": "New",
    "assigned": "Assigned",
    "called": "Called",
    "not_reached": "Could not reach",
    "done": "Done",
    "cancelled": "Cancelled by the resident",
}
TIME_WORDS = {"mornings": "Mornings", "afternoons": "Afternoons", "evenings": "Evenings", "any": "Any time"}


def _now() -> datetime:
    return datetime.now(UTC)


def age_words(created_at: datetime, now: datetime) -> str:
    """How long the request has waited, in words staff read at a glance."""
    seconds = max(0, int((as_utc(now) - as_utc(created_at)).total_seconds()))
    if seconds < 3600:
        minutes = max(1, seconds // 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    if seconds < 2 * 86400:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{seconds // 86400} days"


@dataclass(frozen=True)
class Row:
    id: int
    status: str
    priority: bool
    reason: str
    topic: str
    preferred_time: str
    outcode: str
    age: str
    overdue: bool
    organisation: str
    assigned_to: str
    attempts: int


@dataclass(frozen=True)
class Scope:
    organisation_id: int | None
    is_admin: bool


def row(request: CallbackRequest, now: datetime) -> Row:
    return Row(
        id=request.id,
        status=STATUS_WORDS.get(request.status, request.status),
        priority=request.priority,
        reason=request.reason,
        topic=request.topic or "(not said)",
        preferred_time=TIME_WORDS.get(request.preferred_time, request.preferred_time),
        outcode=request.outcode or "(not known)",
        age=age_words(request.created_at, now),
        overdue=store.is_overdue(request, now),
        organisation=request.organisation.name if request.organisation else "(not assigned)",
        assigned_to=request.assigned_to,
        attempts=request.attempts,
    )


def staff_scope(session: Any, staff: Any) -> Scope:
    user = session.get(StaffUser, staff.id)
    return Scope(user.organisation_id if user is not None else None, bool(staff.is_admin))


def overdue_rows(session: Any, staff: Any, now: datetime) -> list[Row]:
    """For the admin's first page: this staff member's overdue requests."""
    scope = staff_scope(session, staff)
    return [
        row(request, now)
        for request in store.overdue(
            session, now, organisation_id=scope.organisation_id, is_admin=scope.is_admin
        )
    ]


def _allowed(session: Any, staff: Any, scope: Scope, request_id: int) -> CallbackRequest:
    """The request, if this member of staff may see it; a refusal is audited, then raised."""
    try:
        return store.for_staff(session, request_id, scope.organisation_id, scope.is_admin)
    except store.NotAllowed:
        record(session, staff.email, "denied", "CallbackRequest", request_id, "not this organisation's")
        session.commit()
        raise


class CallbacksPage(StaffPage):
    name = "Call-back queue"
    icon = "fa-solid fa-phone"
    clock: ClassVar[Any] = staticmethod(_now)

    def _cipher(self) -> ContactCipher:
        return ContactCipher(self.settings.outbound_key_list)

    def _queue(self, staff: Any, show_closed: bool) -> tuple[list[Row], bool]:
        now = self.clock()
        with self.session() as session:
            scope = staff_scope(session, staff)
            requests = store.queue(
                session,
                organisation_id=scope.organisation_id,
                is_admin=scope.is_admin,
                include_closed=show_closed,
            )
            return [
                row(request, now) for request in requests
            ], scope.is_admin or scope.organisation_id is not None

    @expose("/callbacks", methods=["GET"], identity="callbacks")
    async def page(self, request: Request) -> Response:
        show_closed = request.query_params.get("closed") == "1"
        rows, has_scope = await anyio.to_thread.run_sync(self._queue, request.state.staff, show_closed)
        return await self.render(
            request,
            "admin/callbacks.html",
            page_title="Call-back queue",
            rows=rows,
            has_scope=has_scope,
            show_closed=show_closed,
            done=request.query_params.get("done"),
        )

    def _open(self, staff: Any, request_id: int) -> dict[str, Any]:
        now = self.clock()
        with self.session() as session:
            scope = staff_scope(session, staff)
            found = _allowed(session, staff, scope, request_id)
            number, name = store.reveal(session, self._cipher(), found, staff.email)
            organisations = (
                [
                    (org.id, org.name)
                    for org in session.scalars(select(Organisation).order_by(Organisation.name))
                ]
                if scope.is_admin
                else []
            )
            details = {
                "item": row(found, now),
                "number": number,
                "name": name,
                "phone_kind": found.phone_kind,
                "open": found.status in store.OPEN,
                "organisation_id": found.organisation_id,
                "organisations": organisations,
                "due": found.due_at,
                "outcome": OUTCOMES.get(found.outcome or "", ""),
            }
            session.commit()
            return details

    @expose("/callbacks/{request_id:int}", methods=["GET"], identity="callback")
    async def open(self, request: Request) -> Response:
        request_id = int(request.path_params["request_id"])
        try:
            details = await anyio.to_thread.run_sync(self._open, request.state.staff, request_id)
        except store.NotAllowed:
            raise HTTPException(403, "This request is not assigned to your organisation.") from None
        return await self.render(
            request,
            "admin/callback.html",
            page_title=f"Call back {request_id}",
            outcomes=OUTCOMES,
            zone=self.settings.timezone,
            **details,
        )

    def _act(self, staff: Any, request_id: int, action: str, form: dict[str, str]) -> str:
        now = self.clock()
        with self.session() as session:
            scope = staff_scope(session, staff)
            found = _allowed(session, staff, scope, request_id)
            if found.status not in store.OPEN:
                raise HTTPException(409, "This request is already closed.")
            if action == "assign":
                organisation_id = found.organisation_id
                if scope.is_admin:
                    chosen = form.get("organisation") or ""
                    organisation_id = int(chosen) if chosen.isdigit() else None
                    if organisation_id is not None and session.get(Organisation, organisation_id) is None:
                        raise HTTPException(400, "There is no such organisation.")
                store.assign(
                    session, found, organisation_id=organisation_id, champion=form.get("champion") or ""
                )
                done = f"Call back {request_id} assigned."
            elif action == "called":
                store.mark_called(session, found, now=now)
                done = f"Call back {request_id}: marked called. Mark it done with the outcome when finished."
            elif action == "not_reached":
                store.mark_not_reached(session, found, now=now)
                done = f"Call back {request_id}: could not reach (try {found.attempts}). Try again later."
            elif action == "done":
                outcome = form.get("outcome") or ""
                if outcome not in OUTCOMES:
                    raise HTTPException(400, "Choose one outcome.")
                store.close(session, found, CallbackOutcome(outcome), now=now)
                done = f"Call back {request_id} done: {OUTCOMES[outcome].lower()}. The number is deleted."
            else:
                raise HTTPException(400, "What should happen to this request?")
            record(session, staff.email, "update", "CallbackRequest", request_id, f"{action}: {found.status}")
            session.commit()
            return done

    @expose("/callbacks/{request_id:int}/act", methods=["POST"], identity="callback-act")
    async def act(self, request: Request) -> Response:
        request_id = int(request.path_params["request_id"])
        form = {key: str(value) for key, value in (await request.form()).items()}
        action = form.get("action") or ""
        try:
            done = await anyio.to_thread.run_sync(self._act, request.state.staff, request_id, action, form)
        except store.NotAllowed:
            raise HTTPException(403, "This request is not assigned to your organisation.") from None
        url = str(request.url_for("admin:view-callbacks")) + "?" + urlencode({"done": done})
        return RedirectResponse(url, status_code=303)


CALLBACK_PAGES: tuple[type[StaffPage], ...] = (CallbacksPage,)

"""The admin's "Teach the bot" page: each message the bot did not understand, assigned by staff
to a knowledge-base topic or an intent, or marked as noise; who assigned what, and Undo.

Editors and admins teach (TEACH_ROLES, checked on every route, so a role added later cannot
teach until it is added here). Each change rewrites the taught file (the TAUGHT_FILE_PATH
setting, content/taught.yml by default), which the next `python -m bot train` learns from.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlencode

import anyio
from sqladmin import expose
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.admin.audit import record
from bot.admin.base import a_datetime
from bot.admin.pages import StaffPage
from bot.db.models import StaffRole, TaughtMessage
from bot.kb.topics import Topic, load_topics
from bot.reports import queries
from bot.settings import ROOT, Settings, get_settings
from bot.teach import taught_file
from bot.teach.store import Refused, all_taught, assign, undo
from bot.teach.targets import Target, UnknownTarget, parse_key, targets

TEACH_ROLES = frozenset({StaffRole.ADMIN, StaffRole.EDITOR})
WEEKS = 26  # how far back the page looks for missed messages
HOLDOUT_FILE = ROOT / "tests" / "nlu" / "holdout.yml"
_FILE_LOCK = threading.Lock()


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _require_teacher(request: Request) -> str:
    staff = getattr(request.state, "staff", None)
    if staff is None or staff.role not in TEACH_ROLES:
        raise HTTPException(403, "Only editors and admins can teach the bot.")
    return str(staff.email)


class TeachPage(StaffPage):
    name = "Teach the bot"
    icon = "fa-solid fa-graduation-cap"
    clock: ClassVar[Callable[[], datetime]] = staticmethod(_utcnow)
    # The held-out test set, when this install has it (the app image does not: then the train
    # leaves held-out messages out instead, bot.teach.taught_file.nlu_yaml).
    holdout_file: ClassVar[Path] = HOLDOUT_FILE

    def _settings(self) -> Settings:
        return getattr(self, "settings", None) or get_settings()

    def _topics(self) -> dict[str, Topic]:
        return load_topics(self._settings().kb_dir)

    def _known_examples(self, topics: dict[str, Topic]) -> dict[str, str]:
        return {taught_file.normalise(e): topic.title for topic in topics.values() for e in topic.examples}

    def _page_data(self) -> tuple[list[queries.Count], list[TaughtMessage], list[Target], dict[str, str]]:
        topics = self._topics()
        period = queries.Period.last_weeks(WEEKS, type(self).clock().date())
        with self.session() as session:
            missed = queries.not_understood(session, period, limit=100)
            taught = all_taught(session)
        options = targets(topics)
        labels = {t.key: t.label for t in options}
        return missed, taught, options, labels

    async def _render(self, request: Request, status: int = 200, error: str | None = None) -> Response:
        missed, taught, options, labels = await anyio.to_thread.run_sync(self._page_data)
        return await self.render(
            request,
            "admin/teach.html",
            status,
            page_title="Teach the bot what it missed",
            missed=missed,
            taught=taught,
            options=options,
            labels=labels,
            weeks=WEEKS,
            error=error,
            done=request.query_params.get("done"),
            when=a_datetime,
        )

    @expose("/teach", methods=["GET"], identity="teach")
    async def page(self, request: Request) -> Response:
        _require_teacher(request)
        return await self._render(request)

    def _rewrite_file(self) -> None:
        # One writer at a time in this process, each writing everything committed so far: the
        # last to write includes every change before it.
        with _FILE_LOCK, self.session() as session:
            taught_file.write_file(self._settings().taught_file, all_taught(session))

    def _assign(self, text: str, key: str, email: str) -> str:
        topics = self._topics()
        try:
            target = parse_key(topics, key)
        except UnknownTarget as error:
            raise Refused("Choose a topic, an intent or noise from the list.") from error
        try:
            with self.session() as session:
                row = assign(
                    session,
                    text,
                    target,
                    staff_email=email,
                    now=type(self).clock(),
                    held_out=taught_file.held_out(type(self).holdout_file),
                    examples=self._known_examples(topics),
                )
                text = row.text
                summary = f"Taught '{text}' as {target.label}"
                record(session, email, "create", "taught-message", row.id, summary)
                session.commit()
        except IntegrityError as error:  # another member of staff assigned it a moment ago
            raise Refused("That message was just assigned by someone else.") from error
        self._rewrite_file()
        return f"'{text}' is now {target.label}" if target.name else f"'{text}' is marked as noise"

    @expose("/teach/assign", methods=["POST"], identity="teach-assign")
    async def assign_message(self, request: Request) -> Response:
        email = _require_teacher(request)
        form = await request.form()
        try:
            done = await anyio.to_thread.run_sync(
                self._assign, str(form.get("text") or ""), str(form.get("target") or ""), email
            )
        except Refused as error:
            return await self._render(request, 400, error=str(error))
        return RedirectResponse(self._back(request, done), status_code=303)

    def _undo(self, taught_id: int, email: str) -> str | None:
        with self.session() as session:
            row = undo(session, taught_id)
            if row is None:
                return None
            record(
                session,
                email,
                "delete",
                "taught-message",
                taught_id,
                f"Undid '{row.text}' ({row.kind.value} {row.target})".strip(),
            )
            text = row.text
            session.commit()
        self._rewrite_file()
        return f"'{text}' is back in the list"

    @expose("/teach/undo", methods=["POST"], identity="teach-undo")
    async def undo_assignment(self, request: Request) -> Response:
        email = _require_teacher(request)
        form = await request.form()
        try:
            taught_id = int(str(form.get("id") or ""))
        except ValueError as error:
            raise HTTPException(400, "Which assignment? (no id)") from error
        done = await anyio.to_thread.run_sync(self._undo, taught_id, email)
        if done is None:
            raise HTTPException(404, "That assignment was already undone.")
        return RedirectResponse(self._back(request, done), status_code=303)

    @staticmethod
    def _back(request: Request, done: str) -> str:
        return str(request.url_for("admin:view-teach")) + "?" + urlencode({"done": done})

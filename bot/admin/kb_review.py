"""The admin's "Knowledge base" page: each topic's last review and its sources, and the button a
reviewer presses after checking a topic against them (bot.kb.review).

Editors and admins both review (sqladmin asks RoleAuthorization first). The topics come from the
files in content/kb; only the review marks are in the database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone
from pathlib import Path
from typing import ClassVar
from urllib.parse import urlencode

import anyio
from sqladmin import expose
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.admin.pages import StaffPage
from bot.db.session import get_engine
from bot.kb.review import REVIEW_MONTHS, TopicStatus, due_topics, mark_reviewed, topic_statuses
from bot.kb.topics import Topic, load_topics


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class KnowledgeBasePage(StaffPage):
    name = "Knowledge base"
    icon = "fa-solid fa-book"
    # Set by tests; the deployment's content/kb otherwise (read at request time: staff edit it).
    kb_dir: ClassVar[Path | None] = None
    clock: ClassVar[Callable[[], datetime]] = staticmethod(_utcnow)

    def _topics(self) -> dict[str, Topic]:
        from bot.settings import get_settings

        return load_topics(self.kb_dir or get_settings().kb_dir)

    def _statuses(self) -> tuple[list[TopicStatus], date]:
        today = type(self).clock().date()
        with self.session() as session:
            return topic_statuses(session, self._topics(), today), today

    @expose("/kb", methods=["GET"], identity="kb")
    async def page(self, request: Request) -> Response:
        statuses, today = await anyio.to_thread.run_sync(self._statuses)
        return await self.render(
            request,
            "admin/kb.html",
            page_title="Knowledge base: reviews and sources",
            statuses=statuses,
            today=today,
            months=REVIEW_MONTHS,
            done=request.query_params.get("done"),
        )

    def _mark(self, name: str, email: str) -> str | None:
        with self.session() as session:
            status = mark_reviewed(session, self._topics(), name, email, type(self).clock())
            session.commit()
            return status.title if status else None

    @expose("/kb/reviewed", methods=["POST"], identity="kb-reviewed")
    async def reviewed(self, request: Request) -> Response:
        form = await request.form()
        if form.get("checked") != "yes":
            raise HTTPException(400, "Tick the box to say you checked the topic against its sources.")
        title = await anyio.to_thread.run_sync(
            self._mark, str(form.get("topic") or ""), request.state.staff.email
        )
        if title is None:
            raise HTTPException(404, "There is no such topic.")
        url = str(request.url_for("admin:view-kb")) + "?" + urlencode({"done": title})
        return RedirectResponse(url, status_code=303)


def topics_due(database_url: str, kb_dir: Path, today: date) -> list[TopicStatus]:
    """For the stale-listings page: topics not reviewed for six months."""
    with Session(get_engine(database_url)) as session:
        return due_topics(session, load_topics(kb_dir), today)

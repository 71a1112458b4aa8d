"""The review cycle of the knowledge base: which topics are due, and marking one reviewed.

A topic's answers are only as good as its last check against its sources. The file carries
`last_reviewed` (set by whoever edits it); a reviewer in the admin records a review in
`topic_reviews` without touching the file. The effective date is the later of the two, and a
topic is due once that is six months old, like a listing nobody has checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.admin.audit import record
from bot.admin.stale import months_before
from bot.db.models import TopicReview
from bot.kb.topics import Source, Topic

REVIEW_MONTHS = 6
AUDIT_KIND = "kb-topic"


@dataclass(frozen=True)
class TopicStatus:
    name: str
    title: str
    file_reviewed: date
    marked_reviewed: date | None
    reviewer: str | None
    sources: tuple[Source, ...]

    @property
    def last_reviewed(self) -> date:
        """The later of the file's date and the last review recorded in the admin."""
        if self.marked_reviewed is None:
            return self.file_reviewed
        return max(self.file_reviewed, self.marked_reviewed)

    def due(self, today: date) -> bool:
        return self.last_reviewed < months_before(today, REVIEW_MONTHS)


def _latest_reviews(session: Session) -> dict[str, TopicReview]:
    newest = (
        select(TopicReview.topic, func.max(TopicReview.reviewed_at).label("at"))
        .group_by(TopicReview.topic)
        .subquery()
    )
    rows = session.scalars(
        select(TopicReview).join(
            newest, (TopicReview.topic == newest.c.topic) & (TopicReview.reviewed_at == newest.c.at)
        )
    )
    return {row.topic: row for row in rows}


def topic_statuses(session: Session, topics: dict[str, Topic], today: date) -> list[TopicStatus]:
    """Every topic with both dates: the ones due first, the longest ago first, then by title."""
    latest = _latest_reviews(session)
    statuses = []
    for topic in topics.values():
        review = latest.get(topic.topic)
        statuses.append(
            TopicStatus(
                name=topic.topic,
                title=topic.title,
                file_reviewed=topic.last_reviewed,
                marked_reviewed=review.reviewed_at.date() if review else None,
                reviewer=review.reviewer if review else None,
                sources=tuple(topic.sources),
            )
        )
    return sorted(statuses, key=lambda s: (not s.due(today), s.last_reviewed, s.title))


def due_topics(session: Session, topics: dict[str, Topic], today: date) -> list[TopicStatus]:
    """Topics nobody has checked against their sources for six months."""
    return [status for status in topic_statuses(session, topics, today) if status.due(today)]


def mark_reviewed(
    session: Session, topics: dict[str, Topic], name: str, reviewer: str, now: datetime
) -> TopicStatus | None:
    """Record that `reviewer` checked topic `name` against its sources now, with an audit entry.

    Returns the topic's status after the review, or None when there is no such topic.
    """
    topic = topics.get(name)
    if topic is None:
        return None
    before = {s.name: s for s in topic_statuses(session, {name: topic}, now.date())}[name]
    session.add(TopicReview(topic=name, reviewed_at=now, reviewer=reviewer))
    record(
        session,
        reviewer,
        "update",
        AUDIT_KIND,
        name,
        f"Reviewed {topic.title}: checked against its {len(topic.sources)} sources",
        {"last_reviewed": [before.last_reviewed.isoformat(), now.date().isoformat()]},
    )
    session.flush()
    return topic_statuses(session, {name: topic}, now.date())[0]

"""What the Rasa actions call: the current check, its start, its questions and its end."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.confidence import wording
from bot.confidence.content import ConfidenceCheck, cached_check
from bot.confidence.scoring import Answers, Result, answered, area_changes, next_question, progress, score
from bot.confidence.store import PastResult, record
from bot.db.models import LoopStep
from bot.db.session import session_scope
from bot.kb.topics import Topic, cached_topics
from bot.loop.events import record_steps
from bot.replies import Reply
from bot.settings import Settings
from bot.venues.help_desk import HelpDesk

log = logging.getLogger(__name__)

DATA_FILE = "confidence.yml"


def topic_titles(settings: Settings) -> dict[str, str]:
    return {name: topic.title for name, topic in cached_topics(settings.kb_dir).items()}


_titles: tuple[dict[str, Topic], dict[str, str]] | None = None


def _titles_of(topics: dict[str, Topic]) -> dict[str, str]:
    """`topic_titles` made once per loaded knowledge base (only read: the check's file is
    checked against it), not on each of the several calls a turn makes to `current_check`."""
    global _titles
    made = _titles
    if made is None or made[0] is not topics:
        made = _titles = (topics, {name: topic.title for name, topic in topics.items()})
    return made[1]


@lru_cache(maxsize=4)
def _data_file(content_dir: Path) -> Path:
    return content_dir / DATA_FILE  # joined once: a turn asks for the check several times


def current_check(settings: Settings) -> ConfidenceCheck:
    """content/confidence.yml, checked against the knowledge base; re-read when staff edit it."""
    return cached_check(_data_file(settings.content_dir), _titles_of(cached_topics(settings.kb_dir)))


def clean_answers(check: ConfidenceCheck, saved: object) -> dict[str, int]:
    """The answers kept in the conversation, for the questions the file has now."""
    if not isinstance(saved, Mapping):
        return {}
    known = {q.id for q in check.questions}
    cleaned: dict[str, int] = {}
    for key, value in saved.items():
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if key in known and 1 <= number <= len(check.scale):
            cleaned[key] = number
    return cleaned


def introduction(check: ConfidenceCheck, answers: Answers) -> Reply:
    return wording.introduction(check, len(answered(check, answers)))


def ask(check: ConfidenceCheck, answers: Answers, unclear: bool) -> Reply | None:
    """The next question; spelled out after an unclear answer. None when all are answered."""
    asked = next_question(check, answers)
    if asked is None:
        return None
    return wording.question_again(check, asked) if unclear else wording.question(check, asked)


@dataclass(frozen=True)
class Finished:
    replies: list[Reply]
    # Where "More" carries on in the nearest-help list, when it was shown.
    results_offset: int | None = None


def finish(
    check: ConfidenceCheck,
    answers: Answers,
    conversation_id: str,
    *,
    referral_code: str | None = None,
    location: str | None = None,
    need: str | None = None,
    today: date | None = None,
    settings: Settings,
    desk: HelpDesk,
) -> Finished:
    """Score, keep the result (without identity), and say the level, next steps and where to go."""
    result = score(check, answers)
    try:
        previous = record(
            settings.database_url, conversation_id, result, today or date.today(), referral_code
        )
    except SQLAlchemyError:
        log.exception("could not keep a confidence result")
        previous = None
    if previous is not None:
        _count_retake(settings.database_url, check, conversation_id, previous.level, result.level.name)
    nearby, offset = None, None
    if location:
        try:
            found = desk.answer(location, need)
        except SQLAlchemyError:
            log.exception("could not find help near a known location")
        else:
            if found.location_ok:
                nearby, offset = found.reply, found.next_offset
    said = wording.result_replies(
        result,
        topic_titles(settings),
        _progress(check, previous, result),
        nearby,
    )
    return Finished(said, offset)


def _progress(check: ConfidenceCheck, previous: PastResult | None, result: Result) -> str | None:
    """The level then and now, and each area's change, said kindly (None on a first check)."""
    line = progress(check, previous.level if previous else None, result.level)
    if previous is None or line is None:
        return line
    return f"{line}\n{area_changes(check, previous.area_scores, result.area_scores)}"


def _count_retake(
    database_url: str, check: ConfidenceCheck, conversation_id: str, before: str, after: str
) -> None:
    """The funnel's last two steps: took the check again, and moved up a level (bot.loop.funnel)."""
    names = [level.name for level in check.levels]
    try:
        with session_scope(database_url) as session:
            record_steps(session, LoopStep.RETOOK, conversation_id)
            if before in names and after in names and names.index(after) > names.index(before):
                record_steps(session, LoopStep.LEVEL_UP, conversation_id)
    except SQLAlchemyError:
        log.exception("could not count a retake")

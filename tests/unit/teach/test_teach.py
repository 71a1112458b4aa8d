"""Teaching the bot a missed message: what can be taught, what is refused, and the file the next
training reads (bot.teach), on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy.orm import Session

from bot.db.models import TaughtKind, TaughtMessage, UsageEvent, UsageKind
from bot.kb.topics import Topic, load_topics
from bot.kb.training import write_training_data
from bot.privacy.redact import scrub_for_report
from bot.reports import queries
from bot.settings import ROOT, get_settings
from bot.teach import taught_file
from bot.teach.store import Refused, all_taught, assign, undo
from bot.teach.targets import NOISE, UnknownTarget, find_target, parse_key
from bot.training_hash import content_hash

NOW = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
TODAY = NOW.date()
EDITOR = "editor@leeds.gov.uk"


@pytest.fixture(scope="module")
def topics() -> dict[str, Topic]:
    return load_topics(get_settings().kb_dir)


def missed(session: Session, typed: str, person: str = "p1") -> str:
    """What the gateway records for a message it did not understand (the scrubbed text)."""
    detail = scrub_for_report(typed)
    week = TODAY - timedelta(days=TODAY.weekday())
    session.add(
        UsageEvent(
            kind=UsageKind.NOT_UNDERSTOOD,
            channel="web",
            person=person,
            detail=detail,
            occurred_on=TODAY,
            week=week,
        )
    )
    session.flush()
    return detail


def still_missed(session: Session) -> list[str]:
    return [c.label for c in queries.not_understood(session, queries.Period.last_weeks(4, TODAY))]


def test_an_assigned_message_leaves_the_list_and_undo_brings_it_back(
    db_session: Session, topics: dict[str, Topic]
) -> None:
    text = missed(db_session, "wot is the telly thing for seeing the grandkids")
    missed(db_session, "something else entirely")
    target = parse_key(topics, "topic:video_calls")
    row = assign(db_session, text, target, staff_email=EDITOR, now=NOW)
    assert (row.kind, row.target, row.assigned_by) == (TaughtKind.TOPIC, "video_calls", EDITOR)
    assert still_missed(db_session) == ["something else entirely"]
    assert undo(db_session, row.id) is not None
    assert sorted(still_missed(db_session)) == sorted([text, "something else entirely"])
    assert all_taught(db_session) == []


def test_noise_also_leaves_the_list_but_is_not_in_the_file(
    db_session: Session, topics: dict[str, Topic]
) -> None:
    text = missed(db_session, "asdf ghjk")
    assign(db_session, text, NOISE, staff_email=EDITOR, now=NOW)
    assert still_missed(db_session) == []
    assert yaml.safe_load(taught_file.file_text(all_taught(db_session)))["messages"] == []


def test_a_phone_number_or_postcode_is_never_stored(db_session: Session, topics: dict[str, Topic]) -> None:
    # As recorded, and as a form could post it raw: either way only the scrubbed text is kept.
    raw = "ring me on 07700 900123 im at LS12 5FE, need a laptop"
    missed(db_session, raw)
    row = assign(db_session, raw, parse_key(topics, "topic:get_device"), staff_email=EDITOR, now=NOW)
    assert "07700" not in row.text and "900123" not in row.text and "5FE" not in row.text.upper()
    assert row.text == scrub_for_report(raw)
    assert "LS12" in row.text.upper()


def test_a_message_not_in_the_report_cannot_be_taught(db_session: Session, topics: dict[str, Topic]) -> None:
    with pytest.raises(Refused, match="not in the list"):
        assign(db_session, "made up by hand", parse_key(topics, "intent:greet"), staff_email=EDITOR, now=NOW)


def test_duplicates_are_refused(db_session: Session, topics: dict[str, Topic]) -> None:
    text = missed(db_session, "where can i get help with the computer near me")
    assign(db_session, text, parse_key(topics, "intent:find_help"), staff_email=EDITOR, now=NOW)
    with pytest.raises(Refused, match=r"already assigned by editor@leeds\.gov\.uk"):
        assign(db_session, text, parse_key(topics, "intent:greet"), staff_email="admin@x", now=NOW)


def test_a_message_that_is_already_a_training_example_is_refused(
    db_session: Session, topics: dict[str, Topic]
) -> None:
    example = topics["scams"].examples[0]
    text = missed(db_session, example)
    known = {taught_file.normalise(e): t.title for t in topics.values() for e in t.examples}
    with pytest.raises(Refused, match="already taught"):
        assign(
            db_session, text, parse_key(topics, "topic:scams"), staff_email=EDITOR, now=NOW, examples=known
        )


def test_a_held_out_message_cannot_be_taught(db_session: Session, topics: dict[str, Topic]) -> None:
    held_out = taught_file.held_out(ROOT / "tests" / "nlu" / "holdout.yml")
    assert "hey up" in held_out  # a message of the held-out set, as tests/nlu/holdout.yml has it
    text = missed(db_session, "Hey up!")
    with pytest.raises(Refused, match="held-out"):
        assign(
            db_session,
            text,
            parse_key(topics, "intent:greet"),
            staff_email=EDITOR,
            now=NOW,
            held_out=held_out,
        )


def test_only_real_targets(topics: dict[str, Topic]) -> None:
    assert parse_key(topics, "intent:find_help").label.startswith("Find help")
    assert parse_key(topics, "noise") is NOISE
    for bad in (
        "intent:faq",
        "intent:EXTERNAL_followup",
        "intent:forget_confirm",
        "topic:nope",
        "banana:x",
        "",
    ):
        with pytest.raises(UnknownTarget):
            parse_key(topics, bad)
    assert find_target(topics, "topic", "scams").intent(topics) == "faq/scams"


def rows(*items: tuple[str, TaughtKind, str]) -> list[TaughtMessage]:
    return [
        TaughtMessage(
            text=text, kind=kind, target=target, assigned_by=EDITOR, assigned_at=NOW + timedelta(minutes=n)
        )
        for n, (text, kind, target) in enumerate(items)
    ]


def test_the_file_says_who_taught_what_and_when_and_reads_back() -> None:
    text = taught_file.file_text(
        rows(
            ("my nan wants the facetime", TaughtKind.TOPIC, "video_calls"),
            ("bye bye then", TaughtKind.INTENT, "goodbye"),
        )
    )
    assert text.startswith("# Messages the bot did not understand")
    data = yaml.safe_load(text)["messages"]
    assert data[0] == {
        "text": "my nan wants the facetime",
        "topic": "video_calls",
        "assigned_by": EDITOR,
        "assigned_at": "2026-12-03T14:00:00+00:00",
    }
    assert data[1]["intent"] == "goodbye"


def test_training_data_and_its_hash_follow_the_taught_file(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "nlu").mkdir(parents=True)
    (root / "domain").mkdir()
    taught = tmp_path / "taught.yml"
    content = get_settings().content_dir
    holdout = ROOT / "tests" / "nlu" / "holdout.yml"
    write_training_data(content, root, taught=taught, holdout_file=holdout)
    before = content_hash(root)
    taught_file.write_file(
        taught,
        rows(
            ("my nan wants the facetime", TaughtKind.TOPIC, "video_calls"),
            ("hey up", TaughtKind.INTENT, "greet"),  # held out: written by hand, still left out
            ("pure noise", TaughtKind.NOISE, ""),
        ),
    )
    write_training_data(content, root, taught=taught, holdout_file=holdout)
    generated = yaml.safe_load((root / "nlu" / "generated_taught.yml").read_text())
    assert generated["nlu"] == [{"intent": "faq/video_calls", "examples": "- my nan wants the facetime\n"}]
    assert content_hash(root) != before


def test_a_taught_target_that_no_longer_exists_stops_the_training(tmp_path: Path) -> None:
    (tmp_path / "nlu").mkdir()
    (tmp_path / "domain").mkdir()
    taught = tmp_path / "taught.yml"
    taught.write_text(
        "messages:\n- text: hi\n  intent: no_such_intent\n"
        "  assigned_by: a\n  assigned_at: 2026-12-03T14:00:00+00:00\n"
    )
    with pytest.raises(UnknownTarget, match="no_such_intent"):
        write_training_data(get_settings().content_dir, tmp_path, taught=taught)


def test_the_shipped_file_is_valid_and_keeps_the_held_out_set_held_out() -> None:
    examples = taught_file.read_file(get_settings().content_dir / "taught.yml")
    held_out = taught_file.held_out(ROOT / "tests" / "nlu" / "holdout.yml")
    assert not [e.text for e in examples if taught_file.normalise(e.text) in held_out]

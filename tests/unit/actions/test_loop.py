"""The loop's Rasa glue, run without an engine: trackers built by hand, a real SQLite database.

From "remind me about the Tuesday one" to the consent payload and the rows scheduled; cancel;
the follow-up's answers; the retake; and every kind of bad input getting a kind answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select

from actions import loop as actions
from bot.db import migrate
from bot.db.models import Booking, BookingStatus, LoopEvent, MessageStatus, OutboundMessage
from bot.db.session import dispose_engines, session_scope
from bot.loop.listed import Listed
from bot.outbound import QuietHours
from bot.settings import get_settings
from bot.venues.schedule import next_occurrence, rule_of
from tests.conftest import Factory


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'loop.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    actions.context.cache_clear()
    migrate.upgrade(url)
    yield url
    get_settings.cache_clear()
    actions.context.cache_clear()
    dispose_engines()
    migrate.forget(url)


@pytest.fixture
def listed(database: str) -> list[dict[str, Any]]:
    """Two venues near each other, each with a weekly session, as the search listed them."""
    now = datetime.now(UTC)
    rows = []
    with session_scope(database) as session:
        factory = Factory(session)
        for number, weekday in ((1, 1), (2, 3)):  # Tuesday, Thursday
            venue = factory.venue(name=f"Venue {number}", phone="0113 000 0000")
            help_session = factory.help_session(
                venue, title=f"Drop-in {number}", weekday=weekday, start_time=time(10), end_time=time(12)
            )
            when = next_occurrence(rule_of(help_session), now + timedelta(days=2))
            assert when is not None
            rows.append(
                Listed(number, help_session.id, venue.id, venue.name, help_session.title, when.starts_at)
            )
    return [row.as_slot() for row in rows]


QUIET = QuietHours(21, 9, "Europe/London")


def tracker(
    text: str = "",
    *,
    intent: str = "remind_me",
    channel: str = "telegram",
    slots: dict[str, Any] | None = None,
    entities: list[dict[str, Any]] | None = None,
    sender: str = "conversation-1",
) -> Tracker:
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
    events = [{"event": "user", "text": text, "parse_data": message, "input_channel": channel}]
    return Tracker(sender, dict(slots or {}), message, events, False, None, {}, "action_listen")


async def run(action: Any, on: Tracker) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, on, {})
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}, dispatcher.messages


def pending(database: str, conversation: str = "conversation-1") -> list[OutboundMessage]:
    with session_scope(database) as session:
        return list(
            session.scalars(
                select(OutboundMessage).where(
                    OutboundMessage.conversation_id == conversation,
                    OutboundMessage.status == MessageStatus.PENDING.value,
                )
            )
        )


async def consented(
    database: str, listed: list[dict[str, Any]], text: str = "remind me about the Tuesday one"
) -> dict[str, Any]:
    slots, said = await run(actions.ActionOfferReminder(), tracker(text, slots={"listed_sessions": listed}))
    assert "You can cancel at any time." in said[0]["text"]
    slots, said = await run(actions.ActionReminderConsent(), tracker("yes", intent="affirm", slots=slots))
    return {"slots": slots, "said": said}


async def test_the_offer_says_exactly_what_and_when_and_schedules_nothing(
    listed: list[dict[str, Any]], database: str
) -> None:
    slots, said = await run(
        actions.ActionOfferReminder(),
        tracker("yes please remind me about the Tuesday one", slots={"listed_sessions": listed}),
    )
    text = said[0]["text"]
    assert text.startswith("Drop-in 1 at Venue 1, Tuesday")
    assert "2 messages: a reminder the day before (" in text and "and one to ask how it went (" in text
    assert [b["title"] for b in said[0]["buttons"]] == ["Yes please", "Yes, and on the day", "No thanks"]
    assert slots["loop_choice"]["session_id"] == listed[0]["session_id"]
    assert pending(database) == []


def one_listed(database: str, start: time) -> list[dict[str, Any]]:
    """One weekly session starting at `start` (London time), as the search listed it."""
    with session_scope(database) as session:
        factory = Factory(session)
        venue = factory.venue(name="Hub", phone="0113 000 0000")
        help_session = factory.help_session(
            venue, title="Drop-in", weekday=2, start_time=start, end_time=time(17)
        )
        when = next_occurrence(rule_of(help_session), datetime.now(UTC) + timedelta(days=2))
        assert when is not None
        return [
            Listed(1, help_session.id, venue.id, venue.name, help_session.title, when.starts_at).as_slot()
        ]


def london_time(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).astimezone(QUIET.zone).strftime("%H:%M")


async def test_the_reminder_two_hours_before_can_be_chosen_and_is_said_exactly(database: str) -> None:
    listed = one_listed(database, time(14))
    slots, said = await run(
        actions.ActionOfferReminder(), tracker("remind me about 1", slots={"listed_sessions": listed})
    )
    text = said[0]["text"]
    assert "I can also remind you 2 hours before, at 12pm." in text and text.endswith("Which would you like?")
    buttons = said[0]["buttons"]
    assert [b["title"] for b in buttons] == ["Yes please", "Yes, and 2 hours before", "No thanks"]
    assert buttons[1]["payload"] == '/affirm{"reminder_soon": "yes"}'
    entities = [{"entity": "reminder_soon", "value": "yes"}]
    _, said = await run(
        actions.ActionReminderConsent(),
        tracker(buttons[1]["payload"], intent="affirm", slots=slots, entities=entities),
    )
    assert said[0]["text"].startswith("Done. I'll send you 3 messages: a reminder the day before (")
    assert ", a reminder a couple of hours before (" in said[0]["text"] and "at 12pm)" in said[0]["text"]
    assert "a couple of hours before" in said[-1]["custom"]["consent"]
    due = {m.kind: london_time(m.due_at) for m in pending(database)}
    assert due == {"reminder": "10:00", "reminder_soon": "12:00", "followup": "11:00"}


@pytest.mark.parametrize("words", ["yes and 2 hours before too", "both please", "yes, also on the day"])
async def test_the_reminder_on_the_day_can_be_chosen_in_words(database: str, words: str) -> None:
    listed = one_listed(database, time(14))
    slots, _ = await run(
        actions.ActionOfferReminder(), tracker("remind me", slots={"listed_sessions": listed})
    )
    await run(actions.ActionReminderConsent(), tracker(words, intent="affirm", slots=slots))
    assert sorted(m.kind for m in pending(database)) == ["followup", "reminder", "reminder_soon"]


async def test_a_plain_yes_sends_no_reminder_on_the_day(database: str) -> None:
    listed = one_listed(database, time(14))
    slots, _ = await run(
        actions.ActionOfferReminder(), tracker("remind me", slots={"listed_sessions": listed})
    )
    await run(actions.ActionReminderConsent(), tracker("yes please", intent="affirm", slots=slots))
    assert sorted(m.kind for m in pending(database)) == ["followup", "reminder"]


async def test_two_hours_before_in_the_quiet_hours_is_said_honestly(database: str) -> None:
    """10am: 8am is in the night hours, so it would go at 9am, and the offer says so."""
    slots, said = await run(
        actions.ActionOfferReminder(),
        tracker("remind me", slots={"listed_sessions": one_listed(database, time(10))}),
    )
    assert (
        "I can also remind you on the day, at 9am "
        "(not 2 hours before: I don't send messages between 9pm and 9am)." in said[0]["text"]
    )
    _, said = await run(
        actions.ActionReminderConsent(), tracker("yes and on the day too", intent="affirm", slots=slots)
    )
    assert ", a reminder on the day (" in said[0]["text"] and "at 9am)" in said[0]["text"]
    due = {m.kind: london_time(m.due_at) for m in pending(database)}
    assert due["reminder_soon"] == "09:00"


async def test_no_reminder_on_the_day_when_the_quiet_hours_leave_no_time(database: str) -> None:
    """9:15am: 7:15 is in the night and 9am is too close to the start: said, not offered."""
    _, said = await run(
        actions.ActionOfferReminder(),
        tracker("remind me", slots={"listed_sessions": one_listed(database, time(9, 15))}),
    )
    text = said[0]["text"]
    assert "I can't remind you 2 hours before: I don't send messages between 9pm and 9am." in text
    assert text.endswith("OK?") and [b["title"] for b in said[0]["buttons"]] == ["Yes please", "No thanks"]


async def test_yes_schedules_the_messages_and_asks_the_gateway_to_keep_the_contact(
    listed: list[dict[str, Any]], database: str
) -> None:
    done = await consented(database, listed)
    assert done["said"][0]["text"].startswith("Done. I'll send you 2 messages")
    assert done["said"][-1]["custom"]["consent"].startswith("reminders: 2 messages")
    messages = pending(database)
    assert sorted(m.kind for m in messages) == ["followup", "reminder"]
    reminder = next(m for m in messages if m.kind == "reminder")
    assert reminder.content["template"] == "reminder"
    assert reminder.content["params"]["place"] == "Venue 1"
    followup = next(m for m in messages if m.kind == "followup")
    assert followup.content["intent"] == "EXTERNAL_followup"
    with session_scope(database) as session:
        booking = session.scalars(select(Booking)).one()
        assert followup.content["entities"] == {"booking_reference": booking.reference}
        assert session.scalars(select(LoopEvent.step)).all() == ["asked"]


async def test_no_schedules_nothing(listed: list[dict[str, Any]], database: str) -> None:
    slots, _ = await run(
        actions.ActionOfferReminder(), tracker("remind me about 2", slots={"listed_sessions": listed})
    )
    slots, said = await run(actions.ActionReminderDeclined(), tracker("no", intent="deny", slots=slots))
    assert "won't send you anything" in said[0]["text"]
    assert pending(database) == []


async def test_cancel_cancels_everything_pending_and_the_booking(
    listed: list[dict[str, Any]], database: str
) -> None:
    await consented(database, listed)
    _, said = await run(actions.ActionStopReminders(), tracker("cancel", intent="opt_out"))
    assert "I've cancelled 2 messages and 1 booking" in said[0]["text"]
    assert pending(database) == []
    _, said = await run(actions.ActionStopReminders(), tracker("cancel", intent="opt_out"))
    assert "nothing to cancel" in said[0]["text"]


async def test_a_session_that_needs_booking_gets_a_door_reference(
    listed: list[dict[str, Any]], database: str
) -> None:
    with session_scope(database) as session:
        from bot.db.models import HelpSession

        row = session.get(HelpSession, listed[0]["session_id"])
        assert row is not None
        row.booking_required, row.capacity = True, 1
    done = await consented(database, listed, "book me on the tuesday one")
    with session_scope(database) as session:
        booking = session.scalars(select(Booking)).one()
    assert booking.holds_place
    assert f"Your booking reference is {booking.reference}: say it at the door." in done["said"][0]["text"]
    # The one place is taken: the next resident is told kindly, with a way on.
    _, said = await run(
        actions.ActionOfferReminder(),
        tracker(
            "book the tuesday one", intent="book_place", slots={"listed_sessions": listed}, sender="other"
        ),
    )
    assert said[0]["text"].startswith("Sorry, that session is full.")
    assert "Find help near me" in [b["title"] for b in said[0]["buttons"]]


async def test_the_web_chat_gets_a_calendar_file_and_a_page_and_is_told_why(
    listed: list[dict[str, Any]], database: str
) -> None:
    _, said = await run(
        actions.ActionOfferReminder(),
        tracker("remind me about 1", channel="web", slots={"listed_sessions": listed}),
    )
    text = said[0]["text"]
    assert "I can't send reminders to this web chat" in text
    assert "/calendar/" in text and ".ics" in text
    assert pending(database) == []


async def test_a_caller_is_told_to_write_the_time_down_and_the_links_are_kept_for_a_text(
    listed: list[dict[str, Any]], database: str
) -> None:
    _, said = await run(
        actions.ActionOfferReminder(),
        tracker("remind me about 1", channel="voice", slots={"listed_sessions": listed}),
    )
    text = said[0]["text"]
    assert "I can't send reminders from a phone call, so please write the day and time down." in text
    assert "web chat" not in text and ".ics" in text
    assert pending(database) == []


@pytest.mark.parametrize(
    ("text", "slots", "expected"),
    [
        ("remind me", {}, "First, let's find one near you."),
        (
            "remind me about the saturday one",
            None,
            "None of the places I listed has a session on a Saturday.",
        ),
        ("remind me about 9", None, "I didn't list a place with that number."),
        ("remind me", None, "Which session would you like a reminder for?"),
    ],
)
async def test_what_cannot_be_chosen_gets_a_kind_answer(
    listed: list[dict[str, Any]], text: str, slots: dict[str, Any] | None, expected: str
) -> None:
    _, said = await run(
        actions.ActionOfferReminder(),
        tracker(text, slots={"listed_sessions": listed} if slots is None else slots),
    )
    assert expected in said[0]["text"]
    assert said[0]["buttons"]


async def test_a_date_that_has_passed_offers_the_next_one(listed: list[dict[str, Any]]) -> None:
    old = dict(listed[0], starts_at=(datetime.now(UTC) - timedelta(days=7)).isoformat())
    _, said = await run(actions.ActionOfferReminder(), tracker("remind me", slots={"listed_sessions": [old]}))
    assert said[0]["text"].startswith("That date has passed, so I've picked the next one. Drop-in 1")


async def test_a_deleted_session_gets_a_kind_answer(listed: list[dict[str, Any]], database: str) -> None:
    with session_scope(database) as session:
        from bot.db.models import HelpSession

        session.delete(session.get(HelpSession, listed[0]["session_id"]))
    _, said = await run(
        actions.ActionOfferReminder(), tracker("remind me about 1", slots={"listed_sessions": listed})
    )
    assert said[0]["text"].startswith("Sorry, that session is no longer running.")


async def test_the_follow_up_answered_yes_asks_how_it_was_then_offers_the_retake(
    listed: list[dict[str, Any]], database: str
) -> None:
    await consented(database, listed)
    with session_scope(database) as session:
        reference = session.scalars(select(Booking.reference)).one()
    entities = [{"entity": "booking_reference", "value": reference}]
    slots, said = await run(
        actions.ActionFollowupAsk(), tracker(intent="EXTERNAL_followup", entities=entities)
    )
    assert said[0]["text"].startswith("Did you make it to Drop-in 1 at Venue 1 on ")
    assert [b["title"] for b in said[0]["buttons"]] == ["Yes", "No", "I couldn't get there"]
    await run(actions.ActionFollowupWent(), tracker("yes", intent="affirm", slots=slots))
    rated, said = await run(
        actions.ActionFollowupRated(),
        tracker("it was great", intent="affirm", slots={**slots, "visit_rating": "it was great"}),
    )
    assert "check your confidence again in four weeks" in said[0]["text"]
    with session_scope(database) as session:
        booking = session.scalars(select(Booking)).one()
        assert (booking.status, booking.rating) == (BookingStatus.ATTENDED.value, 5)
    _, said = await run(actions.ActionRetakeConsent(), tracker("yes", intent="affirm", slots=rated))
    assert said[-1]["custom"]["consent"].startswith("retake_invite")
    assert "retake_invite" in [m.kind for m in pending(database)]


async def test_yes_to_the_retake_offer_after_a_check_invites_once_four_weeks_on(database: str) -> None:
    offered = {"retake_offered": True}
    before = datetime.now(UTC)
    for _ in range(2):  # said twice: still one invitation
        slots, said = await run(actions.ActionRetakeConsent(), tracker("yes", intent="affirm", slots=offered))
        assert said[0]["text"].startswith("Great. I'll message you on ")
        assert slots["retake_offered"] is None
    [invite] = pending(database)
    assert invite.kind == "retake_invite" and invite.content == {"template": "retake_invite", "params": {}}
    assert timedelta(days=27) < invite.due_at.replace(tzinfo=UTC) - before < timedelta(days=29)


async def test_a_yes_to_no_retake_offer_schedules_nothing(database: str) -> None:
    """After a check that was stopped, a "yes" agrees to nothing: no invitation."""
    _, said = await run(
        actions.ActionRetakeConsent(), tracker("yes", intent="affirm", slots={"retake_offered": None})
    )
    assert not any((m.get("custom") or {}).get("consent") for m in said) and pending(database) == []


async def test_the_follow_up_answered_no_offers_the_next_date_another_place_and_a_call_back(
    listed: list[dict[str, Any]], database: str
) -> None:
    await consented(database, listed)
    slots, _ = await run(actions.ActionFollowupAsk(), tracker(intent="EXTERNAL_followup"))
    slots, said = await run(actions.ActionFollowupMissed(), tracker("no", intent="couldnt_go", slots=slots))
    text = said[0]["text"]
    assert text.startswith("Sorry you couldn't get there. The next one is Drop-in 1 at Venue 1")
    assert "Or there's Drop-in 2 at Venue 2" in text
    assert "Or a champion can ring you back, or call Leeds City Council on 0113 222 4444." in text
    buttons = said[0]["buttons"]
    assert [b["title"] for b in buttons][-2:] == ["Ring me back", "Menu"]
    assert buttons[-2]["payload"] == "/request_callback"  # the call-back form (issue 15)
    assert len(slots["listed_sessions"]) == 2  # "remind me about 2" works next
    with session_scope(database) as session:
        assert session.scalars(select(Booking.status)).one() == BookingStatus.DID_NOT_COME.value

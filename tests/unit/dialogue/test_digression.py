"""Which messages in the middle of a form are digressions, and what is said back."""

from __future__ import annotations

from typing import Any

import pytest

from bot.dialogue.digression import Digression, Kind, answer, aside, digression_in, looks_like_question


def parse(
    text: str, intent: str, confidence: float = 0.95, topic: str | None = None, **entities: str
) -> dict[str, Any]:
    message: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [{"entity": name, "value": value} for name, value in entities.items()],
    }
    if topic:
        message["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{topic}"}}}
    return message


def test_a_knowledge_base_question_is_a_question_with_its_topic() -> None:
    found = digression_in(parse("whats a champion", "faq", 0.99, topic="digital_champion"))
    assert found == Digression(Kind.QUESTION, topic="digital_champion")


@pytest.mark.parametrize(
    ("text", "confidence", "digresses"),
    [
        ("is it free?", 0.75, True),  # reads as a question
        ("how much does it cost", 0.75, True),
        ("my grandson does the wifi", 0.75, False),  # a muddled answer, not a question
        ("my grandson does the wifi", 0.95, True),  # unless the engine is very sure
        ("is it free?", 0.5, False),  # too unsure either way
    ],
)
def test_a_muddled_answer_near_a_topic_is_not_taken_for_a_question(
    text: str, confidence: float, digresses: bool
) -> None:
    assert (digression_in(parse(text, "faq", confidence, topic="cost")) is not None) is digresses


def test_a_postcode_or_an_area_is_a_place() -> None:
    assert digression_in(parse("LS12 5FE", "inform", postcode="LS12 5FE")) == Digression(
        Kind.PLACE, location="LS12 5FE"
    )
    assert digression_in(parse("armley", "inform", place="Armley")) == Digression(
        Kind.PLACE, location="Armley"
    )
    # A place the engine did not place in an intent still counts.
    assert digression_in(parse("ls9 7ab", "nlu_fallback", 0.2, postcode="LS9 7AB")) is not None


def test_where_can_i_go_is_find_help_and_a_person_question_is_the_bot() -> None:
    assert digression_in(parse("where can i go", "find_help", 0.8)) == Digression(Kind.FIND_HELP)
    assert digression_in(parse("are you a real person", "bot_challenge")) == Digression(Kind.BOT)


def test_thanks_and_hello_get_a_word_back_and_the_form_goes_on() -> None:
    assert answer(digression_in(parse("thank you", "thank")) or Digression(Kind.BOT)) == "You're welcome."
    assert answer(digression_in(parse("hello?", "greet")) or Digression(Kind.BOT)) == "Hello!"


@pytest.mark.parametrize("intent", ["help", "human_handoff", "goodbye", "nlu_fallback", "deny"])
def test_anything_else_is_not_a_digression(intent: str) -> None:
    """Leaving the form is for its rules; a muddle is for the form to ask again."""
    assert digression_in(parse("something", intent)) is None


def test_the_answer_leads_back_into_the_form_without_buttons() -> None:
    reply = aside(answer(Digression(Kind.QUESTION), short_answer="It's free."), "Now, back to the check.")
    assert reply.text == "It's free.\nNow, back to the check." and reply.buttons == ()
    assert "postcode" in answer(Digression(Kind.FIND_HELP))  # where, when the place is not known
    assert answer(Digression(Kind.FIND_HELP), nearby="Help near LS1 1AZ:") == "Help near LS1 1AZ:"
    assert aside("Hello", "").text == "Hello"


@pytest.mark.parametrize(
    ("text", "question"),
    [("how do I make the writing bigger?", True), ("what is a digital champion", True), ("a bit", False)],
)
def test_a_question_is_told_from_an_answer(text: str, question: bool) -> None:
    assert looks_like_question(text) is question

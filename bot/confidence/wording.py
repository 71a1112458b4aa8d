"""Everything the confidence check says, as channel-neutral Replies.

Answer buttons carry the option's number as a plain-text payload ("1".."4"), so a button press,
a typed "2" (SMS) and a typed label all reach the form the same way. A message that comes just
before a question has no buttons of its own: channels number every option of a turn in one
list, and the answers must stay 1 to 4.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.confidence.content import ConfidenceCheck, Question, question_line
from bot.confidence.scoring import Result
from bot.replies import FIND_HELP, MENU, TALK_TO_PERSON, Button, Reply, intent_payload

CARRY_ON_CHECK = Button("Carry on the check", intent_payload("start_confidence_check"))
START_CHECK = Button("Check my confidence", intent_payload("start_confidence_check"))


def answer_buttons(check: ConfidenceCheck) -> tuple[Button, ...]:
    return tuple(Button(option.label, str(number)) for number, option in enumerate(check.scale, start=1))


def introduction(check: ConfidenceCheck, answered: int) -> Reply:
    total = len(check.questions)
    if answered:
        return Reply(
            f"Welcome back! Let's carry on from question {answered + 1} of {total}. "
            "To go back to the first question, say start again."
        )
    return Reply(
        f"Let's see what you can already do online. I'll ask {total} short questions. "
        "There are no wrong answers. You can say stop at any time."
    )


def question(check: ConfidenceCheck, asked: Question) -> Reply:
    return Reply(question_line(check, asked), answer_buttons(check))


def question_again(check: ConfidenceCheck, asked: Question) -> Reply:
    """The question after an unclear answer. The answers are its buttons, which every channel
    shows its own way (SMS numbers them), so the text does not list them again."""
    sorry = "Sorry, I didn't understand. Please choose the answer closest to yours."
    return Reply(f"{sorry}\n{question_line(check, asked)}", answer_buttons(check))


def why_we_ask() -> Reply:
    return Reply(
        "I ask so I can suggest the right help for you. There are no wrong answers. "
        "I don't keep your name or number with your result."
    )


def carry_on() -> Reply:
    return Reply("Let's carry on.")


def start_again() -> Reply:
    return Reply("OK, let's start again from the first question.")


def stopped(answered: int) -> Reply:
    if answered:
        return Reply(
            "OK, I've stopped the check. Your answers are saved, so you can carry on later.",
            (CARRY_ON_CHECK, MENU),
        )
    return Reply("OK, I've stopped the check. You can start it again at any time.", (START_CHECK, MENU))


def paused() -> Reply:
    """After a second unclear answer in a row: never a loop, a way on instead."""
    return Reply(
        "Sorry, I still didn't understand. Let's stop the check for now. Your answers are saved.",
        (CARRY_ON_CHECK, TALK_TO_PERSON, MENU),
    )


def result_replies(
    result: Result, titles: Mapping[str, str], progress: str | None, nearby: Reply | None = None
) -> list[Reply]:
    """The level (and progress since last time), the next steps, and where to go.

    `nearby` is the nearest help, when the resident's location is already known; otherwise a
    button starts the search.
    """
    summary = f"Your result: {result.level.name}. {result.level.says}"
    if progress:
        summary += f"\n{progress}"
    steps = "\n".join(f"- {titles[step.topic]}: {step.text}" for step in result.next_steps)
    topics = tuple(
        Button(titles[step.topic], intent_payload("ask_topic", faq_topic=step.topic))
        for step in result.next_steps
    )
    if nearby is None:
        text = f"Your next steps:\n{steps}\n{result.level.session} Choose a topic, or find help near you."
        return [Reply(summary), Reply(text, (*topics, FIND_HELP, MENU))]
    text = f"Your next steps:\n{steps}\n{result.level.session} Choose a topic to read more."
    return [Reply(summary), Reply(text, topics), nearby]

"""The "More" button follows the topic answered last, however it was asked."""

from actions.topics import last_topic


def user(intent: str, entities: list | None = None, response_key: str | None = None) -> dict:
    parse: dict = {"intent": {"name": intent}, "entities": entities or []}
    if response_key:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": response_key}}}
    return {"event": "user", "parse_data": parse}


def test_typed_question_then_more() -> None:
    events = [user("greet"), user("faq", response_key="faq/scams"), {"event": "bot"}]
    assert last_topic(events) == "scams"


def test_the_newest_topic_wins() -> None:
    events = [
        user("faq", response_key="faq/scams"),
        user("ask_topic", entities=[{"entity": "faq_topic", "value": "nhs_app"}]),
        user("thank"),
    ]
    assert last_topic(events) == "nhs_app"


def test_no_topic_yet() -> None:
    assert last_topic([user("greet"), {"event": "action", "name": "utter_greet"}]) is None

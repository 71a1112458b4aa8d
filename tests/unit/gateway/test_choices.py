from bot.gateway.choices import ChoiceMemory

BUTTONS = [
    {"title": "More", "payload": '/more_detail{"faq_topic": "scams"}'},
    {"title": "Find help near me", "payload": "/find_help"},
]


def test_a_number_or_a_title_picks_the_option() -> None:
    memory = ChoiceMemory()
    memory.remember("a", BUTTONS)
    assert memory.resolve("a", "1") == BUTTONS[0]["payload"]
    assert memory.resolve("a", " 2 ") == "/find_help"
    assert memory.resolve("a", "MORE") == BUTTONS[0]["payload"]
    assert memory.resolve("a", "find help near me!") == "/find_help"


def test_anything_else_is_left_to_the_engine() -> None:
    memory = ChoiceMemory()
    memory.remember("a", BUTTONS)
    assert memory.resolve("a", "3") is None
    assert memory.resolve("a", "more about scams please") is None
    assert memory.resolve("b", "1") is None


def test_memory_is_bounded() -> None:
    memory = ChoiceMemory(max_conversations=2)
    for conversation in "abc":
        memory.remember(conversation, BUTTONS)
    assert memory.resolve("a", "1") is None
    assert memory.resolve("c", "1") is not None

from bot.gateway.choices import resolve
from bot.gateway.state import MemoryState

BUTTONS = [
    {"title": "More", "payload": '/more_detail{"faq_topic": "scams"}'},
    {"title": "Find help near me", "payload": "/find_help"},
]


def test_a_number_or_a_title_picks_the_option() -> None:
    assert resolve(BUTTONS, "1") == BUTTONS[0]["payload"]
    assert resolve(BUTTONS, " 2 ") == "/find_help"
    assert resolve(BUTTONS, "MORE") == BUTTONS[0]["payload"]
    assert resolve(BUTTONS, "find help near me!") == "/find_help"


def test_anything_else_is_left_to_the_engine() -> None:
    assert resolve(BUTTONS, "3") is None
    assert resolve(BUTTONS, "0") is None
    assert resolve(BUTTONS, "more about scams please") is None
    assert resolve([], "1") is None


async def test_options_are_kept_per_conversation_and_bounded() -> None:
    state = MemoryState(max_entries=2)
    for conversation in "abc":
        await state.remember_options(conversation, BUTTONS)
    assert await state.options("a") == []
    assert await state.options("c") == BUTTONS
    await state.put("telegram:keyboard:c", "location")
    await state.put("telegram:button:x", "/find_help")
    await state.forget("c")
    assert await state.options("c") == []
    await state.delete("telegram:keyboard:c")
    assert await state.get("telegram:keyboard:c") is None
    assert await state.get("telegram:button:x") == "/find_help"


async def test_state_entries_expire() -> None:
    now = [0.0]
    state = MemoryState(clock=lambda: now[0])
    assert await state.claim("update-1", ttl_seconds=10)
    assert not await state.claim("update-1", ttl_seconds=10)
    now[0] = 11
    assert await state.claim("update-1", ttl_seconds=10)
    await state.put("k", "v", ttl_seconds=5)
    assert await state.get("k") == "v"
    now[0] = 17
    assert await state.get("k") is None

import pytest

from bot.gateway.text import clean, is_text, safe_for_engine

ALLOWED = frozenset({"help", "more_detail"})


def test_clean_removes_controls_and_bidi_overrides_and_folds_space() -> None:
    assert clean("  hello\u0000\n\tthere\u202e ") == "hello there"
    assert clean("cafe\u0301") == "café"


def test_only_button_intents_pass_as_commands() -> None:
    assert safe_for_engine("/help", ALLOWED) == "/help"
    offered = ['/more_detail{"faq_topic": "scams"}']
    assert safe_for_engine(offered[0], ALLOWED, offered) == offered[0]
    assert safe_for_engine(offered[0], ALLOWED) == offered[0][1:], "entities only when offered"
    assert safe_for_engine("/restart", ALLOWED) == "restart"
    assert safe_for_engine('/session_start{"x": 1}', ALLOWED) == 'session_start{"x": 1}'
    assert safe_for_engine("free wifi", ALLOWED) == "free wifi"


def test_entities_only_the_gateway_sets_cannot_be_typed() -> None:
    greet = frozenset({"greet", "find_help"})
    assert (
        safe_for_engine('/greet{"referral_code": "LIB-CENTRAL"}', greet)
        == 'greet{"referral_code": "LIB-CENTRAL"}'
    )
    assert safe_for_engine('/find_help{"geo": "geo:53.8,-1.5"}', greet).startswith("find_help")
    need = '/find_help{"need": "sight_loss"}'
    assert safe_for_engine(need, greet, [need]) == need
    assert safe_for_engine(
        '/greet{"referral_code": "X"}', greet, ['/greet{"referral_code": "X"}']
    ).startswith("greet"), "not even when offered"


def test_the_confirmation_passes_only_when_offered() -> None:
    confirm = frozenset({"forget_confirm"})
    assert safe_for_engine("/forget_confirm", confirm) == "forget_confirm"
    assert safe_for_engine("/forget_confirm", confirm, ["/forget_confirm"]) == "/forget_confirm"


def test_a_lone_surrogate_is_cleaned_out_so_the_text_can_be_sent_on() -> None:
    assert clean("hello \ud800there\udfff") == "hello there"
    clean("a\ud83d").encode("utf-8")  # would raise with the surrogate left in
    assert is_text("hello") and not is_text("a\ud800") and not is_text(5)


@pytest.mark.parametrize(
    "payload",
    [
        '/remind_me{"listed_number": "2"}',
        '/book_place{"listed_number": "1"}',
        '/affirm{"reminder_soon": "yes"}',
    ],
)
def test_the_loops_buttons_reach_the_engine_as_pressed_once_offered(payload: str) -> None:
    """ "Remind me: <place>" and "Yes, and 2 hours before" carry which one: lost as plain words."""
    from bot.gateway.turns import BUTTON_INTENTS

    assert safe_for_engine(payload, BUTTON_INTENTS, [payload]) == payload
    assert safe_for_engine(payload, BUTTON_INTENTS, []) != payload, "typed by hand, never offered"
    assert safe_for_engine("/couldnt_go", BUTTON_INTENTS) == "/couldnt_go"

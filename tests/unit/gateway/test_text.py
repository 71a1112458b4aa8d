from bot.gateway.text import clean, is_text, safe_for_engine

ALLOWED = frozenset({"help", "more_detail"})


def test_clean_removes_controls_and_bidi_overrides_and_folds_space() -> None:
    assert clean("  hello\u0000\n\tthere\u202e ") == "hello there"
    assert clean("cafe\u0301") == "café"


def test_only_button_intents_pass_as_commands() -> None:
    assert safe_for_engine("/help", ALLOWED) == "/help"
    assert (
        safe_for_engine('/more_detail{"faq_topic": "scams"}', ALLOWED) == '/more_detail{"faq_topic": "scams"}'
    )
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
    assert safe_for_engine('/find_help{"need": "sight_loss"}', greet) == '/find_help{"need": "sight_loss"}'
    assert safe_for_engine("/find_help{not json}", greet) == "find_help{not json}"


def test_a_lone_surrogate_is_cleaned_out_so_the_text_can_be_sent_on() -> None:
    assert clean("hello \ud800there\udfff") == "hello there"
    clean("a\ud83d").encode("utf-8")  # would raise with the surrogate left in
    assert is_text("hello") and not is_text("a\ud800") and not is_text(5)

from bot.pseudonym import pseudonymise


def test_same_person_same_id_and_no_trace_of_the_number() -> None:
    first = pseudonymise("key", "sms", "+447700900123")
    assert first == pseudonymise("key", "sms", "+447700900123")
    assert "7700900123" not in first and first.startswith("sms-")


def test_the_key_and_channel_change_the_id() -> None:
    assert pseudonymise("key", "sms", "1") != pseudonymise("other", "sms", "1")
    assert pseudonymise("key", "sms", "1") != pseudonymise("key", "telegram", "1")

from hypothesis import given
from hypothesis import strategies as st

from bot.privacy.redact import REMOVED, only_removed, redact_sensitive, scrub_for_report


def test_card_numbers_go_only_when_they_are_card_numbers() -> None:
    assert redact_sensitive("card 4111-1111-1111-1111 ok") == (f"card {REMOVED} ok", True)
    assert redact_sensitive("4111111111111112") == ("4111111111111112", False), "fails the Luhn check"
    assert redact_sensitive("call 0113 222 4444") == ("call 0113 222 4444", False)


def test_national_insurance_sort_codes_and_accounts_go() -> None:
    assert redact_sensitive("my NI is qq 12 34 56 c")[0] == f"my NI is {REMOVED}"
    assert redact_sensitive("sort code 20-00-00")[0] == f"sort code {REMOVED}"
    assert redact_sensitive("account number 12345678")[0] == REMOVED
    assert redact_sensitive("postcode LS9 7BG please") == ("postcode LS9 7BG please", False)


def test_only_removed() -> None:
    assert only_removed(f"{REMOVED} {REMOVED}!")
    assert not only_removed(f"{REMOVED} help")


def test_reports_keep_the_question_not_the_person() -> None:
    text = "Ring me 07700 900123, +44 113 222 4444 or me@example.com, I'm at LS9 7BG, ref 123456 www.x.com"
    assert scrub_for_report(text) == "ring me [phone], [phone] or [email], i'm at ls9, ref [number] [link]"


@given(st.text(max_size=300))
def test_scrubbing_never_fails_and_stays_short(text: str) -> None:
    assert len(scrub_for_report(text)) <= 200
    redacted, changed = redact_sensitive(text)
    assert changed == (redacted != text)


def test_contact_details_typed_in_are_not_kept() -> None:
    from bot.privacy.redact import without_contact_details

    text = "call me on 07700 900123 or +44 7700 900123, or mail me@example.com about LS9 7BG"
    assert without_contact_details(text) == "call me on [phone] or [phone], or mail [email] about LS9 7BG"

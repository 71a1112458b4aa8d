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


# --- generated formats: what residents actually type ---------------------------------------
WORDS = st.sampled_from(["my", "card", "is", "call", "me", "on", "please", "help", "thanks", "number"])
SEPARATORS = st.sampled_from([" ", "-", "."])


def digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit())


def _luhn(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    length = draw(st.integers(13, 19))
    body = draw(st.sampled_from("3456")) + draw(
        st.text("0123456789", min_size=length - 2, max_size=length - 2)
    )
    number = next(body + d for d in "0123456789" if _luhn(body + d))
    separator = draw(st.sampled_from(["", " ", "-", "."]))
    if length == 15 and draw(st.booleans()):
        groups = [number[:4], number[4:10], number[10:]]  # American Express
    else:
        groups = [number[i : i + 4] for i in range(0, length, 4)]
    return separator.join(groups)


@st.composite
def phone_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(as typed, the subscriber's digits) for an international, a UK or a North American number."""
    kind = draw(st.sampled_from(["plus", "double-zero", "uk", "north-american"]))
    separator = draw(SEPARATORS)
    if kind == "north-american":
        area, exchange = (
            draw(st.from_regex(r"[2-9]\d\d", fullmatch=True)),
            draw(st.from_regex(r"[2-9]\d\d", fullmatch=True)),
        )
        line = draw(st.from_regex(r"\d{4}", fullmatch=True))
        first = f"({area}) " if draw(st.booleans()) else area + separator
        return f"{first}{exchange}{separator}{line}", area + exchange + line
    if kind == "uk":
        national = "0" + draw(st.from_regex(r"[1-9]\d{8,9}", fullmatch=True))
        cut = draw(st.integers(3, 5))
        rest = national[cut:]
        return national[:cut] + separator + separator.join(
            rest[i : i + 3] for i in range(0, len(rest), 3)
        ), national
    country = draw(st.sampled_from(["1", "33", "44", "49", "61", "91", "353"]))
    national = draw(st.from_regex(r"[1-9]\d{6,10}", fullmatch=True))
    national = national[: 15 - len(country)]
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=6))
    groups, at = [], 0
    for size in sizes:
        if at < len(national):
            groups.append(national[at : at + size])
            at += size
    groups[-1] += national[at:]
    if len(groups) > 1 and draw(st.booleans()):
        groups[0] = f"({groups[0]})"
    prefix = "+" if kind == "plus" else "00"
    gap = draw(st.sampled_from(["", " "]))
    return f"{prefix}{country}{gap}{separator.join(groups)}", national


@given(st.lists(WORDS, max_size=4), card_numbers(), st.lists(WORDS, max_size=4))
def test_card_numbers_go_however_they_are_written(before: list[str], card: str, after: list[str]) -> None:
    text = " ".join([*before, card, *after])
    redacted, changed = redact_sensitive(text)
    assert changed and REMOVED in redacted
    assert digits(card) not in digits(redacted)


@given(st.lists(WORDS, max_size=4), phone_numbers(), st.lists(WORDS, max_size=4))
def test_phone_numbers_of_any_country_go(before: list[str], phone: tuple[str, str], after: list[str]) -> None:
    from bot.privacy.redact import without_contact_details

    typed, subscriber = phone
    text = " ".join([*before, typed, *after])
    redacted = without_contact_details(redact_sensitive(text)[0])
    assert subscriber not in digits(redacted), (text, redacted)


ORDINARY = st.one_of(
    st.from_regex(r"LS[1-9]\d? \d[ABD-HJLNP-UW-Z]{2}", fullmatch=True),  # postcodes
    st.from_regex(r"(1[0-2]|[1-9])[.:][0-5]\d ?(am|pm)?", fullmatch=True),  # times
    st.from_regex(r"£\d{1,3}(\.\d\d)?", fullmatch=True),  # prices
    st.integers(0, 999).map(str),  # "1", "159"
    st.integers(1900, 2030).map(str),  # years
    st.from_regex(r"(0?[1-9]|[12]\d|3[01])[/.](0?[1-9]|1[0-2])[/.](19|20)\d\d", fullmatch=True),  # dates
)


@given(st.lists(ORDINARY, min_size=1, max_size=4), st.sampled_from([", ", " and ", " then ", " at "]))
def test_ordinary_numbers_residents_type_are_kept(things: list[str], joiner: str) -> None:
    from bot.privacy.redact import without_contact_details

    text = "see you " + joiner.join(things) + " ok"
    assert redact_sensitive(text) == (text, False)
    assert without_contact_details(text) == text


def test_the_probe_s_message_keeps_nothing_of_the_card_or_the_number() -> None:
    from bot.privacy.redact import without_contact_details

    text = "my card 4111.1111.1111.1111 call me on +1 415 555 2671"
    redacted, changed = redact_sensitive(text)
    assert changed and without_contact_details(redacted) == f"my card {REMOVED} call me on [phone]"
    assert redact_sensitive("bus 159 at 10.30, £12.99, LS9 7BG, 1 or 2, 03.12.2026 10.30") == (
        "bus 159 at 10.30, £12.99, LS9 7BG, 1 or 2, 03.12.2026 10.30",
        False,
    )

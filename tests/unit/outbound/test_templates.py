"""content/messages.yml: every template renders, and every text message fits in 2 segments."""

from __future__ import annotations

import pytest

from bot.channels.sms.render import fit_reply, segments, to_gsm
from bot.outbound.templates import MissingParam, Template, Templates
from bot.settings import ROOT

TEMPLATES = Templates.load(ROOT / "content" / "messages.yml")
# Long but real values: the longest session titles, venues and addresses in the listings run to
# about these lengths.
LONG = {
    "session": "Digital drop-in for older people",
    "day": "Wednesday 30 September",
    "time": "10:30am",
    "place": "Compton Centre Library and Community Hub",
    "address": "Harehills Lane, Leeds LS9 7BG",
    "phone": "0113 378 5005",
    "alternative": "The nearest other session is Digital drop-in at Leeds Central Library on Friday at 2pm.",
    "was": "Wed 23 Sep 10:30am",
}


@pytest.mark.parametrize("key", TEMPLATES.keys())
def test_every_template_fits_two_text_messages_uncut(key: str) -> None:
    message = TEMPLATES.render(key, LONG, "sms")
    text = fit_reply([message.text or ""], [], max_segments=9)
    assert segments(text) <= 2, (key, len(text), text)
    assert to_gsm(message.text or "") == message.text, "plain GSM-7: no curly quotes or emoji"


@pytest.mark.parametrize("key", ["reminder", "reminder_soon"])
def test_a_reminder_says_where_when_who_to_call_and_how_to_stop(key: str) -> None:
    sms = TEMPLATES.render(key, LONG, "sms").text or ""
    telegram = TEMPLATES.render(key, LONG, "telegram")
    for text in (sms, telegram.text or ""):
        assert (
            LONG["place"] in text
            and LONG["address"] in text
            and LONG["time"] in text
            and LONG["phone"] in text
        )
    assert "Reply CANCEL" in sms
    assert [b["title"] for b in telegram.buttons] == ["Stop reminders"]


def test_a_missing_parameter_is_an_error_never_a_placeholder_in_a_message() -> None:
    with pytest.raises(MissingParam):
        TEMPLATES.render("reminder", {"session": "x"}, "sms")
    with pytest.raises(MissingParam):
        TEMPLATES.render("no-such-template", {}, "sms")


def test_sms_wording_is_used_on_sms_without_buttons() -> None:
    templates = Templates(
        {"t": Template("Hi {name}", "Hi {name} by text", [{"title": "A", "payload": "/a"}])}
    )
    assert templates.render("t", {"name": "Sam"}, "sms").text == "Hi Sam by text"
    assert templates.render("t", {"name": "Sam"}, "sms").buttons == []
    assert templates.render("t", {"name": "Sam"}, "telegram").buttons == [{"title": "A", "payload": "/a"}]
    assert templates["t"].fields() == {"name"}

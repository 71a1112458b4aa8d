"""The bot's messages as a caller hears them, and what "text me this" would send."""

from __future__ import annotations

from bot.channels.sms.render import segments
from bot.channels.voice.speech import spoken, textable
from bot.messages import BotMessage, Pin
from bot.voice.ear import MAX_SPOKEN_WORDS, spoken_words

VENUE = Pin("Compton Centre", "Harehills Lane", 53.8, -1.5)
LIST = (
    "Help near LS9 7BG:\n- Compton Centre, 0.3 miles. Next: today, 10am. Harehills Lane, LS9 7BG. "
    "Tel 0113 378 5005.\n- Leeds Central Library, 1.4 miles. Ask them about help times. "
    "Calverley Street, LS1 3AB. Tel 0113 378 5005."
)
MORE = [{"title": "More", "payload": "/more_results"}, {"title": "Menu", "payload": "/help"}]


def test_venue_details_become_one_text_and_are_said_without_the_link() -> None:
    said = spoken([BotMessage(LIST, MORE, venues=(VENUE,))])
    assert said.textable is not None and "Compton Centre" in said.textable and segments(said.textable) <= 2
    assert "0113" not in " ".join(said.answer), "phone numbers are said in words"
    assert said.option_count == 2 and said.options[0].startswith("Press 1 for More")
    assert all(spoken_words(part) <= MAX_SPOKEN_WORDS for part in said.parts)
    assert said.asks


def test_an_answer_with_a_link_can_be_texted_and_the_link_is_not_read_out() -> None:
    answer = "Report a scam text by forwarding it to 7726.\nMore: https://www.ncsc.gov.uk/collection/phishing-scams"
    said = spoken([BotMessage(answer)])
    assert said.textable is not None and "ncsc.gov.uk" in said.textable
    assert "ncsc" not in " ".join(said.parts).lower() and "http" not in " ".join(said.parts)
    assert not said.asks


def test_plain_words_offer_nothing_to_text() -> None:
    assert textable([BotMessage("You're welcome. Is there anything else I can help with?")]) is None
    assert spoken([BotMessage("Is there anything else?")]).asks


def test_the_notice_is_said_once_apart_and_replaced_texts_in_the_answer() -> None:
    messages = [BotMessage("Type PRIVACY."), BotMessage("Type FORGET ME."), BotMessage("Hello!")]
    said = spoken(
        messages, notice={"Type PRIVACY.": "Say privacy."}, replaced={"Type FORGET ME.": "Say forget me."}
    )
    assert said.notice == ("Say privacy.",)
    assert said.answer == ("Say forget me.", "Hello!")


def test_forget_me_carried_out_is_noticed() -> None:
    assert spoken([BotMessage("Done.")], forgotten_text="Done.").forgotten
    assert not spoken([BotMessage("Done.")], forgotten_text="Deleted.").forgotten

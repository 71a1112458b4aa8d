"""The answers corrected after the fact-check of issue 19 say what the sources say."""

from __future__ import annotations

import re

import pytest

from bot.kb.topics import load_topics
from bot.settings import get_settings

SETTINGS = get_settings()
TOPICS = load_topics(SETTINGS.kb_dir)
UC_HELPLINE = "0800 328 5644"
PENSION_CREDIT_LINE = "0800 99 1234"


def said(name: str) -> str:
    topic = TOPICS[name]
    return f"{topic.short_answer}\n{topic.full_answer}"


def test_pension_credit_has_its_own_answer_with_its_own_number() -> None:
    answer = said("pension_credit")
    assert PENSION_CREDIT_LINE in TOPICS["pension_credit"].short_answer
    assert "gov.uk/pension-credit" in TOPICS["pension_credit"].short_answer
    assert UC_HELPLINE not in answer
    assert "under State Pension age" in answer
    assert any(
        str(s.url) == "https://www.gov.uk/pension-credit/how-to-claim"
        for s in TOPICS["pension_credit"].sources
    )


def test_universal_credit_sends_pension_age_residents_to_pension_credit() -> None:
    benefits = TOPICS["benefits_online"]
    assert "Pension Credit" in benefits.short_answer
    assert not [e for e in benefits.examples if "pension credit" in e.lower()], (
        "pension credit questions left here"
    )


def test_the_bank_never_asks_for_the_pin_at_all() -> None:
    for name in ("online_banking", "passwords"):
        text = said(name) + " ".join(s.fact for s in TOPICS[name].sources)
        assert "full PIN" not in text, name
    assert "your PIN or your full password" in TOPICS["online_banking"].short_answer


@pytest.mark.parametrize("name", ["scams", "online_banking"])
def test_159_comes_with_the_number_on_the_card(name: str) -> None:
    assert "call 159, or the number on the back of your card" in said(name)


def test_social_tariffs_soften_the_old_price_link_to_the_list_and_say_what_if_none() -> None:
    broadband = TOPICS["cheap_broadband"]
    assert "£" not in said("cheap_broadband")
    assert {str(link.url) for link in broadband.links} == {
        "https://www.ofcom.org.uk/phones-and-broadband/saving-money/social-tariffs"
    }
    assert "leave without a fee" in broadband.short_answer


def test_a_carers_access_is_set_up_by_the_surgery() -> None:
    answer = said("nhs_app")
    assert "GP surgery sets this up" in answer and "same surgery" in answer
    assert "surgery decides" in answer and "Not every GP surgery offers every service" in answer


def test_no_answer_claims_all_the_libraries() -> None:
    texts = [said(name) + " ".join(s.fact for s in t.sources) for name, t in TOPICS.items()]
    texts.append(SETTINGS.local_file.read_text(encoding="utf-8"))
    for text in texts:
        assert not re.search(r"\ball (the )?34\b|any Leeds library|all Leeds libraries", text, re.I), text[
            :80
        ]


def test_accessibility_points_to_a_place_a_resident_can_go() -> None:
    answer = TOPICS["accessibility"].short_answer
    assert "Sensory Impairments network" not in said("accessibility")
    assert "library" in answer and "drop-in session near you" in answer


def test_two_step_verification_makes_it_harder_not_impossible() -> None:
    answer = said("passwords")
    assert "no one else can get in" not in answer and "much harder" in answer


def test_facts_are_cited_to_the_page_that_carries_them() -> None:
    home_pages = {
        "https://democracy.leeds.gov.uk/",
        "https://support.apple.com/",
        "https://www.ofcom.org.uk/",
    }
    for topic in TOPICS.values():
        for source in topic.sources:
            assert str(source.url) not in home_pages, (topic.topic, source.source)
            assert "yorkshireeveningpost" not in str(source.url), topic.topic

"""Every fact a resident acts on (a number, a price, an age, an address) is listed in a source
with a URL, so a new fact cannot go into an answer unsourced (issue 19)."""

from __future__ import annotations

import pytest

from bot.kb.facts import fact_tokens, unsourced_facts, unsupported_listings
from bot.kb.topics import TOPIC_NAMES, Source, Topic, load_topics
from bot.settings import get_settings

TOPICS = load_topics(get_settings().kb_dir)


@pytest.mark.parametrize("name", TOPIC_NAMES)
def test_every_fact_in_an_answer_is_listed_by_a_source_with_a_url(name: str) -> None:
    topic = TOPICS[name]
    assert unsourced_facts(topic) == [], "short answer"
    assert unsourced_facts(topic, topic.full_answer) == [], "full answer"


@pytest.mark.parametrize("name", TOPIC_NAMES)
def test_each_listed_fact_is_in_its_source_sentence_or_address(name: str) -> None:
    assert unsupported_listings(TOPICS[name]) == []


def test_the_facts_found_are_the_ones_a_resident_acts_on() -> None:
    text = (
        "Call 0800 99 1234, 8am to 6pm, or 159. Text 7726. Email report@phishing.gov.uk or see "
        "gov.uk/pension-credit. It costs £15 a month, 40GB, for people aged 13 or over. "
        "100% Digital Leeds can help with 2-step verification on your O2 phone."
    )
    assert fact_tokens(text) == [
        "report@phishing.gov.uk",
        "gov.uk/pension-credit",
        "0800 99 1234",
        "8am",
        "6pm",
        "159",
        "7726",
        "£15",
        "40GB",
        "13",
    ]


def test_a_new_unsourced_fact_is_caught() -> None:
    scams = TOPICS["scams"]
    changed = scams.model_copy(update={"short_answer": scams.short_answer + " Or call 0800 000 0000."})
    assert unsourced_facts(changed) == ["0800 000 0000"]
    # listing it under a source without a URL is refused when the file is read
    with pytest.raises(ValueError, match="no url"):
        Source(fact="Call 0800 000 0000.", source="A leaflet", facts=["0800 000 0000"])


def test_a_number_is_matched_whole_not_inside_another() -> None:
    source = {"fact": "Call 0800 328 5644.", "source": "GOV.UK", "url": "https://www.gov.uk"}
    topic = Topic.model_validate(
        {**TOPICS["scams"].model_dump(mode="json"), "sources": [{**source, "facts": ["0800 328 5644"]}]}
    )
    assert unsourced_facts(topic, "Call 0800 328 5644 or 328.") == ["328"]

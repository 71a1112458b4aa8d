"""The fact-bearing parts of an answer, and whether each one is sourced.

A resident acts on a phone number, a short code, a price, an age or an address, so each of
these in an answer must be listed in `facts:` of one of the topic's sources that has a URL
(bot.kb.topics.Source). A fact a reviewer cannot check against a page cannot go in.
"""

from __future__ import annotations

import re

from bot.kb.topics import Topic

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A web address as residents read it: "gov.uk/pension-credit", "learnmyway.com".
_WEB = re.compile(r"\b(?:[a-z0-9-]+\.)+(?:uk|com|org|net)(?:/[a-z0-9/_-]*[a-z0-9])?\b", re.IGNORECASE)
# Numbers with their unit: "0800 99 1234", "159", "£10", "13", "40GB", "8am".
_NUMBER = re.compile(r"(?<![A-Za-z])£?\d+(?:[ .,:]\d+)*(?:\s?(?:GB|am|pm))?")
# Names that contain digits but state no fact: the programme, "2-step verification".
_NAMES = re.compile(r"100% Digital Leeds|\d-step")


def fact_tokens(text: str) -> list[str]:
    """The addresses and numbers in `text`, in order, each once."""
    rest = _NAMES.sub(" ", text)
    tokens = _EMAIL.findall(rest)
    rest = _EMAIL.sub(" ", rest)
    tokens += _WEB.findall(rest)
    rest = _WEB.sub(" ", rest)
    tokens += [match.strip() for match in _NUMBER.findall(rest)]
    return list(dict.fromkeys(tokens))


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def _covers(listed: str, token: str) -> bool:
    """A listed fact covers a token that appears in it whole: "8" is not in "0800", nor "328" in
    "0800 328 5644"."""
    pattern = rf"(?<![\w£])(?<!\d ){re.escape(_normal(token))}(?! \d)(?!\w)"
    return re.search(pattern, _normal(listed)) is not None


def unsourced_facts(topic: Topic, text: str | None = None) -> list[str]:
    """The fact-bearing tokens of `text` (the short answer by default) no source with a URL lists."""
    listed = [fact for source in topic.sources if source.url is not None for fact in source.facts]
    tokens = fact_tokens(topic.short_answer if text is None else text)
    return [token for token in tokens if not any(_covers(fact, token) for fact in listed)]


def unsupported_listings(topic: Topic) -> list[str]:
    """Listed facts that appear neither in their source's `fact` nor in its URL: a typo or a guess."""
    problems = []
    for source in topic.sources:
        where = f"{_normal(source.fact)} {_normal(str(source.url or ''))}"
        problems += [fact for fact in source.facts if _normal(fact) not in where]
    return problems

"""Knowledge-base topics: the model of one file, loading and validation.

Staff edit the YAML files; everything the bot says about a topic, and the NLU examples that
teach the engine to recognise it, come from here, so a fact is written in exactly one place.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

SHORT_ANSWER_LIMIT = 320

TOPIC_NAMES = (
    "free_data",
    "cheap_broadband",
    "get_device",
    "free_wifi",
    "email",
    "nhs_app",
    "benefits_online",
    "online_banking",
    "scams",
    "passwords",
    "video_calls",
    "accessibility",
    "learn_online",
    "jobs_online",
    "digital_champion",
    "become_champion",
    "cost",
    "smartphone_basics",
    "pension_credit",
)


class Link(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    url: HttpUrl


class Source(BaseModel):
    """Where a fact given to residents comes from, so a reviewer can check it.

    `facts` lists the exact figures this source supports (phone numbers, short codes, prices,
    ages, addresses) as the answers write them: a number in an answer that no source with a
    URL lists is refused by the tests (bot.kb.facts), so a new fact cannot go in unsourced.
    """

    model_config = ConfigDict(extra="forbid")
    fact: str
    source: str
    url: HttpUrl | None = None
    facts: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _facts_need_a_url(self) -> Source:
        if self.facts and self.url is None:
            raise ValueError(f"{self.source!r} lists facts but has no url to check them against")
        return self


class Topic(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str
    title: str
    last_reviewed: dt.date
    examples: list[str] = Field(min_length=10)
    short_answer: str = Field(max_length=SHORT_ANSWER_LIMIT)
    full_answer: str
    links: list[Link] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1)

    @field_validator("topic")
    @classmethod
    def _known_topic(cls, value: str) -> str:
        if value not in TOPIC_NAMES:
            raise ValueError(f"unknown topic {value!r}; expected one of {', '.join(TOPIC_NAMES)}")
        return value

    @field_validator("short_answer", "full_answer")
    @classmethod
    def _tidy(cls, value: str) -> str:
        return value.strip()

    @property
    def intent(self) -> str:
        return f"faq/{self.topic}"


def load_topic(path: Path) -> Topic:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    topic = Topic.model_validate(data)
    if path.stem != topic.topic:
        raise ValueError(f"{path.name}: file name must match topic {topic.topic!r}")
    return topic


def load_topics(kb_dir: Path) -> dict[str, Topic]:
    """All topics, keyed by name. Every expected topic must be present exactly once."""
    topics = {topic.topic: topic for topic in map(load_topic, sorted(kb_dir.glob("*.yml")))}
    missing = set(TOPIC_NAMES) - set(topics)
    if missing:
        raise ValueError(f"knowledge base is missing topics: {', '.join(sorted(missing))}")
    return topics


@lru_cache(maxsize=4)
def cached_topics(kb_dir: Path) -> dict[str, Topic]:
    return load_topics(kb_dir)

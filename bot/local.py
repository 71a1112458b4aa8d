"""Local contacts (content/local.yml): the one file a council edits to adapt the bot to its area."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict


class Helpline(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    phone: str
    source: str


class Champions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    how_to_reach: str
    source: str = ""


class DataRequests(BaseModel):
    """Who acts on a resident's request about their data: set per deployment (see local.yml)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    contact: str
    source: str

    def __str__(self) -> str:
        return f"{self.name} at {self.contact}"


class Libraries(BaseModel):
    model_config = ConfigDict(extra="forbid")
    count: int
    source: str


class Privacy(BaseModel):
    """What residents are told about their data ({days}: the retention period)."""

    model_config = ConfigDict(extra="forbid")
    notice: str
    details: str
    forgotten: str
    forget_failed: str
    removed: str


class CallBacks(BaseModel):
    """The call-back promise residents are told (issue 15): by when, and from which number."""

    model_config = ConfigDict(extra="forbid")
    within_working_days: int = 2
    calls_from_prefix: str = "0113"
    source: str = ""


class LocalInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    programme: str
    area: str
    bot_name: str
    helpline: Helpline
    website: str
    website_url: str
    champions: Champions
    libraries: Libraries
    data_requests: DataRequests
    emergency: str
    privacy: Privacy
    popular_topics: tuple[str, ...] = ()
    callbacks: CallBacks = CallBacks()


def load_local(path: Path) -> LocalInfo:
    return LocalInfo.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=4)
def cached_local(path: Path) -> LocalInfo:
    return load_local(path)

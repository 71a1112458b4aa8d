"""The phone line's own words (content/voice.yml), which staff edit like the rest of content/."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from bot.local import LocalInfo

FILE = "voice.yml"


class Wording(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    privacy_notice: str
    privacy_details: str
    forget_failed: str
    welcome_back: str
    not_heard: str
    still_not_heard: str
    goodbye_silent: str
    time_up: str
    forgotten_goodbye: str
    slower: str
    faster: str
    postcode_check: str
    postcode_again: str
    text_offer: str
    texted: str
    text_failed: str
    not_a_mobile: str
    nothing_to_text: str
    busy: str
    no_such_key: str

    def filled(self, local: LocalInfo, days: int) -> Wording:
        """{helpline}, {days} and {data_requests} filled in ({postcode} stays for `postcode_check`)."""
        helpline = f"{local.helpline.name} on {local.helpline.phone}"
        values = {
            name: str(value)
            .replace("{helpline}", helpline)
            .replace("{days}", str(days))
            .replace("{data_requests}", str(local.data_requests))
            for name, value in self.model_dump().items()
        }
        return Wording.model_validate(values)


def load_wording(content_dir: Path) -> Wording:
    return Wording.model_validate(yaml.safe_load((content_dir / FILE).read_text(encoding="utf-8")))


@lru_cache(maxsize=4)
def cached_wording(content_dir: Path) -> Wording:
    return load_wording(content_dir)

"""A typed "2" or "More" means the option offered last.

Residents on SMS cannot press buttons, and many on other channels type the option instead of
tapping it: a reply that is an option's number or its exact title is sent as that option. The
options offered last are kept per conversation in the gateway's state (bot/gateway/state.py).
"""

from __future__ import annotations

import re


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def resolve(buttons: list[dict[str, str]], text: str) -> str | None:
    """The payload of the option the text names, or None when it names none."""
    wanted = _key(text)
    if wanted.isdigit() and 1 <= int(wanted) <= len(buttons):
        return buttons[int(wanted) - 1]["payload"]
    for button in buttons:
        if wanted and _key(button["title"]) == wanted:
            return button["payload"]
    return None

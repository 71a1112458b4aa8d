"""Remember the options last offered to each conversation, so a typed "2" or "More" works.

Residents on SMS cannot press buttons, and many on other channels type the option instead of
tapping it: a reply that is an option's number or its exact title is sent as that option.
"""

from __future__ import annotations

import re
from collections import OrderedDict


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


class ChoiceMemory:
    def __init__(self, max_conversations: int = 50_000) -> None:
        self._offers: OrderedDict[str, list[dict[str, str]]] = OrderedDict()
        self._max = max_conversations

    def remember(self, conversation_id: str, buttons: list[dict[str, str]]) -> None:
        self._offers[conversation_id] = buttons
        self._offers.move_to_end(conversation_id)
        while len(self._offers) > self._max:
            self._offers.popitem(last=False)

    def resolve(self, conversation_id: str, text: str) -> str | None:
        buttons = self._offers.get(conversation_id) or []
        wanted = _key(text)
        if wanted.isdigit() and 1 <= int(wanted) <= len(buttons):
            return buttons[int(wanted) - 1]["payload"]
        for button in buttons:
            if wanted and _key(button["title"]) == wanted:
                return button["payload"]
        return None

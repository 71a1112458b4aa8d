"""The words every UK text service must understand: STOP, START and HELP.

They are handled before the engine sees anything, and only when they are the whole message
("stop" or "Stop." but not "stop the quiz"), so a question that happens to contain one of them
still reaches the engine. STOP is confirmed once; START (or UNSTOP) undoes it; HELP gives the
programme's contact details from content/local.yml without a conversation turn.
"""

from __future__ import annotations

from enum import Enum

from bot.local import LocalInfo
from bot.plain_text import clean


class Keyword(Enum):
    STOP = "stop"
    START = "start"
    HELP = "help"


# Twilio's default opt-out words (REVOKE and OPTOUT since May 2025): Twilio blocks the number
# on these, so the bot treats them the same, and cancels every message due to it.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP"})


def keyword(text: str) -> Keyword | None:
    """The keyword the whole message is (case, spaces and a final "." or "!" ignored), if any."""
    word = clean(text).rstrip(".! ").upper()
    if word in STOP_WORDS:
        return Keyword.STOP
    if word in START_WORDS:
        return Keyword.START
    if word in HELP_WORDS:
        return Keyword.HELP
    return None


def stopped_text(local: LocalInfo) -> str:
    """The one confirmation a number gets after STOP; after it, silence until START."""
    return f"You won't get any more texts from {local.bot_name}. Text START to start again."


def help_text(local: LocalInfo, *, opted_out: bool = False) -> str:
    """Who runs the service and how to reach a person, then how to carry on."""
    helpline = local.helpline
    about = (
        f"{local.bot_name} is a free chatbot from {local.programme}. "
        f"For help, call {helpline.name} on {helpline.phone} or visit {local.website}."
    )
    if opted_out:
        return f"{about} You have stopped texts from us. Text START to start again."
    return f"{about} Text MENU to see what I can do. Text STOP to stop texts."

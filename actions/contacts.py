"""Replies that name the council's own contacts (content/local.yml)."""

from __future__ import annotations

from rasa_sdk import Tracker

from actions.common import ReplyAction
from bot.kb import answers
from bot.local import cached_local
from bot.replies import Reply
from bot.settings import get_settings


class ActionHumanHandoff(ReplyAction):
    action_name = "action_human_handoff"

    def reply(self, tracker: Tracker) -> Reply:
        return answers.human_handoff(cached_local(get_settings().local_file))


class ActionForgetMe(ReplyAction):
    action_name = "action_forget_me"

    def reply(self, tracker: Tracker) -> Reply:
        return answers.forget_me(cached_local(get_settings().local_file))

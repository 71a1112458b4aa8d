"""Helpers shared by the actions: dispatching a domain Reply."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.replies import Reply


def send(dispatcher: CollectingDispatcher, reply: Reply) -> None:
    dispatcher.utter_message(text=reply.text, buttons=reply.button_dicts())

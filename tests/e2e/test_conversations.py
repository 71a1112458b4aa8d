"""Whole conversations through the gateway, with the real engine and action server."""

from __future__ import annotations

import httpx
import pytest

from bot.kb.topics import load_topics
from bot.local import load_local
from bot.settings import get_settings
from tests.e2e.conftest import Resident

TOPICS = load_topics(get_settings().kb_dir)
LOCAL = load_local(get_settings().local_file)
MENU_TITLES = {"Find help near me", "Check my confidence", "Ask a question"}

# One plainly worded question per topic; the held-out NLU set measures the harder phrasings.
QUESTIONS = {
    "free_data": "how can I get a free sim card with data",
    "cheap_broadband": "is there cheaper broadband for people on universal credit",
    "get_device": "where can i get a free laptop or tablet",
    "free_wifi": "where can I use free wifi",
    "email": "how do I set up an email address",
    "nhs_app": "how do i use the nhs app to order my prescription",
    "benefits_online": "how do I use my universal credit journal online",
    "online_banking": "is online banking safe",
    "scams": "I got a text saying my parcel is waiting and asking for money, is it a scam",
    "passwords": "I forgot my password",
    "video_calls": "how can I video call my grandchildren",
    "accessibility": "how do I make the writing bigger on my phone",
    "learn_online": "are there free courses to learn computer skills",
    "jobs_online": "how do I apply for jobs online",
    "digital_champion": "what is a digital champion",
    "become_champion": "I'd like to volunteer as a digital champion",
    "cost": "does it cost anything to get help",
    "smartphone_basics": "how do I download an app on my new smartphone",
    "pension_credit": "I have reached pension age, how do I claim Pension Credit",
}


def test_greeting_shows_the_menu(resident: Resident) -> None:
    messages = resident.say("hello")
    assert "Get Online" in resident.text(messages)
    assert {b["title"] for b in resident.buttons(messages)} >= MENU_TITLES


def test_help_shows_the_menu(resident: Resident) -> None:
    messages = resident.say("what can you do")
    assert {b["title"] for b in resident.buttons(messages)} >= MENU_TITLES


@pytest.mark.parametrize("topic", sorted(QUESTIONS))
def test_every_topic_is_answered_from_the_knowledge_base(resident: Resident, topic: str) -> None:
    messages = resident.say(QUESTIONS[topic])
    assert resident.text(messages) == TOPICS[topic].short_answer
    assert {"More", "Find help near me", "Menu"} == {b["title"] for b in resident.buttons(messages)}


def test_more_gives_the_fuller_answer_typed_or_pressed(resident: Resident) -> None:
    resident.say("how do i report a scam text")
    typed = resident.say("more")
    assert TOPICS["scams"].full_answer in resident.text(typed)
    resident.say('/ask_topic{"faq_topic": "nhs_app"}')
    pressed = resident.say("/more_detail")
    assert TOPICS["nhs_app"].full_answer in resident.text(pressed)


def test_question_menu_leads_to_an_answer_by_number(resident: Resident) -> None:
    menu = resident.say("/ask_question")
    titles = [b["title"] for b in resident.buttons(menu)]
    assert titles[0] == TOPICS[LOCAL.popular_topics[0]].title
    answer = resident.say("1")  # what an SMS resident types for the first option
    assert resident.text(answer) == TOPICS[LOCAL.popular_topics[0]].short_answer


def test_the_bot_says_it_is_a_bot_and_hands_over_to_a_person(resident: Resident) -> None:
    challenge = resident.say("am i talking to a real person?")
    assert "chatbot" in resident.text(challenge)
    handoff = resident.say("I want to speak to a human please")
    text = resident.text(handoff)
    assert LOCAL.helpline.phone in text and "Digital Champion" in text
    assert "Find help near me" in {b["title"] for b in resident.buttons(handoff)}


@pytest.mark.parametrize("message", ["who won the football last night", "what's the weather like tomorrow"])
def test_out_of_scope_is_never_a_dead_end(resident: Resident, message: str) -> None:
    messages = resident.say(message)
    assert "only help with getting online" in resident.text(messages)
    assert {b["title"] for b in resident.buttons(messages)} >= MENU_TITLES


def test_gibberish_gets_a_rephrase_prompt_and_the_menu(resident: Resident) -> None:
    messages = resident.say("qwzx vbnm plokij")
    assert resident.buttons(messages), "a reply with a way forward"
    assert any(phrase in resident.text(messages) for phrase in ("another way", "can't help with that"))


def test_thanks_and_goodbye(resident: Resident) -> None:
    assert "welcome" in resident.text(resident.say("thank you so much"))
    assert "Goodbye" in resident.text(resident.say("bye"))


def test_a_very_long_message_gets_a_clear_answer(resident: Resident) -> None:
    messages = resident.say("help " * 1000)
    assert "too long" in resident.text(messages)


def test_health_and_the_web_chat_page(gateway_url: str) -> None:
    health = httpx.get(f"{gateway_url}/health")
    assert health.status_code == 200
    assert health.json()["checks"] == {
        "engine": True,
        "action_server": True,
        "database": True,
        "schema": True,
    }
    page = httpx.get(gateway_url + "/")
    assert page.status_code == 200 and "<main" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_bad_requests_get_a_clear_error(gateway_url: str) -> None:
    url = f"{gateway_url}/webhooks/rest/webhook"
    assert httpx.post(url, content=b"not json").status_code == 400
    assert httpx.post(url, json={"message": "hi"}).status_code == 400
    assert httpx.post(url, json={"sender": "x", "message": 5}).status_code == 400

"""A call back asked for on the phone line, end to end: signed Twilio Voice webhooks into the
gateway (in-process, as tests/e2e/test_voice.py), the real engine and action server. "This
number?" is the caller's own number, which the phone line gives the gateway for the turn (as
SMS gives the sender's); another number is keyed in on the keypad. Either way the number is kept
only encrypted with the request (decrypted here with the stack's key) and never reaches the
engine's tracker."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from bot.gateway.app import create_app
from bot.pseudonym import pseudonymise
from bot.settings import Settings, get_settings
from tests.e2e.conftest import E2E_SECRET
from tests.e2e.test_callbacks import cipher, requests_of, tracker_text

# The phone line's settings and its fake Twilio REST API are test_voice's fixtures, used as they are.
from tests.e2e.test_voice import Phone, landline, mobile, settings, twilio_api  # noqa: F401


@pytest.fixture(scope="module")
def client(settings: Settings) -> Iterator[TestClient]:  # noqa: F811 (the fixture above)
    # With the stack's key, as every process of a deployment has: the number this gateway stores
    # is read back with it here (and by the admin).
    keyed = settings.model_copy(update={"outbound_keys": get_settings().outbound_keys})
    with TestClient(create_app(keyed)) as test_client:
        Phone(test_client, mobile()).ring()  # opens the databases (see test_voice.client)
        yield test_client


def ask_for_a_call_back_up_to_the_number(phone: Phone) -> str:
    """From the greeting to "this number?": every step answered by voice. Returns that question."""
    phone.ring()
    offer = phone.say("can someone phone me")
    assert "Yes, ring me back" in offer.text, offer.text
    assert "What would you like help with?" in phone.press("1").text
    assert "When is best to ring you?" in phone.say("skip").text
    assert "What first name" in phone.say("mornings").text
    assert "Is that OK?" in phone.say("skip").text
    return phone.say("yes").text


def test_by_voice_yes_to_this_number_keeps_the_caller_s_landline_encrypted(
    client: TestClient, e2e_env: dict[str, str]
) -> None:
    phone = Phone(client, landline())
    question = ask_for_a_call_back_up_to_the_number(phone)
    assert "this number, the one you are calling from" in question, question
    saved = phone.say("yes").text
    assert "A champion will call you within 2 working days" in saved, saved
    assert "texts" not in saved  # the SMS-only landline note is not for a caller
    conversation = pseudonymise(E2E_SECRET, "voice", phone.number)
    [request] = requests_of(e2e_env["DATABASE_URL"], conversation)
    assert cipher().decrypt(request.phone_encrypted or "") == phone.number
    assert request.phone_kind == "landline"
    assert phone.number.removeprefix("+44") not in tracker_text(e2e_env["TRACKER_STORE_URL"], conversation)


def test_by_voice_another_number_is_keyed_in_and_checked(client: TestClient, e2e_env: dict[str, str]) -> None:
    phone = Phone(client, mobile())
    ask_for_a_call_back_up_to_the_number(phone)
    asked = phone.press("2")  # No, another number
    assert "key it in and press the hash key" in asked.text, asked.text
    assert asked.gather is not None and asked.gather.attrib["finishOnKey"] == "#"
    assert "numDigits" not in asked.gather.attrib
    wrong = phone.press("011322#").text
    assert "didn't catch a phone number" in wrong and "type" not in wrong.lower(), wrong
    saved = phone.press("07400900123#").text
    assert "A champion will call you" in saved, saved
    conversation = pseudonymise(E2E_SECRET, "voice", phone.number)
    [request] = requests_of(e2e_env["DATABASE_URL"], conversation)
    assert cipher().decrypt(request.phone_encrypted or "") == "+447400900123"
    assert request.phone_kind == "mobile"
    assert "900123" not in tracker_text(e2e_env["TRACKER_STORE_URL"], conversation)

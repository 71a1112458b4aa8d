"""Finding help near a resident, through the real engine, form and action server."""

from __future__ import annotations

import re

from tests.e2e.conftest import Resident

ATTRIBUTION = "Contains OS data"


def test_asked_for_a_postcode_then_given_the_three_nearest(resident: Resident) -> None:
    ask = resident.say("is there anywhere near me that can help me get online")
    assert "postcode" in resident.text(ask)
    answer = resident.say("LS9 7BG")
    text = resident.text(answer)
    assert "Compton Centre" in text.split("\n")[1], "the nearest venue comes first"
    assert text.count(" miles") + text.count(" mile ") >= 3 or "mile" in text
    assert ATTRIBUTION in text
    assert "More" in {b["title"] for b in resident.buttons(answer)}


def test_a_postcode_in_the_request_is_used_straight_away(resident: Resident) -> None:
    answer = resident.say("any computer help near ls1 3ab")
    assert "Leeds Central Library" in resident.text(answer)


def test_more_shows_the_next_places_and_the_location_is_remembered(resident: Resident) -> None:
    first = resident.text(resident.say("find help near Harehills"))
    more = resident.text(resident.say("more"))
    assert more and more != first
    assert not re.search(r"^1\. ", more, re.MULTILINE), "numbering carries on from the first page"
    again = resident.say("/find_help")
    assert "postcode" not in resident.text(again).split("\n")[0].lower(), "it remembers where"


def test_a_bad_postcode_gets_a_clear_message_and_can_be_corrected(resident: Resident) -> None:
    resident.say("find help near me")
    wrong = resident.say("LS9 7B")
    assert "doesn't look right" in resident.text(wrong) or "can't find that postcode" in resident.text(wrong)
    fixed = resident.say("LS1 3AB")
    assert "Leeds Central Library" in resident.text(fixed)


def test_a_need_filters_by_network(resident: Resident) -> None:
    answer = resident.text(resident.say("sessions for people with sight loss near LS1 3AB"))
    assert "sight loss" in answer.lower()


def test_a_question_while_asked_for_a_postcode_is_answered_then_asked_again(resident: Resident) -> None:
    resident.say("where can i get help near me")
    interrupted = resident.text(resident.say("what is a digital champion"))
    assert "postcode" in interrupted
    assert "Compton Centre" in resident.text(resident.say("LS9 7BG"))


def test_menu_leaves_the_question(resident: Resident) -> None:
    resident.say("find help")
    menu = resident.say("menu")
    assert "Find help near me" in {b["title"] for b in resident.buttons(menu)}

"""Every fixed thing the bot says is short and plain enough for a resident reading an SMS."""

import pytest
import yaml

from bot.kb import answers
from bot.local import load_local
from bot.messages import apology
from bot.privacy import notice
from bot.settings import ROOT, get_settings
from tests.readability import SMS_ANSWER_LIMIT, readability_problem

DOMAIN_RESPONSES = {
    name: variant["text"]
    for name, variants in yaml.safe_load((ROOT / "domain" / "core.yml").read_text())["responses"].items()
    for variant in variants
}
LOCAL = load_local(get_settings().local_file)
ACTION_REPLIES = {
    "human_handoff": answers.human_handoff(LOCAL).text,
    "unknown_topic": answers.unknown_topic().text,
    "apology": apology(LOCAL).text or "",
    "privacy_notice": notice.first_contact_notice(LOCAL, 90),
    "privacy_details": notice.privacy_details(LOCAL, 90).text,
    "confirm_forget": notice.confirm_forget().text,
    "forgotten": notice.forgotten(LOCAL, 90),
    "forget_failed": notice.forget_failed(LOCAL, 90),
    "details_removed": notice.details_removed(LOCAL, 90),
}


@pytest.mark.parametrize(("name", "text"), sorted({**DOMAIN_RESPONSES, **ACTION_REPLIES}.items()))
def test_reply_is_short_and_plain(name: str, text: str) -> None:
    assert len(text) <= SMS_ANSWER_LIMIT, name
    assert readability_problem(text) is None, readability_problem(text)


def test_handoff_names_the_configured_helpline() -> None:
    assert LOCAL.helpline.phone in ACTION_REPLIES["human_handoff"]
    assert LOCAL.helpline.phone in ACTION_REPLIES["apology"]


def test_data_requests_go_to_who_can_act_on_them_not_the_general_line() -> None:
    """Forgetting that fails, and questions about data, name the deployment's data contact."""
    for name in ("forget_failed", "privacy_details"):
        assert LOCAL.data_requests.contact in ACTION_REPLIES[name], name
        assert LOCAL.helpline.phone not in ACTION_REPLIES[name], name


def test_the_way_to_a_champion_is_a_place_not_the_general_line() -> None:
    """The handoff points to somewhere a champion is (and the bot's own search), issue 19."""
    reach = LOCAL.champions.how_to_reach
    assert "helpline" not in reach.lower() and LOCAL.helpline.phone not in reach
    assert reach in ACTION_REPLIES["human_handoff"]
    assert "find the nearest" in ACTION_REPLIES["human_handoff"]

"""A retake's result shows the change in each area, kindly."""

from __future__ import annotations

from bot.confidence.content import ConfidenceCheck
from bot.confidence.scoring import area_changes


def test_what_went_up_comes_first_and_nothing_is_called_a_failure(check: ConfidenceCheck) -> None:
    names = {area.id: area.name for area in check.areas}
    before = {area.id: 50 for area in check.areas}
    after = dict(before, safety=75, communicating=60, information=40)
    said = area_changes(check, before, after)
    assert said.startswith(f"Up since last time: {names['communicating']} (+10), {names['safety']} (+25).")
    assert f"Worth another look: {names['information']}." in said
    assert "The same: " in said and "worse" not in said.lower() and "fail" not in said.lower()

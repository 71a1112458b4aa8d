"""The flyer's content and layout, without a database or poppler (the rendering is tested in integration)."""

from __future__ import annotations

import re

import pytest
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Table

from bot.champions import flyer
from bot.champions.codes import InvalidCode
from bot.champions.flyer import BODY_PT, MARGIN, QR_SIZE, FlyerContent, QRFlowable, flyer_content, flyer_pdf
from bot.local import cached_local
from bot.settings import Settings

SETTINGS = Settings(telegram_bot_username="GetOnlineLeedsBot", sms_number="07700 900123")


def content(
    code: str = "LIB-CENTRAL", name: str = "Library Digital Champion, Leeds Libraries"
) -> FlyerContent:
    return flyer_content(code, name, settings=SETTINGS)


def test_content_comes_from_settings_and_local_yml() -> None:
    local = cached_local(SETTINGS.local_file)
    made = content("lib-central")
    assert made.code == "LIB-CENTRAL"
    assert made.deep_link == "https://t.me/GetOnlineLeedsBot?start=LIB-CENTRAL"
    assert made.sms_text == "Text HELLO LIB-CENTRAL to 07700 900123"
    assert (made.helpline_phone, made.programme) == (local.helpline.phone, local.programme)
    assert made.programme == "100% Digital Leeds"


def test_a_bad_code_makes_no_flyer() -> None:
    with pytest.raises(InvalidCode):
        content("LIB CENTRAL")


def _height(made: FlyerContent) -> float:
    width = A5[0] - 2 * MARGIN
    return sum(
        item.wrap(width, A5[1])[1] + item.getSpaceBefore() + item.getSpaceAfter()
        for item in flyer._story(made, width)
    )


@pytest.mark.parametrize(
    "made",
    [
        content(),
        # A long code from new_code and the longest name printed whole, in the widest letter.
        content("STRAWBERRY-2345", "N" * 80),
        # A code from a CSV, as long as a deep link on one line at 14 pt allows.
        content("HUB-CHAPELTOWN-ABCDEF", "Hub Digital Champion, Leeds Libraries"),
    ],
)
def test_usual_flyers_fit_the_page_at_full_size(made: FlyerContent) -> None:
    """Only then is the type really 14 pt and up: KeepInFrame shrinks what does not fit."""
    assert _height(made) <= A5[1] - 2 * MARGIN


def _listed(value: object) -> list[Flowable]:
    return list(value) if isinstance(value, list | tuple) else [value]  # type: ignore[list-item]


def test_type_is_large_and_the_qr_code_at_least_45_mm() -> None:
    story = flyer._story(content(), A5[0] - 2 * MARGIN)
    beside = [item for item in story if isinstance(item, Table)]
    cells = [
        cell for table in beside for row in table._cellvalues for value in row for cell in _listed(value)
    ]
    paragraphs = [item for item in story + cells if isinstance(item, Paragraph)]
    assert len(paragraphs) >= 11  # heading, 3 lines beside the QR code, 7 below it
    assert min(p.style.fontSize for p in paragraphs) >= BODY_PT >= 14
    assert max(p.style.fontSize for p in paragraphs) >= 28
    assert [cell for cell in cells if isinstance(cell, QRFlowable)]
    assert 45 * mm <= QR_SIZE
    assert QRFlowable("x", QR_SIZE).side > QR_SIZE  # the quiet zone is on top of the 45 mm


def test_names_with_markup_characters_are_printed_not_parsed() -> None:
    pdf = flyer_pdf(content(name="Tea & Tech <Armley>"))
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")


def test_an_overlong_code_and_name_still_make_one_page() -> None:
    pdf = flyer_pdf(content("W" * 40, "N" * 100 + ", " + "Organisation " * 15))
    assert re.findall(rb"/Count (\d+)", pdf) == [b"1"]  # the page tree holds one page

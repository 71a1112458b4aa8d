"""QR codes decode to exactly the data given, in PNG and SVG."""

from __future__ import annotations

import io
from xml.etree import ElementTree

import pytest
import zxingcpp
from PIL import Image

from bot.champions.qr import QUIET_ZONE, make_qr, qr_modules, qr_png, qr_svg

DATA = [
    "https://t.me/GetOnlineLeedsBot?start=LIB-CENTRAL",
    "https://t.me/GetOnlineLeedsBot?start=" + "W" * 40,
    "http://127.0.0.1:8000/?ref=HUB-COMPTON",
]


@pytest.mark.parametrize("data", DATA)
def test_png_decodes_to_the_exact_data(data: str) -> None:
    image = Image.open(io.BytesIO(qr_png(data)))
    found = zxingcpp.read_barcodes(image)
    assert [result.text for result in found] == [data]
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode


def test_png_keeps_the_quiet_zone_and_scale() -> None:
    data = DATA[0]
    side = len(qr_modules(data))
    image = Image.open(io.BytesIO(qr_png(data, scale=3))).convert("L")
    assert image.size == ((side + 2 * QUIET_ZONE) * 3,) * 2
    border = [image.getpixel((x, y)) for x in range(image.width) for y in range(QUIET_ZONE * 3)]
    assert set(border) == {255}  # white all along the top quiet zone
    assert image.getpixel((QUIET_ZONE * 3, QUIET_ZONE * 3)) == 0  # the finder pattern's corner


def test_error_correction_q_and_never_micro() -> None:
    qr = make_qr("ABC")
    assert qr.error == "Q" and not qr.is_micro


def test_svg_is_an_svg_of_the_same_symbol() -> None:
    root = ElementTree.fromstring(qr_svg(DATA[0], scale=2))
    side = (len(qr_modules(DATA[0])) + 2 * QUIET_ZONE) * 2
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("width") == str(side) and root.get("height") == str(side)

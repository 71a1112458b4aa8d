"""QR codes for flyers and the admin's downloads, made with segno.

Error correction Q (a quarter of the code can be lost): flyers get folded, smudged and
photographed at an angle by old phone cameras, and a deep link is short enough that Q costs
only a slightly denser symbol. The four-module quiet zone (the white border) is kept because
phone scanners need it to find the code.
"""

from __future__ import annotations

import io

import segno

ERROR_LEVEL = "q"
QUIET_ZONE = 4


def make_qr(data: str) -> segno.QRCode:
    """Always a full QR code (never a Micro QR, which many phone cameras do not read)."""
    return segno.make_qr(data, error=ERROR_LEVEL, boost_error=False)


def qr_png(data: str, scale: int = 10) -> bytes:
    """A black-on-white PNG, `scale` pixels per module."""
    out = io.BytesIO()
    make_qr(data).save(out, kind="png", scale=scale, border=QUIET_ZONE, dark="black", light="white")
    return out.getvalue()


def qr_svg(data: str, scale: int = 10) -> bytes:
    """An SVG (for print shops and large posters: it scales without blurring)."""
    out = io.BytesIO()
    make_qr(data).save(
        out, kind="svg", scale=scale, border=QUIET_ZONE, dark="black", light="white", xmldecl=True
    )
    return out.getvalue()


def qr_modules(data: str) -> list[list[bool]]:
    """The symbol as rows of dark (True) and light modules, without the quiet zone, for drawing as vectors."""
    return [[bool(module) for module in row] for row in make_qr(data).matrix]

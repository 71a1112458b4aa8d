"""A printable A5 flyer for one champion or venue: what the bot does, its QR code and its SMS keyword.

Written for the people the bot is for: plain English, large type (body 14 pt and up, heading
28 pt), black on white, one idea a line, a QR code at least 45 mm wide, and a way in without a
smartphone. `flyer_pdf` takes plain values (`FlyerContent`), so it is tested without a
database; `flyer_for` loads a row and refuses one that should not be printed.

The PDF carries a title, author, subject and language (en-GB), and every word is real text
(selectable, read aloud by screen readers in order). reportlab cannot write a tagged PDF.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepInFrame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from sqlalchemy.orm import Session

from bot.champions.codes import InvalidCode, listing_label, normalise_code
from bot.champions.links import deep_link, sms_keyword, sms_keyword_text
from bot.champions.qr import QUIET_ZONE, qr_modules
from bot.db.models import DigitalChampion, Venue
from bot.local import LocalInfo, cached_local
from bot.settings import Settings

MARGIN = 10 * mm
QR_SIZE = 50 * mm  # the symbol itself, without its quiet zone
HEADING_PT = 28
LEAD_PT = 17
KEYWORD_PT = 22
BODY_PT = 14
# Longer names are cut, so the flyer always stays on one page.
MAX_FROM_CHARS = 80
WHAT_THE_BOT_DOES = (
    "Find free help near you",
    "Check how confident you are online",
    "Ask a question about getting online",
)
PRIVACY = "We don't need your name. Type FORGET ME to delete your messages."
FONT, BOLD = "Helvetica", "Helvetica-Bold"


class FlyerUnavailable(LookupError):
    """No flyer for this row: missing, hidden, or without a (valid) referral code."""


@dataclass(frozen=True)
class FlyerContent:
    """Everything printed on a flyer, as plain text."""

    code: str
    deep_link: str
    sms_keyword: str
    sms_number: str
    from_name: str
    area: str
    programme: str
    website: str
    helpline_name: str
    helpline_phone: str
    bot_name: str

    @property
    def sms_text(self) -> str:
        return sms_keyword_text(self.code, self.sms_number)


def flyer_content(
    code: str,
    from_name: str,
    *,
    settings: Settings,
    local: LocalInfo | None = None,
) -> FlyerContent:
    """The flyer's text for one code, with links and contacts from settings and content/local.yml."""
    local = local or cached_local(settings.local_file)
    return FlyerContent(
        code=normalise_code(code),
        deep_link=deep_link(code, settings.telegram_bot_username),
        sms_keyword=sms_keyword(code),
        sms_number=settings.sms_number,
        from_name=from_name,
        area=local.area,
        programme=local.programme,
        website=local.website,
        helpline_name=local.helpline.name,
        helpline_phone=local.helpline.phone,
        bot_name=local.bot_name,
    )


class QRFlowable(Flowable):
    """The QR code drawn as vector squares (sharp at any printer resolution), quiet zone included."""

    def __init__(self, data: str, size: float) -> None:
        super().__init__()
        self.modules = qr_modules(data)
        self.module = size / len(self.modules)
        self.side = size + 2 * QUIET_ZONE * self.module

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.offset = (available_width - self.side) / 2
        return available_width, self.side

    def draw(self) -> None:
        canvas: Canvas = self.canv
        canvas.setFillColor(colors.black)
        origin = self.offset + QUIET_ZONE * self.module
        top = self.side - QUIET_ZONE * self.module
        path = canvas.beginPath()
        for row_index, row in enumerate(self.modules):
            for column, dark in enumerate(row):
                if dark:
                    x = origin + column * self.module
                    y = top - (row_index + 1) * self.module
                    path.rect(x, y, self.module, self.module)
        canvas.drawPath(path, stroke=0, fill=1)


def _style(
    name: str, size: float, *, bold: bool = False, centre: bool = False, leading: float = 0, **extra: object
) -> ParagraphStyle:
    return ParagraphStyle(
        name,
        fontName=BOLD if bold else FONT,
        fontSize=size,
        leading=leading or size * 1.2,
        textColor=colors.black,
        alignment=TA_CENTER if centre else 0,
        **extra,
    )


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _link_lines(link: str, width: float) -> str:
    """The deep link on one line: whole if it fits, else without "https://" (browsers add it back).

    Only a code far longer than usual still breaks, before "?start=".
    """
    for shown in (link, link.removeprefix("https://")):
        if stringWidth(shown, FONT, BODY_PT) <= width:
            return escape(shown)
    head, _, tail = link.removeprefix("https://").partition("?")
    return f"{escape(head)}<br/>?{escape(tail)}"


def _story(content: FlyerContent, width: float) -> list[Flowable]:
    """Heading; the QR code with what the bot does beside it; then the ways in and who to call."""
    heading = _style("heading", HEADING_PT, bold=True, leading=HEADING_PT * 1.1, spaceAfter=3 * mm)
    lead = _style("lead", LEAD_PT, leftIndent=5 * mm, spaceAfter=3 * mm)
    centred = _style("centred", BODY_PT, centre=True)
    scan = _style("scan", LEAD_PT, bold=True, centre=True, spaceBefore=1 * mm)
    sms = _style(
        "sms",
        LEAD_PT,
        bold=True,
        centre=True,
        leading=KEYWORD_PT * 1.2,
        borderWidth=2,
        borderColor=colors.black,
        borderPadding=6,
    )
    body = _style("body", BODY_PT, spaceBefore=2 * mm)
    qr = QRFlowable(content.deep_link, QR_SIZE)
    what = [Paragraph(escape(line), lead, bulletText="•") for line in WHAT_THE_BOT_DOES]
    beside = Table([[qr, what]], colWidths=[qr.side, width - qr.side], style=_BESIDE)
    return [
        Paragraph(f"Free help to get online<br/>in {escape(content.area)}", heading),
        beside,
        Paragraph("Scan with your phone camera", scan),
        Paragraph(_link_lines(content.deep_link, width), centred),
        Spacer(width, 4.5 * mm),
        # What to type stands out on its own line; the number never breaks across lines.
        Paragraph(
            f"No smartphone? Text<br/><font size={KEYWORD_PT}>{escape(content.sms_keyword)}</font><br/>"
            f"to {escape(content.sms_number).replace(' ', '&nbsp;')}",
            sms,
        ),
        Spacer(width, 3 * mm),
        Paragraph(f"<b>This flyer is from:</b> {escape(_cut(content.from_name, MAX_FROM_CHARS))}", body),
        Paragraph(
            f"Or call {escape(content.helpline_name)}: <b>{escape(content.helpline_phone)}</b>",
            body,
        ),
        Paragraph(escape(PRIVACY), body),
        Paragraph(f"Part of {escape(content.programme)} · {escape(content.website)}", body),
    ]


_BESIDE = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]
)


def flyer_pdf(content: FlyerContent) -> bytes:
    """The flyer as a one-page A5 portrait PDF."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A5,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{content.bot_name}: free help to get online in {content.area} ({content.code})",
        author=content.programme,
        subject=f"Flyer from {content.from_name}: scan the QR code or text {content.code}",
        keywords=["digital inclusion", content.area, content.code],
        creator=content.bot_name,
        lang="en-GB",
        displayDocTitle=True,
    )
    # Shrinks only when a code or name is far longer than usual, so the flyer stays one page.
    doc.build([KeepInFrame(doc.width, doc.height, _story(content, doc.width), mode="shrink")])
    return out.getvalue()


def flyer_for(session: Session, kind: str, id: int, *, settings: Settings) -> bytes:
    """The flyer of an active champion or venue that has a valid code, else FlyerUnavailable.

    `kind` is as the staff page's URL gave it: anything but "champion" or "venue" is refused here.
    """
    if kind not in ("champion", "venue"):
        raise FlyerUnavailable(f"No flyers for {kind!r}: only for a champion or a venue.")
    row = session.get(DigitalChampion, id) if kind == "champion" else session.get(Venue, id)
    if row is None:
        raise FlyerUnavailable(f"There is no {kind} with id {id}.")
    if not row.active:
        raise FlyerUnavailable(
            f"{kind.capitalize()} {id} ({row.name}) is hidden: show it again before printing."
        )
    if not row.referral_code:
        raise FlyerUnavailable(
            f"{kind.capitalize()} {id} ({row.name}) has no referral code yet: "
            "run `python -m bot referral-codes` to give it one."
        )
    try:
        content = flyer_content(row.referral_code, listing_label(row), settings=settings)
    except InvalidCode as error:
        raise FlyerUnavailable(
            f"{kind.capitalize()} {id} ({row.name}): {error} Change it, then print."
        ) from None
    return flyer_pdf(content)

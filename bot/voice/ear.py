"""A reply written for the screen, rewritten for the ear: what the phone line says in a `<Say>`.

The bot's replies are written for a screen: links, bullets, "Tel 0113 378 5005", "Next: Tue 9
Dec, 10am", "LS9 7BG". A speech engine reads those badly ("zero one one three three seven
eight..."; "ten am" as the verb; "LS9" as a word) and a caller cannot click a link. So before a
reply is spoken:

- links are dropped (the channel offers to text them) and emoji, markdown and bullets go;
- phone numbers are read in the groups people say them in ("oh one one three, three seven
  eight, five oh oh five"; "oh eight hundred" for 0800; 999, 111 and 159 digit by digit);
- times and dates are said as people say them ("ten a.m.", "twelve noon", "this Tuesday the
  ninth", "Tuesday the ninth of December");
- a postcode is said letter by letter ("L S 9, 7 B G"), the rest of an address as written,
  with "St", "Rd", "Ave" said in full only where the reading is clear;
- what a screen asks the resident to type is said ("Send MORE" is "Say more");
- a long reply is split at sentences into parts of at most `MAX_SPOKEN_WORDS` words, so a
  caller hears one part and presses 1 for the next.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import phonenumbers

from bot.geo import postcodes
from bot.voice.postcodes import read_back

MAX_SPOKEN_WORDS = 60
# Dates are said as a caller in Leeds counts days (as bot.venues.schedule stores sessions).
LONDON = ZoneInfo("Europe/London")

_DIGIT_NAMES = ("oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_NUMBERS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty"}
_ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def _number(value: int) -> str:
    """0 to 59 in words: enough for hours, minutes and the days of a month."""
    if value < 20:
        return _NUMBERS[value]
    tens, units = divmod(value, 10)
    return _TENS[tens] + (f"-{_NUMBERS[units]}" if units else "")


def _ordinal(value: int) -> str:
    """1 to 31 as "first" ... "thirty-first"."""
    if value <= 20:
        return _ORDINALS[value - 1]
    tens, units = divmod(value, 10)
    return _TENS[tens] + (f"-{_ORDINALS[units - 1]}" if units else "ieth")


# ---- phone numbers ----

# A UK number: 0 then 9 or 10 more digits, or +44 / 0044 (with an optional "(0)"), spaced or not.
_PHONE = re.compile(
    r"(?<![\w£$.,/])(?:(?:\+|00)44\s?(?:\(0\)\s?)?|0)\d(?:[\s-]?\d){8,9}(?![\w/])",
)
# Short numbers a resident is told to call or text: said digit by digit.
_SHORT_NUMBERS = re.compile(
    r"(?<![\w£$.,/])(999|111|112|101|105|119|159|7726|116\s?\d{3}|18001)"
    r"(?![\w/%£]|\.\d|\s+(?:years?|people|pounds|miles|minutes|hours|days|weeks|months|%|per\b))"
)
_HUNDREDS = {"0800": "oh eight hundred", "0300": "oh three hundred", "0500": "oh five hundred"}


def _digits(group: str) -> str:
    return " ".join(_DIGIT_NAMES[int(char)] for char in group)


def _phone_groups(written: str) -> list[str]:
    """The groups to read: the writer's own spacing when it is sensible, else the UK plan's."""
    groups = re.split(r"[\s-]+", written.strip())
    if written.startswith("0") and len(groups) > 1 and all(2 <= len(group) <= 6 for group in groups):
        return _halve_long(groups)
    try:
        parsed = phonenumbers.parse(written, "GB")
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and parsed.country_code == 44:
        national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
        groups = national.split()
    else:
        digits = re.sub(r"\D", "", written)
        groups = [digits[:5], digits[5:]]
    return _halve_long(groups)


def _halve_long(groups: list[str]) -> list[str]:
    """A group of six or more is said as two ("900123": "nine oh oh, one two three")."""
    split: list[str] = []
    for group in groups:
        split.extend([group[:3], group[3:]] if len(group) >= 6 else [group])
    return split


def say_phone_number(written: str) -> str:
    """ "0113 378 5005" as "oh one one three, three seven eight, five oh oh five"."""
    groups = _phone_groups(written)
    spoken = [_HUNDREDS.get(groups[0]) or _digits(groups[0]), *(_digits(group) for group in groups[1:])]
    return ", ".join(spoken)


def _say_phones(text: str) -> str:
    text = _PHONE.sub(lambda match: say_phone_number(match.group(0)), text)
    return _SHORT_NUMBERS.sub(lambda match: _digits(re.sub(r"\s", "", match.group(1))), text)


def is_uk_mobile(number: str) -> bool:
    """A UK mobile (07..., +447...), which can be sent a text: not a landline, a pager (076)
    or a personal number (070). Ofcom's mobile ranges are 071-075 and 077-079, and 07624 (Isle of
    Man); the drama range 07700 900xxx counts, so tests can use it."""
    compact = re.sub(r"[\s\-()]", "", number.strip())
    compact = re.sub(r"^(?:\+44|0044)0?", "0", compact)
    return bool(re.fullmatch(r"07(?:[1-57-9]\d{8}|624\d{6})", compact))


# ---- times ----

_CLOCK = re.compile(
    r"(?<![\w:.£$])(\d{1,2})(?:[:.]([0-5]\d))?\s?(am|pm|a\.m\.|p\.m\.)(?![\w])",
    re.IGNORECASE,
)
_24H = re.compile(r"(?<![\w:.£$])([01]?\d|2[0-3]):([0-5]\d)(?![\w:])")
_TIME_RANGE = re.compile(r"(\b(?:a\.m\.|p\.m\.|noon|midnight))\s?[-–—]\s?(?=\w)")


def say_time(hour: int, minute: int) -> str:
    """14:30 as "two thirty p.m.", 12:00 as "twelve noon", 0:00 as "midnight"."""
    if minute == 0 and hour == 12:
        return "twelve noon"
    if minute == 0 and hour in (0, 24):
        return "midnight"
    spoken = _number(hour % 12 or 12)
    if minute:
        spoken += f" oh {_number(minute)}" if minute < 10 else f" {_number(minute)}"
    return spoken + (" a.m." if hour % 24 < 12 else " p.m.")


def _say_times(text: str) -> str:
    def clock(match: re.Match[str]) -> str:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 12:
            return match.group(0)
        pm = match.group(3).lower().startswith("p")
        return say_time(hour % 12 + (12 if pm else 0), minute)

    text = _CLOCK.sub(clock, text)
    text = _24H.sub(lambda match: say_time(int(match.group(1)), int(match.group(2))), text)
    return _TIME_RANGE.sub(r"\1 to ", text)


# ---- dates ----

_DAY_NAMES = (
    "|".join(day[:3] + f"(?:{day[3:]})?" for day in _WEEKDAYS)
    .replace("Tue(?:", "Tue(?:s|")
    .replace("Thu(?:", "Thu(?:rs|r|")
)
_MONTH_NAMES = "|".join(month[:3] + f"(?:{month[3:]})?" for month in _MONTHS).replace("Sep(?:", "Sep(?:t|")
_WRITTEN_DATE = re.compile(
    rf"\b(?:(?P<weekday>{_DAY_NAMES})\.?,?\s+)?(?:the\s+)?(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+"
    rf"(?:of\s+)?(?P<month>{_MONTH_NAMES})\.?(?:,?\s+(?P<year>20\d\d))?\b",
)
_ISO_DATE = re.compile(r"\b(20\d\d)-([01]\d)-([0-3]\d)\b")
_SLASH_DATE = re.compile(r"\b([0-3]?\d)/([01]?\d)/(20\d\d)\b")


def _guess_year(day: int, month: int, weekday: int | None, today: date) -> date | None:
    """The date with this day, month (and weekday) from three months ago to ten months ahead,
    nearest `today` looking ahead more than back; None if there is none (a weekday that does
    not match the date)."""
    best: tuple[int, date] | None = None
    for year in (today.year - 1, today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        offset = (candidate - today).days
        if (weekday is not None and candidate.weekday() != weekday) or not -92 <= offset <= 305:
            continue
        distance = offset if offset >= 0 else -offset * 4
        if best is None or distance < best[0]:
            best = (distance, candidate)
    return best[1] if best else None


def say_date(day: date, today: date | None = None, *, relative: bool = True) -> str:
    """ "today", "tomorrow", "this Tuesday the ninth" (within a week), else "Tuesday the ninth of
    December" (with the year when it is not this one or the next few months)."""
    weekday = _WEEKDAYS[day.weekday()]
    if today is not None and relative:
        ahead = (day - today).days
        if ahead == 0:
            return "today"
        if ahead == 1:
            return "tomorrow"
        if 1 < ahead < 7:
            return f"this {weekday} the {_ordinal(day.day)}"
    spoken = f"{weekday} the {_ordinal(day.day)} of {_MONTHS[day.month - 1]}"
    if today is not None and not 0 <= (day - today).days < 300:
        spoken += f" {day.year}"
    return spoken


def _say_dates(text: str, today: date) -> str:
    def relative_here(match: re.Match[str]) -> bool:
        # "is tomorrow, Tuesday 8 December": the day has been said once already.
        return not re.search(r"\b(?:today|tomorrow)\W*$", text[: match.start()], re.IGNORECASE)

    def written(match: re.Match[str]) -> str:
        month = next(
            i for i, name in enumerate(_MONTHS, 1) if name.lower().startswith(match["month"][:3].lower())
        )
        day = int(match["day"])
        weekday = None
        if match["weekday"]:
            weekday = next(
                i for i, name in enumerate(_WEEKDAYS) if name.lower().startswith(match["weekday"][:3].lower())
            )
        try:
            found = (
                date(int(match["year"]), month, day)
                if match["year"]
                else _guess_year(day, month, weekday, today)
            )
        except ValueError:
            found = None
        if found is None and weekday is not None and 1 <= day <= 31:
            # The day and date disagree (or are far off): said as written, not corrected.
            return f"{_WEEKDAYS[weekday]} the {_ordinal(day)} of {_MONTHS[month - 1]}"
        if found is None:
            return match.group(0)
        return say_date(found, today, relative=relative_here(match))

    def numeric(found: date | None, match: re.Match[str]) -> str:
        return match.group(0) if found is None else say_date(found, today, relative=relative_here(match))

    def iso(match: re.Match[str]) -> str:
        try:
            found: date | None = date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            found = None
        return numeric(found, match)

    def slashed(match: re.Match[str]) -> str:
        try:
            found: date | None = date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:
            found = None
        return numeric(found, match)

    text = _WRITTEN_DATE.sub(written, text)
    text = _ISO_DATE.sub(iso, text)
    text = _SLASH_DATE.sub(slashed, text)
    # "on this Tuesday", "on tomorrow": the preposition goes with a relative day.
    relative = r"\b([Oo])n (today|tomorrow|this (?:{}))\b".format("|".join(_WEEKDAYS))
    return re.sub(
        relative, lambda match: match[2][0].upper() + match[2][1:] if match[1] == "O" else match[2], text
    )


# ---- links, markdown, emoji, abbreviations ----

_TLDS = "uk|com|org|net|io|info|me|app|eu|ie|scot|wales|london|co|gov|nhs|ac|dev"
_URL = re.compile(
    rf"(?:\bhttps?://|\bwww\.)[^\s<>\"]*[^\s<>\".,;:!?)]"
    rf"|(?<![@\w.])(?:[a-z0-9-]+\.)+(?:{_TLDS})(?:/[^\s<>\"]*[^\s<>\".,;:!?)]|/)?(?![\w@])",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b([\w.+-]+)@((?:[a-z0-9-]+\.)+[a-z]{2,})\b", re.IGNORECASE)
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def links(text: str) -> list[str]:
    """The web addresses in a reply, in order: what the channel can offer to text."""
    found = [match.group(2) for match in _MARKDOWN_LINK.finditer(text)]
    plain = _MARKDOWN_LINK.sub(r"\1", text)
    plain = _NAMED_DOMAIN.sub(" ", _EMAIL.sub(" ", plain))
    found.extend(match.group(0).rstrip(".,;:!?)") for match in _URL.finditer(plain))
    return list(dict.fromkeys(found))


# A brand written as a domain ("GOV.UK", "NHS.UK"): a name people say, not a link to drop.
_NAMED_DOMAIN = re.compile(r"(?<![@\w./])((?:[A-Z0-9-]+\.)+(?:UK|COM|ORG))(?![\w/@])")


def _online_already(text: str, at: int) -> bool:
    """Whether the sentence before `at` already says "online"."""
    sentence = re.split(r"[.!?]\s", text[:at])[-1]
    return bool(re.search(r"\bonline\b", sentence, re.IGNORECASE))


def _drop_links(text: str) -> str:
    """Links out, the sentence still whole: "apply online at gov.uk/x" is "apply online", "go
    to gov.uk/x" is "go online", a line that is only a titled link goes."""
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _NAMED_DOMAIN.sub(lambda match: " dot ".join(match.group(1).lower().split(".")), text)
    url = _URL.pattern
    urls = rf"(?:{url})(?:,?\s+or\s+(?:{url}))*"
    # A line that is only a link with its title ("How to claim (GOV.UK): https://..."): gone.
    text = re.sub(rf"(?im)^[^\n]{{0,120}}:\s*(?:{urls})[.,;]?[ \t]*$", "", text)
    text = re.sub(rf"(?i)\s*\(\s*(?:{urls})\s*\)", "", text)
    text = re.sub(rf"(?i)\bonline\s*(?:at|on|via|:)\s*(?:{urls})", "online", text)

    def go_to(match: re.Match[str]) -> str:
        verb = match.group(1)
        if _online_already(text, match.start()):
            return f"{verb} the website"
        if verb.lower() in ("go to", "visit"):
            return "Go online" if verb[0].isupper() else "go online"
        return f"{verb} online"

    text = re.sub(rf"(?i)\b(go to|visit|see|check)\s+(?:{urls})", go_to, text)

    def where(match: re.Match[str]) -> str:
        return "" if _online_already(text, match.start()) else " online"

    text = re.sub(rf"(?i)\s+(?:at|on|via|from)\s+(?:{urls})", where, text)
    return re.sub(rf"(?i){urls}", "the website", text)


def _say_email(match: re.Match[str]) -> str:
    local, domain = match.group(1), match.group(2)
    if not re.search(r"[aeiou]", local, re.IGNORECASE) or re.match(r"[^aeiou]{3}", local, re.IGNORECASE):
        local = " ".join(local.upper())
    return f"{local} at {' dot '.join(domain.split('.'))}"


_SPOKEN_CHARACTERS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": " - ",
    "\u2014": " - ",
    "\u2026": "...",
    "&": " and ",
    "\u00a9": ",",  # "Contains OS data © Crown copyright": a pause, not "copyright" twice
    "\u00a0": " ",
}
_SILENT = frozenset(("So", "Sk", "Cs", "Co", "Cn", "Me", "Cf"))


# Only these characters need a look (plain ASCII text is said as it is).
_UNUSUAL = re.compile(r"[^\n\x20-\x7e]|&")


def _spoken_character(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _SPOKEN_CHARACTERS:
        return _SPOKEN_CHARACTERS[char]
    if (
        unicodedata.category(char) in _SILENT
        or "\ufe00" <= char <= "\ufe0f"
        or unicodedata.category(char) == "Cc"
    ):
        # Emoji, pictographs and their joiners and variation selectors: nothing to say.
        return " "
    return char


def _plain(text: str) -> str:
    """No markdown, bullets or emoji; each line a sentence (or the colon that leads a list)."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n")
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = re.sub(r"(\*\*|__|`)", "", text)
    text = re.sub(r"(?<!\w)[*_](\S[^*_\n]*?)[*_](?!\w)", r"\1", text)
    text = re.sub(r"(?m)^\s*#+\s*", "", text)
    text = re.sub(r"(?m)^\s*(?:[-*•·]|\d{1,2}[.)])\s+", "", text)
    text = _UNUSUAL.sub(_spoken_character, text)
    lines = []
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        if not re.search(r"[.!?:]$", line):
            line += "."
        lines.append(line)
    return " ".join(lines)


_ABBREVIATIONS = (
    (re.compile(r"\bType (?=(?:your|it|a)\b)"), "Say "),
    (re.compile(r"\btype (?=(?:your|it|a)\b)"), "say "),
    (re.compile(r"\bTel\.?:?(?=\s)"), "Phone"),
    (re.compile(r"\be\.g\.,?", re.IGNORECASE), "for example"),
    (re.compile(r"\bi\.e\.,?", re.IGNORECASE), "that is"),
    (re.compile(r"\bapprox\.", re.IGNORECASE), "about"),
    (re.compile(r"(?<=[A-Za-z] )St\b(?=\.?(?:[,.;]|$))"), "Street"),
    (re.compile(r"(?<=[A-Za-z] )Rd\b(?=\.?(?:[,.;]|\s|$))"), "Road"),
    (re.compile(r"(?<=[A-Za-z] )Ave\b(?=\.?(?:[,.;]|\s|$))"), "Avenue"),
    (re.compile(r"(?<=[A-Za-z] )Ln\b(?=\.?(?:[,.;]|\s|$))"), "Lane"),
)


_DAY_RANGE = re.compile(rf"\b({_DAY_NAMES})\.?\s*[-–]\s*({_DAY_NAMES})\b")


def _day(short: str) -> str:
    return next(day for day in _WEEKDAYS if day.startswith(short[:3]))


def _say_day_ranges(text: str) -> str:
    """ "Mon-Fri", "Monday - Friday": "Monday to Friday"."""
    return _DAY_RANGE.sub(lambda match: f"{_day(match[1])} to {_day(match[2])}", text)


_SAINT = re.compile(r"\bSt\.?\s+(?=[A-Z][a-z])")


def _saints(text: str) -> str:
    """ "St Mary's", "the St John Centre": a saint, unless a name comes just before ("High St
    Leeds" could be a street), where "St" stays as written."""

    def saint(match: re.Match[str]) -> str:
        before = text[: match.start()].rstrip()
        previous = before.split()[-1] if before.split() else ""
        if previous[:1].isupper() and previous[-1:].isalpha():
            return match.group(0)
        return "Saint "

    return _SAINT.sub(saint, text)


# The keywords typed on a screen are said on the phone: "Send MORE" is "Say more".
_KEYWORD = re.compile(r"\b(?:Send|Type|Text|Reply)\s+([A-Z]{2,}(?:\s[A-Z]{2,})*)\b")
# The bot's own keywords in capitals ("or FORGET ME"), said as words; acronyms (NHS, GP, PIN) stay.
_CAPITAL_KEYWORDS = re.compile(r"\b(FORGET ME|PRIVACY|MORE|MENU|STOP|START|HELP|YES|NO|CANCEL)\b")


def _say_postcodes(text: str) -> str:
    out = []
    last = 0
    for start, end, postcode in postcodes.find(text):
        if not postcode.is_full and len(postcode.area) < 2:
            continue
        out.append(text[last:start] + read_back(str(postcode)))
        last = end
    return "".join(out) + text[last:]


def for_the_ear(text: str, *, now: datetime | None = None) -> str:
    """The reply as it should be spoken: see the module's docstring for the rules."""
    local_now = (now or datetime.now(LONDON)).astimezone(LONDON)
    text = _plain(_drop_links(text))
    text = _EMAIL.sub(_say_email, text)
    for pattern, spoken in _ABBREVIATIONS:
        text = pattern.sub(spoken, text)
    text = _saints(text)
    text = _say_day_ranges(text)
    text = _KEYWORD.sub(lambda match: f"Say {match.group(1).lower()}", text)
    text = _CAPITAL_KEYWORDS.sub(lambda match: match.group(1).lower(), text)
    text = _say_dates(text, local_now.date())
    text = _say_times(text)
    text = _say_postcodes(text)
    text = _say_phones(text)
    text = re.sub(r"\b(\d+)\.0 miles\b", r"\1 miles", text)
    text = re.sub(r"(?<![\d.])1 miles\b", "1 mile", text)
    text = re.sub(r"\b(Road|Street|Avenue|Lane)\.(?=[,;])", r"\1", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:])(?=[.!?])", "", text)
    text = re.sub(r"(?<=\.\.)\.|(?<=[.!?])\.(?!\.)", "", text)
    return re.sub(r"\s+", " ", text).strip()


# ---- length ----


def spoken_words(text: str) -> int:
    """How many words a speech engine says for `text` (a digit or letter said alone counts one,
    "a.m." one)."""
    return len(re.findall(r"(?:[a-z]\.){2,}|[^\W_]+(?:['’-][^\W_]+)*", text, re.IGNORECASE))


# A sentence ends at . ! ? before a space, but not after "a.m." followed by a day or a month.
_SENTENCE_END = re.compile(
    r"(?<=[.!?])\s+(?=[A-Z0-9\"'])(?!(?:{})\b)".format("|".join([*_WEEKDAYS, *_MONTHS]))
)


def _sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_END.split(text.strip()) if part]


def _split_long(sentence: str, limit: int) -> list[str]:
    """A sentence over the limit: at commas where possible, else between words."""
    parts: list[str] = []
    current = ""
    for clause in re.split(r"(?<=[,;:])\s+", sentence):
        for word in [clause] if spoken_words(clause) <= limit else clause.split():
            joined = f"{current} {word}".strip()
            if spoken_words(joined) <= limit or not current:
                current = joined
            else:
                parts.append(current)
                current = word
    if current:
        parts.append(current)
    return parts


def split_for_speech(text: str, limit: int = MAX_SPOKEN_WORDS) -> list[str]:
    """The reply in parts of at most `limit` words, split at sentences (at commas only for a
    sentence longer than the limit): the channel says the first and offers the next."""
    parts: list[str] = []
    current = ""
    for sentence in _sentences(text):
        pieces = [sentence] if spoken_words(sentence) <= limit else _split_long(sentence, limit)
        for piece in pieces:
            joined = f"{current} {piece}".strip()
            if spoken_words(joined) <= limit:
                current = joined
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def say_options(options: Sequence[str]) -> str:
    """ "Press 1 for Find help near you, press 2 for Ask a question, or just say it." """
    titles = [for_the_ear(option).rstrip(".!?:") for option in options]
    titles = [title for title in titles if title]
    if not titles:
        return ""
    pressed = [f"press {number} for {title}" for number, title in enumerate(titles, start=1)]
    pressed[0] = "P" + pressed[0][1:]
    return ", ".join(pressed) + ", or just say it."

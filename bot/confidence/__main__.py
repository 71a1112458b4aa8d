"""`python -m bot.confidence [FILE]`: check the confidence check's data file after an edit.

Prints each question as an SMS resident reads it, with its length, and the levels' rules; exits
with status 1 and the mistake when the file is not valid.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.confidence.content import SMS_LIMIT, load_check, sms_question
from bot.confidence.service import DATA_FILE, topic_titles
from bot.settings import get_settings


def main(argv: list[str]) -> int:
    settings = get_settings()
    path = Path(argv[0]) if argv else settings.content_dir / DATA_FILE
    try:
        check = load_check(path, topic_titles(settings))
    except (OSError, ValueError) as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    for question in check.questions:
        text = sms_question(check, question)
        print(f"--- {question.id} ({check.area(question.area).name}): {len(text)}/{SMS_LIMIT} characters")
        print(text)
    print("--- levels")
    for level in check.levels:
        rules = [f"total >= {level.min_total}%"]
        rules += [f"{area} >= {percent}%" for area, percent in level.min_area.items()]
        if level.min_every_area:
            rules.append(f"every area >= {level.min_every_area}%")
        print(f"{level.name}: {', '.join(rules)}")
    print(f"{path}: OK")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

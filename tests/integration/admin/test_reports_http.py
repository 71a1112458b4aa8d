"""/reports over HTTP: the page with its charts and tables, and the CSV downloads."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from bot.db.models import ConfidenceResult, UsageEvent, UsageKind

MONDAY = date.today() - timedelta(days=date.today().weekday())


def add_usage(session: Session) -> None:
    rows = [
        (UsageKind.CONVERSATION, "", "web", "p1"),
        (UsageKind.CONVERSATION, "", "web", "p2"),
        (UsageKind.CONVERSATION, "", "sms", "p3"),
        (UsageKind.QUESTION, "free_data", "web", "p1"),
        (UsageKind.SEARCH, "LS9", "sms", "p3"),
        (UsageKind.NOT_UNDERSTOOD, '=HYPERLINK("http://x")', "web", "p2"),
        (UsageKind.REFERRAL, "LIB-CENTRAL", "telegram", "p4"),
    ]
    for kind, detail, channel, person in rows:
        session.add(
            UsageEvent(
                week=MONDAY, occurred_on=MONDAY, channel=channel, kind=kind, detail=detail, person=person
            )
        )
    session.add(
        ConfidenceResult(
            person="secret-person-key", taken_on=MONDAY, area_scores={}, total_score=50, level="Confident"
        )
    )
    session.commit()


def test_the_page_shows_charts_and_their_numbers_and_never_a_person(
    editor: TestClient, db_session: Session
) -> None:
    add_usage(db_session)
    page = editor.get("/reports/?weeks=4")
    assert page.status_code == 200
    text = page.text
    assert '<h1 class="page-title">Programme figures</h1>' in text
    assert text.count('role="img"') == 7  # with the loop's funnel and the call backs' outcomes
    assert "3 people talked to the bot in these 4 weeks" in text
    assert "Free mobile data" in text, "topics are shown by their title"
    assert "LIB-CENTRAL: Unknown code" in text
    assert "secret-person-key" not in text and "p1" not in text.split("<main")[1]
    assert "style=" not in text.split("<main")[1]


def test_call_backs_download_as_counts_without_numbers(editor: TestClient) -> None:
    response = editor.get("/reports/callbacks.csv?weeks=4")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[:3] == ["week_beginning", "organisation", "requests"]
    assert not any("number" in column or "phone" in column for column in header)


def test_an_unknown_period_falls_back_to_twelve_weeks(editor: TestClient) -> None:
    assert '<option value="12" selected>' in editor.get("/reports/?weeks=9999").text


def test_each_report_downloads_as_csv(editor: TestClient, db_session: Session) -> None:
    add_usage(db_session)
    response = editor.get("/reports/conversations.csv?weeks=4")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["week_beginning", "web", "telegram", "sms", "voice", "total"]
    assert rows[-1] == [MONDAY.isoformat(), "2", "0", "1", "0", "3"] and len(rows) == 5
    questions = editor.get("/reports/questions.csv").content.decode("utf-8-sig")
    assert "free_data,Free mobile data,1" in questions
    confidence = editor.get("/reports/confidence.csv").content.decode("utf-8-sig")
    assert "Confident,1" in confidence


def test_resident_text_cannot_become_a_spreadsheet_formula(editor: TestClient, db_session: Session) -> None:
    add_usage(db_session)
    rows = list(
        csv.reader(io.StringIO(editor.get("/reports/not-understood.csv").content.decode("utf-8-sig")))
    )
    assert rows[1][0] == '\'=HYPERLINK("http://x")'


def test_an_unknown_report_is_not_found(editor: TestClient) -> None:
    assert editor.get("/reports/everything.csv").status_code == 404

"""The admin's knowledge-base page over HTTP: last reviews, sources, due topics beside the stale
listings, and a reviewer marking a topic reviewed (issue 19)."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from bot.admin.kb_review import KnowledgeBasePage
from bot.db.models import AuditEntry, TopicReview
from bot.settings import get_settings
from tests.integration.admin.conftest import StaffSite, csrf_token

NOW = datetime(2027, 9, 1, 9, 0, tzinfo=timezone.utc)
OFCOM = "https://www.ofcom.org.uk/phones-and-broadband/saving-money/social-tariffs"


@pytest.fixture(autouse=True)
def kb_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real topics, all reviewed in the file on 2027-06-01 except scams (2026-12-03)."""
    target = tmp_path / "kb"
    shutil.copytree(get_settings().kb_dir, target)
    for path in target.glob("*.yml"):
        text = path.read_text(encoding="utf-8")
        day = "2026-12-03" if path.stem == "scams" else "2027-06-01"
        start = text.index("last_reviewed: ")
        end = text.index("\n", start)
        path.write_text(text[:start] + f"last_reviewed: {day}" + text[end:], encoding="utf-8")
    monkeypatch.setattr(KnowledgeBasePage, "kb_dir", target)
    monkeypatch.setattr(KnowledgeBasePage, "clock", staticmethod(lambda: NOW))
    return target


def test_the_page_shows_each_topics_review_and_sources_with_links(editor: TestClient) -> None:
    page = editor.get("/admin/kb")
    assert page.status_code == 200
    assert "Knowledge base" in page.text and "Pension Credit" in page.text
    assert f'href="{OFCOM}"' in page.text
    scams = page.text[page.text.index('id="topic-scams"') :]
    scams = scams[: scams.index("</tr>")]
    assert "Due for review" in scams and "File: 2026-12-03" in scams and "never" in scams
    nhs = page.text[page.text.index('id="topic-nhs_app"') :]
    assert "Due for review" not in nhs[: nhs.index("</tr>")]


def test_due_topics_are_listed_with_the_stale_listings(editor: TestClient) -> None:
    page = editor.get("/admin/stale").text
    assert "Knowledge-base topics: 1" in page
    assert '/admin/kb#topic-scams">Scams</a>' in page
    assert "last reviewed 2026-12-03" in page


def test_a_reviewer_marks_a_topic_reviewed_and_it_is_audited(
    editor: TestClient, db_session: Session, staff_site: StaffSite
) -> None:
    page = editor.get("/admin/kb").text
    response = editor.post(
        "/admin/kb/reviewed", data={"topic": "scams", "checked": "yes", "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 303
    after = editor.get(response.headers["location"]).text
    assert "Recorded your review of Scams" in after
    scams = after[after.index('id="topic-scams"') :]
    scams = scams[: scams.index("</tr>")]
    assert "Due for review" not in scams
    assert "2027-09-01 by editor@leeds.gov.uk" in scams and "File: 2026-12-03" in scams
    review = db_session.scalars(select(TopicReview)).one()
    assert (review.topic, review.reviewer) == ("scams", "editor@leeds.gov.uk")
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.entity == "kb-topic")).one()
    assert entry.entity_id == "scams" and entry.staff_email == "editor@leeds.gov.uk"
    assert "Knowledge-base topics: 0" in editor.get("/admin/stale").text


@pytest.mark.parametrize(
    ("data", "status"),
    [({"topic": "scams"}, 400), ({"topic": "no_such_topic", "checked": "yes"}, 404)],
)
def test_a_review_without_the_check_or_of_no_topic_is_refused(
    editor: TestClient, db_session: Session, data: dict[str, str], status: int
) -> None:
    page = editor.get("/admin/kb").text
    assert (
        editor.post("/admin/kb/reviewed", data={**data, "csrf_token": csrf_token(page)}).status_code == status
    )
    assert db_session.scalars(select(TopicReview)).all() == []


def test_the_page_needs_a_login(staff_site: StaffSite) -> None:
    with staff_site.client() as client:
        response = client.get("/admin/kb")
        assert response.status_code in (302, 303) and "/login" in response.headers["location"]


def test_a_review_without_the_forms_token_is_refused(editor: TestClient, db_session: Session) -> None:
    response = editor.post("/admin/kb/reviewed", data={"topic": "scams", "checked": "yes"})
    assert response.status_code == 403
    assert db_session.scalars(select(TopicReview)).all() == []

"""The admin's own pages over HTTP: import with preview, venue export, stale listings, flyers."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from bot.db.models import AuditEntry, DigitalChampion, Venue
from bot.venues.venue_csv import VENUE_COLUMNS
from tests.conftest import Factory
from tests.integration.admin.conftest import StaffSite, csrf_token

pytestmark = pytest.mark.usefixtures("with_postcodes")

GOOD = "name,address,postcode,latitude,longitude\nCentral,Calverley Street,LS1 3AB,,\nPlayhouse,,LS2 7UP,,\n"
BROKEN = (
    "name,address,postcode,latitude,longitude,step_free\n"
    "Central,Calverley Street,LS1 3AB,,,yes\n"
    "Playhouse,,LS2 7UQ,,,no\n"
    "Otley,,LS21 1EZ,,,perhaps\n"
)


def upload(client: TestClient, text: str | bytes, kind: str = "venues", **extra: str):  # type: ignore[no-untyped-def]
    page = client.get("/admin/import")
    data = {"kind": kind, "csrf_token": csrf_token(page.text), **extra}
    body = text.encode() if isinstance(text, str) else text
    return client.post("/admin/import/preview", data=data, files={"file": ("venues.csv", body, "text/csv")})


def venue_count(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Venue)) or 0


def test_a_broken_row_is_shown_in_the_preview_and_nothing_is_written(
    editor: TestClient, db_session: Session, staff_site: StaffSite
) -> None:
    response = upload(editor, BROKEN)
    assert response.status_code == 200
    page = response.text
    assert "Nothing has been saved yet" in page
    assert "2 problems to fix first" in page
    assert "LS2 7UQ was not found" in page and "step_free should be yes or no, not &#39;perhaps&#39;" in page
    assert re.search(r'<tr id="row-3" class="row-problem">', page)
    assert re.search(r'<tr id="row-2" >', page)
    assert "Import these rows" not in page
    assert venue_count(db_session) == 0
    assert not staff_site.upload_dir.exists() or not any(staff_site.upload_dir.iterdir())


def test_a_good_file_is_previewed_then_imported_on_confirm(
    editor: TestClient, db_session: Session, staff_site: StaffSite
) -> None:
    preview = upload(editor, GOOD)
    assert "The file is ready to import" in preview.text and "2 added" in preview.text
    assert venue_count(db_session) == 0, "the preview wrote nothing"
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    done = editor.post("/admin/import/confirm", data={"token": token, "csrf_token": csrf_token(preview.text)})
    assert done.status_code == 200 and "venues.csv was imported" in done.text
    assert venue_count(db_session) == 2
    entry = db_session.scalars(select(AuditEntry)).one()
    assert entry.action == "import" and entry.staff_email == "editor@leeds.gov.uk"
    again = editor.post(
        "/admin/import/confirm", data={"token": token, "csrf_token": csrf_token(preview.text)}
    )
    assert again.status_code == 400 and "expired or was already imported" in again.text
    assert venue_count(db_session) == 2


def test_another_member_of_staff_cannot_confirm_your_upload(
    editor: TestClient, admin: TestClient, db_session: Session
) -> None:
    preview = upload(editor, GOOD)
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    page = admin.get("/admin/import")
    response = admin.post("/admin/import/confirm", data={"token": token, "csrf_token": csrf_token(page.text)})
    assert response.status_code == 400
    assert venue_count(db_session) == 0


def test_cancel_forgets_the_upload(editor: TestClient, db_session: Session, staff_site: StaffSite) -> None:
    preview = upload(editor, GOOD)
    token = re.search(r'name="token" value="([^"]+)"', preview.text).group(1)
    cancelled = editor.post(
        "/admin/import/cancel", data={"token": token, "csrf_token": csrf_token(preview.text)}
    )
    assert cancelled.status_code == 303
    assert list(staff_site.upload_dir.iterdir()) == []
    assert venue_count(db_session) == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"PK\x03\x04 an xlsx file", "That is an Excel workbook"),
        (b"", "Choose a CSV file"),
        (b"   \n", "That file is empty"),
    ],
)
def test_files_that_are_not_csv_are_explained(editor: TestClient, body: bytes, message: str) -> None:
    response = upload(editor, body) if body else None
    if response is None:
        page = editor.get("/admin/import")
        response = editor.post(
            "/admin/import/preview", data={"kind": "venues", "csrf_token": csrf_token(page.text)}
        )
    assert response.status_code == 400 and message in response.text


def test_only_admins_may_remove_listings_by_import(
    editor: TestClient, admin: TestClient, factory: Factory, db_session: Session
) -> None:
    factory.venue(name="Not in the file", postcode="LS9 7BG")
    db_session.commit()
    assert "Also remove the listings" not in editor.get("/admin/import").text
    assert upload(editor, GOOD, replace="yes").status_code == 403
    preview = upload(admin, GOOD, replace="yes")
    assert "1 removed (not in the file)" in preview.text


def test_the_export_is_a_csv_in_the_import_format_with_referral_codes(
    editor: TestClient, factory: Factory, db_session: Session
) -> None:
    factory.venue(name="Compton Centre", postcode="LS9 7BG", referral_code="HUB-COMPTON", phone="0113 000")
    db_session.commit()
    response = editor.get("/admin/export/venues.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'attachment; filename="venues-' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert list(rows[0]) == list(VENUE_COLUMNS)
    assert rows[0]["name"] == "Compton Centre" and rows[0]["referral_code"] == "HUB-COMPTON"
    # what comes out goes back in: the same venue, updated rather than added
    assert "0 added" in upload(editor, response.content).text


def test_stale_listings_and_still_right(editor: TestClient, factory: Factory, db_session: Session) -> None:
    old = factory.venue(name="Dusty Library", postcode="LS9 7BG", last_verified=date(2020, 1, 1))
    factory.venue(name="Fresh Library", postcode="LS1 3AB", last_verified=date.today())
    db_session.commit()
    page = editor.get("/admin/stale").text
    assert "Dusty Library" in page and "Fresh Library" not in page
    response = editor.post(
        "/admin/stale/checked", data={"kind": "venue", "id": str(old.id), "csrf_token": csrf_token(page)}
    )
    assert response.status_code == 303
    after = editor.get(response.headers["location"]).text
    assert "Marked Dusty Library (LS9 7BG) as checked today" in after
    assert "<td>Dusty Library (LS9 7BG)</td>" not in after
    db_session.expire_all()
    assert db_session.get(Venue, old.id).last_verified == date.today()


def test_flyers_and_qr_codes_for_listings_with_a_code(
    editor: TestClient, factory: Factory, db_session: Session
) -> None:
    champion = DigitalChampion(
        name="Library champion", areas=[], languages=[], contact="Ask", referral_code="LIB-CENTRAL"
    )
    hidden = DigitalChampion(
        name="Gone", areas=[], languages=[], contact="-", referral_code="GONE-22", active=False
    )
    venue = factory.venue(name="No code yet", postcode="LS9 7BG")
    db_session.add_all([champion, hidden])
    db_session.commit()
    tools = editor.get("/admin/tools").text
    assert "LIB-CENTRAL" in tools and f"/admin/flyers/champion/{champion.id}.pdf" in tools
    assert "Text HELLO LIB-CENTRAL" in tools
    pdf = editor.get(f"/admin/flyers/champion/{champion.id}.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    png = editor.get(f"/admin/qr/champion/{champion.id}.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert editor.get(f"/admin/qr/champion/{hidden.id}.png").status_code == 404
    assert editor.get(f"/admin/flyers/venue/{venue.id}.pdf").status_code == 404
    assert "Flyer and QR code" in editor.get(f"/admin/digital-champion/details/{champion.id}").text
    given = editor.post("/admin/tools/codes", data={"csrf_token": csrf_token(tools)})
    assert given.status_code == 303
    db_session.expire_all()
    assert db_session.get(Venue, venue.id).referral_code
    assert (
        db_session.scalars(select(AuditEntry).where(AuditEntry.entity == "venue"))
        .one()
        .changes["referral_code"][0]
        is None
    )

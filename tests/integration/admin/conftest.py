"""A staff admin on a fresh database, driven through Starlette's TestClient.

`staff_site` mounts /admin and /reports on an app of their own (as the gateway does) with a
clock the test can move; `admin` and `editor` are accounts; `log_in` goes through the real
login form, CSRF token included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from bot.db.models import StaffRole
from bot.geo.codepoint import load_postcodes
from bot.settings import Settings
from bot.staff.accounts import create_staff
from bot.staff.auth import StaffAuth
from bot.staff.web import mount_staff

PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"|name="csrf-token" content="([^"]+)"')


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class StaffSite:
    app: Starlette
    auth: StaffAuth
    clock: Clock
    settings: Settings
    upload_dir: Path

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://testserver", follow_redirects=False)


def csrf_token(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1) or found.group(2)


def log_in(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/admin/login")
    assert page.status_code == 200
    return client.post(
        "/admin/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(page.text), "next": "/admin/"},
    )


def log_out(client: TestClient) -> httpx.Response:
    """The "Log out" button: a POST with the page's CSRF token."""
    return post_form(client, "/admin/", "/admin/logout", {})


def post_form(client: TestClient, page_url: str, action: str, data: dict[str, str]) -> httpx.Response:
    """Open `page_url`, then post `data` to `action` with the page's CSRF token, as a browser would."""
    page = client.get(page_url)
    assert page.status_code == 200, page.text[:500]
    return client.post(action, data={**data, "csrf_token": csrf_token(page.text)})


@pytest.fixture
def staff_settings(migrated_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=migrated_url,
        tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}",
        session_secret="test-session-secret",
        pseudonym_secret="test-pseudonym-secret",
        redis_url=None,
    )


@pytest.fixture
def staff_site(staff_settings: Settings, tmp_path: Path) -> StaffSite:
    app = Starlette()
    clock = Clock()
    auth = mount_staff(app, staff_settings, clock=clock, upload_dir=tmp_path / "uploads")
    return StaffSite(app, auth, clock, staff_settings, tmp_path / "uploads")


@pytest.fixture
def accounts(db_session: Session) -> dict[str, str]:
    create_staff(db_session, "admin@leeds.gov.uk", PASSWORD, StaffRole.ADMIN)
    create_staff(db_session, "editor@leeds.gov.uk", PASSWORD, StaffRole.EDITOR)
    db_session.commit()
    return {"admin": "admin@leeds.gov.uk", "editor": "editor@leeds.gov.uk"}


@pytest.fixture
def with_postcodes(db_session: Session, codepoint_dir: Path) -> Session:
    load_postcodes(db_session, ["LS"], data_dir=codepoint_dir)
    db_session.commit()
    return db_session


@pytest.fixture
def editor(staff_site: StaffSite, accounts: dict[str, str]) -> Iterator[TestClient]:
    with staff_site.client() as client:
        assert log_in(client, accounts["editor"]).status_code == 303
        yield client


@pytest.fixture
def admin(staff_site: StaffSite, accounts: dict[str, str]) -> Iterator[TestClient]:
    with staff_site.client() as client:
        assert log_in(client, accounts["admin"]).status_code == 303
        yield client

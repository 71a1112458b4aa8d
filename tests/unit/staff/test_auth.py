from __future__ import annotations

import pytest

from bot.staff.auth import login_url, safe_next


@pytest.mark.parametrize(
    "target",
    ["/admin/", "/admin/venue/edit/3?search=x", "/reports/", "/reports/questions.csv?weeks=4"],
)
def test_staff_pages_are_followed_after_login(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "https://evil.example/admin",
        "//evil.example/admin",
        "/admin//evil",
        "/\\evil",
        "/",
        "/static/x",
    ],
)
def test_anywhere_else_goes_to_the_admin_start_page(target: str | None) -> None:
    assert safe_next(target) == "/admin/"


def test_the_login_link_keeps_where_to_go_next() -> None:
    assert login_url("/reports/") == "/admin/login?next=/reports/"
    assert login_url() == "/admin/login"

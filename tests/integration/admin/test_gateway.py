"""The admin inside the real gateway app: mounted, behind the security headers, and separate from the chat."""

from __future__ import annotations

from starlette.testclient import TestClient

from bot.gateway.app import create_app
from bot.settings import Settings
from tests.integration.admin.conftest import log_in


def test_the_gateway_serves_the_admin_with_its_own_assets_and_the_chat_gets_no_cookie(
    staff_settings: Settings, accounts: dict[str, str]
) -> None:
    with TestClient(create_app(staff_settings), follow_redirects=False) as client:
        chat = client.get("/")
        assert chat.status_code == 200 and "set-cookie" not in chat.headers
        assert client.get("/admin/").status_code == 303
        login = client.get("/admin/login")
        assert "default-src 'self'" in login.headers["content-security-policy"]
        assert login.headers["x-frame-options"] == "DENY"
        for asset in (
            "/admin/statics/css/tabler.min.css",
            "/admin/statics/js/main.js",
            "/admin/assets/staff.css",
        ):
            assert client.get(asset).status_code == 200, asset
        assert "https://" not in login.text.split("<body>")[0], "no CDN"
        assert login.headers["cache-control"] == "no-store"
        assert "no-store" not in client.get("/admin/assets/staff.css").headers.get("cache-control", "")
        assert log_in(client, accounts["admin"]).status_code == 303
        reports = client.get("/reports/")
        assert reports.status_code == 200 and reports.headers["cache-control"] == "no-store"

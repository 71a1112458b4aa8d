"""The CSRF middleware on a tiny app: what it lets through, and that the page still gets its form."""

from __future__ import annotations

import re

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from bot.staff.csrf import CSRFMiddleware, current_token, hidden_input


async def form_page(request: Request) -> HTMLResponse:
    return HTMLResponse(f"<form method=post>{hidden_input()}</form>")


async def echo(request: Request) -> JSONResponse:
    form = await request.form()
    upload = form.get("file")
    return JSONResponse(
        {
            "name": form.get("name"),
            "file": (await upload.read()).decode()
            if upload is not None and not isinstance(upload, str)
            else None,
            "token_seen": current_token() != "",
        }
    )


@pytest.fixture
def client() -> TestClient:
    app = Starlette(
        routes=[Route("/form", form_page), Route("/echo", echo, methods=["POST", "DELETE"])],
        middleware=[Middleware(SessionMiddleware, secret_key="k"), Middleware(CSRFMiddleware)],
    )
    return TestClient(app)


def token(client: TestClient) -> str:
    found = re.search(r'value="([^"]+)"', client.get("/form").text)
    assert found
    return found.group(1)


def test_a_post_without_the_token_is_refused_with_an_explanation(client: TestClient) -> None:
    token(client)
    response = client.post("/echo", data={"name": "x"})
    assert response.status_code == 403
    assert "not saved" in response.text
    assert client.post("/echo", data={"name": "x", "csrf_token": "forged"}).status_code == 403


def test_a_token_from_another_session_is_refused(client: TestClient) -> None:
    other = TestClient(client.app)
    stolen = token(other)
    token(client)
    assert client.post("/echo", data={"name": "x", "csrf_token": stolen}).status_code == 403


def test_the_token_in_a_form_lets_it_through_and_the_page_still_reads_the_form(client: TestClient) -> None:
    value = token(client)
    response = client.post("/echo", data={"name": "Café", "csrf_token": value})
    assert response.status_code == 200
    assert response.json() == {"name": "Café", "file": None, "token_seen": True}


def test_an_upload_carries_the_token_in_its_form_fields(client: TestClient) -> None:
    value = token(client)
    response = client.post(
        "/echo", data={"csrf_token": value, "name": "n"}, files={"file": ("v.csv", b"name\nA\n", "text/csv")}
    )
    assert response.status_code == 200
    assert response.json()["file"] == "name\nA\n"
    without = client.post("/echo", data={"name": "n"}, files={"file": ("v.csv", b"x", "text/csv")})
    assert without.status_code == 403


def test_the_header_serves_script_requests(client: TestClient) -> None:
    value = token(client)
    assert client.delete("/echo", headers={"X-CSRF-Token": value}).status_code == 200
    assert client.delete("/echo").status_code == 403

"""CSRF protection for every staff page: a secret token per session, sent back with each change.

sqladmin's forms carry no CSRF token of their own, so this middleware guards every POST, PUT,
PATCH and DELETE under /admin and /reports: the request must carry the session's token, in the
form field `csrf_token` (every staff form has it, see `hidden_input`) or the `X-CSRF-Token`
header (the admin's own delete button, see static/csrf.js). It sits inside the session
middleware, which it needs, and replays the body it read so the page still sees the form.
"""

from __future__ import annotations

import contextvars
import hmac
import secrets
from urllib.parse import parse_qs

from markupsafe import Markup, escape
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FIELD = "csrf_token"
HEADER = "x-csrf-token"
SESSION_KEY = "csrf"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Bigger than any listing spreadsheet a council keeps (100,000 venues is about 20 MB).
MAX_BODY_BYTES = 32 * 1024 * 1024

# The current request's token, for forms rendered without the request at hand (sqladmin's).
_current: contextvars.ContextVar[str] = contextvars.ContextVar("staff_csrf_token", default="")

REJECTED_PAGE = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Please try again - Get Online staff</title></head>
<body><main><h1>Please try again</h1>
<p>This page was open too long, or you logged out, so your change was <strong>not saved</strong>.</p>
<p><a href="/admin/">Go back to the admin</a>, log in if asked, and make the change again.</p>
</main></body></html>"""


def new_token() -> str:
    return secrets.token_urlsafe(32)


def session_token(session: dict[str, object]) -> str:
    """The session's token, made on first use."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = session[SESSION_KEY] = new_token()
    return token


def current_token() -> str:
    return _current.get()


def hidden_input(token: str | None = None) -> Markup:
    """The hidden form field every staff form carries."""
    value = token if token is not None else current_token()
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(value)}">')


def _matches(submitted: str | None, expected: str) -> bool:
    return bool(submitted) and hmac.compare_digest(str(submitted).encode(), expected.encode())


class BodyTooLarge(Exception):
    pass


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), [message]
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks), []


def _replay(body: bytes, tail: list[Message], receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if tail:
            return tail.pop(0)
        return await receive()

    return replay


async def _submitted_token(scope: Scope, body: bytes, tail: list[Message], receive: Receive) -> str | None:
    content_type = Headers(scope=scope).get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(FIELD)
        return values[0] if values else None
    if content_type.startswith("multipart/form-data"):
        request = Request(scope, _replay(body, list(tail), receive))
        try:
            form = await request.form()
        except Exception:  # a malformed body: no token found, so the request is refused
            return None
        try:
            value = form.get(FIELD)
            return value if isinstance(value, str) else None
        finally:
            await form.close()
    return None


class CSRFMiddleware:
    """Refuses a change that does not carry this session's token (403, and a page that says why)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        expected = session_token(scope["session"])
        reset = _current.set(expected)
        try:
            if scope["method"] in UNSAFE_METHODS:
                submitted = Headers(scope=scope).get(HEADER)
                if submitted is None:
                    try:
                        body, tail = await _read_body(receive)
                    except BodyTooLarge:
                        await HTMLResponse("That file is too big.", status_code=413)(scope, receive, send)
                        return
                    submitted = await _submitted_token(scope, body, tail, receive)
                    receive = _replay(body, tail, receive)
                if not _matches(submitted, expected):
                    await HTMLResponse(REJECTED_PAGE, status_code=403)(scope, receive, send)
                    return
            await self.app(scope, receive, send)
        finally:
            _current.reset(reset)

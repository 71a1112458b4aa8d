"""Security headers on every response: the web chat loads nothing from elsewhere.

A public deployment (PUBLIC_BASE_URL on https) also sends HSTS, so browsers that have been
there once never again reach the staff login or the chat over plain http.

Pure ASGI, not Starlette's `BaseHTTPMiddleware`: that one runs every request in a task group
with a memory stream between the app and the server (about 0.3 ms of CPU a request here), which
a flood of requests turned into the bulk of the cost of refusing them. Here the headers are
encoded once and added to the response's start message as it passes.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "geolocation=(), camera=(), microphone=()",
}


HSTS = "max-age=31536000; includeSubDomains"


def wants_hsts(public_base_url: str | None) -> bool:
    return (public_base_url or "").lower().startswith("https://")


def encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    """ASGI header pairs: lower-case latin-1 names, as servers and Starlette write them."""
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


class SecurityHeadersMiddleware:
    """Adds each header the response does not already set (a page may set its own policy)."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.headers = encoded({**HEADERS, "Strict-Transport-Security": HSTS} if hsts else HEADERS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers.extend(pair for pair in self.headers if pair[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)

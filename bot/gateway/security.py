"""Security headers on every response: the web chat loads nothing from elsewhere.

A public deployment (PUBLIC_BASE_URL on https) also sends HSTS, so browsers that have been
there once never again reach the staff login or the chat over plain http.
"""

from __future__ import annotations

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

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


class SecurityHeadersMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        super().__init__(app)
        self.headers = {**HEADERS, "Strict-Transport-Security": HSTS} if hsts else HEADERS

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in self.headers.items():
            response.headers.setdefault(name, value)
        return response

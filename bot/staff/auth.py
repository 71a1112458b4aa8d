"""Staff login sessions: who is logged in, for how long, and how often a login may fail.

The session is a signed cookie (Starlette's SessionMiddleware, itsdangerous) holding only the
account id, the account's session number (`session_epoch`), the time of the last request and
the CSRF token. Every request re-reads the account, so a deactivated account or a changed role
takes effect at once; a session idle for longer than STAFF_SESSION_MINUTES ends (checked here,
and the cookie itself expires then too). The server ends sessions by raising the account's
session number: logging out (a POST with the CSRF token) ends every session of that account,
on every device, and so do a new password and deactivating the account. A cookie copied before
any of these is worth nothing after.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from urllib.parse import quote

import anyio
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.db.models import StaffRole, StaffUser
from bot.db.session import get_engine
from bot.proxies import client_address
from bot.settings import Settings
from bot.staff import accounts
from bot.staff.csrf import SESSION_KEY as CSRF_KEY
from bot.staff.csrf import CSRFMiddleware, new_token
from bot.staff.ratelimit import LoginLimiter, make_limiter

log = logging.getLogger(__name__)

COOKIE = "getonline_staff"
LOGIN_PATH = "/admin/login"
STAFF_ID = "staff_id"
SEEN = "seen"
EPOCH = "epoch"
# Where a login may send the browser next: only the staff pages of this site.
_SAFE_NEXT = re.compile(r"^/(admin|reports)(/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*)?$")


@dataclass(frozen=True)
class Staff:
    id: int
    email: str
    role: StaffRole
    session_epoch: int = 0

    @property
    def is_admin(self) -> bool:
        return self.role is StaffRole.ADMIN


class LoginResult(Enum):
    OK = "ok"
    WRONG = "wrong"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class LoginOutcome:
    result: LoginResult
    staff: Staff | None = None
    retry_after: int = 0


def safe_next(target: str | None, default: str = "/admin/") -> str:
    """`target` if it is a staff page of this site, else `default` (no open redirects)."""
    if target and _SAFE_NEXT.match(target) and "//" not in target and "\\" not in target:
        return target
    return default


def login_url(next_path: str | None = None) -> str:
    return f"{LOGIN_PATH}?next={quote(next_path, safe='/')}" if next_path else LOGIN_PATH


class NoStoreMiddleware:
    """Staff pages are not kept by browsers or proxies: after logging out, Back shows nothing.

    The admin's own stylesheets and scripts may be cached as usual.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or "/statics/" in path or "/assets/" in path:
            await self.app(scope, receive, send)
            return

        async def send_private(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_private)


class StaffAuth:
    """Everything the admin and the reports share about staff sessions."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
        limiter: LoginLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.database_url = settings.database_url
        self.idle_seconds = settings.staff_session_minutes * 60
        self.secret = settings.session_secret
        self.secure_cookie = (settings.public_base_url or "").startswith("https://")
        self.clock = clock
        self.limiter = limiter or make_limiter(
            settings.staff_login_attempts, settings.staff_login_window_seconds, settings.redis_url, clock
        )

    def middleware(self) -> list[Middleware]:
        """Session cookie, then CSRF check: the same pair on /admin and /reports (one cookie)."""
        return [
            Middleware(
                SessionMiddleware,
                secret_key=self.secret,
                session_cookie=COOKIE,
                max_age=self.idle_seconds,
                same_site="strict",
                https_only=self.secure_cookie,
            ),
            Middleware(CSRFMiddleware),
            Middleware(NoStoreMiddleware),
        ]

    def _load(self, staff_id: int, epoch: object) -> Staff | None:
        with Session(get_engine(self.database_url)) as session:
            user = session.get(StaffUser, staff_id)
            if user is None or not user.active or user.session_epoch != epoch:
                return None
            return Staff(user.id, user.email, user.role, user.session_epoch)

    def _end_sessions(self, staff_id: int) -> None:
        with Session(get_engine(self.database_url)) as session:
            user = session.get(StaffUser, staff_id)
            if user is not None:
                accounts.end_sessions(user)
                session.commit()

    async def current(self, request: Request) -> Staff | None:
        """The logged-in member of staff, or None (and the session ended) when idle too long."""
        if hasattr(request.state, "staff"):
            return request.state.staff  # type: ignore[no-any-return]
        staff: Staff | None = None
        session = request.session
        staff_id, seen = session.get(STAFF_ID), session.get(SEEN)
        if isinstance(staff_id, int):
            now = self.clock()
            if isinstance(seen, (int, float)) and 0 <= now - seen <= self.idle_seconds:
                staff = await anyio.to_thread.run_sync(self._load, staff_id, session.get(EPOCH))
                if staff is not None:
                    session[SEEN] = int(now)
            if staff is None:
                self.end(request)
        request.state.staff = staff
        return staff

    def _check_password(self, email: str, password: str) -> Staff | None:
        with Session(get_engine(self.database_url)) as session:
            user = accounts.authenticate(session, email, password)
            session.commit()
            return Staff(user.id, user.email, user.role, user.session_epoch) if user else None

    async def login(self, request: Request, email: str, password: str) -> LoginOutcome:
        address = client_address(request, self.settings)
        email = accounts.normalise_email(email)
        wait = self.limiter.blocked_for(address, email)
        if wait:
            log.warning("Staff login refused (too many failures) for %s from %s", email, address)
            return LoginOutcome(LoginResult.BLOCKED, retry_after=wait)
        staff = await anyio.to_thread.run_sync(self._check_password, email, password)
        if staff is None:
            self.limiter.failed(address, email)
            log.warning("Staff login failed for %s from %s", email, address)
            return LoginOutcome(LoginResult.WRONG)
        self.limiter.succeeded(address, email)
        self.start(request, staff)
        log.info("Staff login: %s", staff.email)
        return LoginOutcome(LoginResult.OK, staff)

    def start(self, request: Request, staff: Staff) -> None:
        """A fresh session (new CSRF token too), so nothing from before the login carries over."""
        request.session.clear()
        request.session.update(
            {STAFF_ID: staff.id, EPOCH: staff.session_epoch, SEEN: int(self.clock()), CSRF_KEY: new_token()}
        )
        request.state.staff = staff

    async def log_out(self, request: Request) -> None:
        """End this session and every other of the account: copies of the cookie stop working."""
        staff = await self.current(request)
        if staff is not None:
            await anyio.to_thread.run_sync(self._end_sessions, staff.id)
            log.info("Staff logout: %s", staff.email)
        self.end(request)

    def end(self, request: Request) -> None:
        request.session.clear()
        request.session[CSRF_KEY] = new_token()
        request.state.staff = None


Endpoint = Callable[[Request], Awaitable[Response]]


def staff_auth(request: Request) -> StaffAuth:
    return request.app.state.staff_auth  # type: ignore[no-any-return]


def require_staff(endpoint: Endpoint) -> Endpoint:
    """For a staff page outside sqladmin: anyone not logged in is sent to the login page."""

    @functools.wraps(endpoint)
    async def guarded(request: Request) -> Response:
        if await staff_auth(request).current(request) is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(login_url(target), status_code=303)
        return await endpoint(request)

    return guarded

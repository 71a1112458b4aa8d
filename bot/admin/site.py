"""The admin itself: sqladmin on the staff session, with our login page, roles and audit log.

Editors keep the listings; admins may also delete and manage staff accounts. sqladmin checks
the login on every one of its routes (and on the pages added with `expose`), asking
`StaffAuthentication`; it asks `RoleAuthorization` before showing or doing anything.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
from sqladmin import Admin, BaseView
from sqladmin.authentication import AuthenticationBackend, login_required
from sqladmin.authorization import Action, AuthorizationBackend
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.staticfiles import StaticFiles

from bot.admin.audit import StaffAuditBackend
from bot.admin.listings import LISTING_VIEWS
from bot.admin.records import ADMIN_ONLY, AuditView, StaffUserView
from bot.admin.stale import listing_counts
from bot.db.session import get_engine
from bot.geo.postcodes_io import PostcodeGeocoder
from bot.settings import Settings
from bot.staff.auth import LoginResult, StaffAuth, login_url, safe_next
from bot.staff.csrf import hidden_input, session_token

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
TITLE = "Get Online staff"


class StaffAuthentication(AuthenticationBackend):
    """Logged in means a live staff session (see bot.staff.auth); the login page is ours."""

    def __init__(self, auth: StaffAuth) -> None:
        self.auth = auth
        self.middlewares = auth.middleware()

    async def authenticate(self, request: Request) -> Response | bool:
        if await self.auth.current(request) is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(login_url(target), status_code=303)
        return True

    async def get_user_id(self, request: Request) -> Any:
        staff = getattr(request.state, "staff", None)
        return staff.id if staff else None


class RoleAuthorization(AuthorizationBackend):
    """Admins may do everything; editors everything but deleting and the staff accounts."""

    def has_permission(self, request: Request, identity: str, action: str, obj: Any | None = None) -> bool:
        staff = getattr(request.state, "staff", None)
        if staff is None:
            return False
        if staff.is_admin:
            return True
        return identity not in ADMIN_ONLY and action != Action.DELETE


def _minutes(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class StaffAdmin(Admin):
    """sqladmin with the staff login (rate limited, CSRF-checked) and a plain-English start page."""

    def __init__(self, app: Starlette, auth: StaffAuth, database_url: str) -> None:
        self.auth = auth
        self.database_url = database_url
        super().__init__(
            app,
            engine=get_engine(database_url),
            base_url="/admin",
            title=TITLE,
            templates_dir=str(TEMPLATES),
            authentication_backend=StaffAuthentication(auth),
            authorization_backend=RoleAuthorization(),
            audit_backend=StaffAuditBackend(database_url),
        )
        self.admin.mount("/assets", StaticFiles(directory=STATIC), name="assets")
        self._logout_by_post_only()
        self.admin.state.staff_auth = auth
        env = self.templates.env
        env.globals["csrf_token"] = lambda request: session_token(request.session)
        env.globals["csrf_input"] = lambda request: hidden_input(session_token(request.session))

    async def _login_page(self, request: Request, status: int = 200, **context: Any) -> Response:
        context.setdefault("next", safe_next(request.query_params.get("next")))
        return await self.templates.TemplateResponse(
            request, "sqladmin/login.html", context, status_code=status
        )

    async def login(self, request: Request) -> Response:
        if request.method == "GET":
            if await self.auth.current(request) is not None:
                return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
            return await self._login_page(request)
        form = await request.form()
        email, password = str(form.get("email") or ""), str(form.get("password") or "")
        target = safe_next(str(form.get("next") or ""))
        outcome = await self.auth.login(request, email, password)
        if outcome.result is LoginResult.OK:
            return RedirectResponse(target, status_code=303)
        if outcome.result is LoginResult.BLOCKED:
            error = (
                "Too many attempts to log in. For your safety, try again in "
                f"{_minutes(outcome.retry_after)}, or ask an admin to reset your password."
            )
            response = await self._login_page(request, 429, error=error, email=email, next=target)
            response.headers["Retry-After"] = str(outcome.retry_after)
            return response
        error = "That email address and password do not match an account that can log in. Please try again."
        return await self._login_page(request, 400, error=error, email=email, next=target)

    async def logout(self, request: Request) -> Response:
        """POST only, with the CSRF token (a link or an image elsewhere cannot log anyone out)."""
        await self.auth.log_out(request)
        return RedirectResponse(login_url(), status_code=303)

    def _logout_by_post_only(self) -> None:
        for index, route in enumerate(self.admin.router.routes):
            if isinstance(route, Route) and route.name == "logout":
                self.admin.router.routes[index] = Route(
                    route.path, endpoint=self.logout, name="logout", methods=["POST"]
                )

    @login_required
    async def index(self, request: Request) -> Response:
        counts = await anyio.to_thread.run_sync(self._counts)
        overdue = await anyio.to_thread.run_sync(self._overdue, request.state.staff)
        return await self.templates.TemplateResponse(
            request, "sqladmin/index.html", {"counts": counts, "overdue_callbacks": overdue}
        )

    def _counts(self) -> dict[str, int]:
        with Session(get_engine(self.database_url)) as session:
            return listing_counts(session)

    def _overdue(self, staff: Any) -> list[Any]:
        """Call backs past their promised time, for this staff member (issue 15)."""
        from bot.admin.callbacks import overdue_rows

        with Session(get_engine(self.database_url)) as session:
            return overdue_rows(session, staff, datetime.now(UTC))


def build_admin(
    app: Starlette, auth: StaffAuth, settings: Settings, geocoder: PostcodeGeocoder | None = None
) -> StaffAdmin:
    """The admin at /admin with every view, in the order the menu shows them."""
    from bot.admin.bookings import LOOP_PAGES
    from bot.admin.callbacks import CALLBACK_PAGES
    from bot.admin.kb_review import KnowledgeBasePage
    from bot.admin.pages import PAGES
    from bot.admin.teach import TeachPage

    database_url = settings.database_url
    admin = StaffAdmin(app, auth, database_url)
    views: tuple[type[BaseView], ...] = (
        *LISTING_VIEWS,
        *PAGES,
        *LOOP_PAGES,
        *CALLBACK_PAGES,
        KnowledgeBasePage,
        TeachPage,
        AuditView,
        StaffUserView,
    )
    for view in views:
        # A subclass per admin: sqladmin keeps its session maker on the class it is given.
        admin.add_view(
            type(
                view.__name__,
                (view,),
                {"database_url": database_url, "settings": settings, "geocoder": geocoder},
            )
        )
    return admin

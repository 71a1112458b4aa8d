"""The gateway's calendar routes for the web chat: /calendar/<token>.ics and /calendar/<token>."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.db.session import session_scope
from bot.local import cached_local
from bot.loop.calendar import CalendarLinks, ics_file, lookup, printable_page
from bot.loop.details import facts
from bot.outbound.quiet import QuietHours
from bot.settings import Settings

NOT_FOUND = "Sorry, that link doesn't work any more. Ask the chatbot again for the session's details."


def calendar_links(settings: Settings) -> CalendarLinks:
    return CalendarLinks(settings.session_secret, settings.public_base_url)


def calendar_routes(settings: Settings) -> list[BaseRoute]:
    links = calendar_links(settings)
    quiet = QuietHours.from_settings(settings)

    def render(token: str, as_file: bool) -> Response:
        phone = cached_local(settings.local_file).helpline.phone
        with session_scope(settings.database_url) as session:
            found = lookup(session, links, token)
            if found is None:
                return PlainTextResponse(NOT_FOUND, status_code=404)
            help_session, starts_at = found
            if as_file:
                return Response(
                    ics_file(help_session, starts_at, quiet, phone),
                    media_type="text/calendar",
                    headers={"Content-Disposition": 'attachment; filename="help-session.ics"'},
                )
            said = facts(help_session, starts_at, quiet, phone)
        return HTMLResponse(printable_page(said, f"/calendar/{token}.ics"))

    async def calendar(request: Request) -> Response:
        token = str(request.path_params["token"])
        as_file = token.endswith(".ics")
        return await asyncio.to_thread(render, token.removesuffix(".ics"), as_file)

    return [Route("/calendar/{token}", calendar, methods=["GET"])]

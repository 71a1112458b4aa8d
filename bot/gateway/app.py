"""The gateway's web application: web chat, Rasa-compatible REST webhook, health.

`create_app` wires everything from settings, so tests build the same app pointed at their own
engine and database.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.channels import enabled_channels
from bot.db.session import ping as database_ping
from bot.gateway.engine import RasaEngine
from bot.gateway.security import SecurityHeadersMiddleware
from bot.gateway.state import create_state
from bot.gateway.turns import Conversations, forget_in_thread
from bot.local import LocalInfo, load_local
from bot.loop.web import calendar_routes
from bot.outbound.wiring import desk_from, dispatcher_from, outbound_enabled
from bot.privacy.contacts import ContactBook
from bot.privacy.purge import purge_every_day
from bot.referrals import ReferralCodes
from bot.settings import Settings, get_settings
from bot.staff.web import mount_staff
from bot.usage.recorder import UsageRecorder

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_SENDER_CHARS = 128


def render_web_chat(local: LocalInfo) -> str:
    """The page, with the council's helpline from content/local.yml."""
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    return page.replace("{{helpline_phone}}", html.escape(local.helpline.phone)).replace(
        "{{helpline_name}}", html.escape(local.helpline.name)
    )


async def web_chat(request: Request) -> Response:
    return HTMLResponse(request.app.state.web_chat_page)


async def rest_webhook(request: Request) -> Response:
    """Rasa's REST channel format, so existing Rasa clients (and our web chat) work unchanged."""
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"error": 'Send JSON: {"sender": ..., "message": ...}'}, status_code=400)
    sender, message = (body.get("sender"), body.get("message")) if isinstance(body, dict) else (None, None)
    if not isinstance(sender, str) or not sender or len(sender) > MAX_SENDER_CHARS:
        return JSONResponse({"error": "'sender' must be a non-empty string"}, status_code=400)
    if not isinstance(message, str):
        return JSONResponse({"error": "'message' must be a string"}, status_code=400)
    conversations: Conversations = request.app.state.conversations
    referral = body.get("referral")
    if referral is not None and not message.strip():
        # The web chat opened from a champion's link (/?ref=CODE): start with their code.
        replies = await conversations.start("web", sender, str(referral)[:MAX_SENDER_CHARS])
    else:
        replies = await conversations.turn("web", sender, message)
    return JSONResponse([reply.as_rest(sender) for reply in replies])


async def health(request: Request) -> Response:
    """200 only when the engine, the action server and the database all answer."""
    settings: Settings = request.app.state.settings

    async def up(url: str) -> bool:
        try:
            async with httpx.AsyncClient(timeout=2.0) as client:
                return (await client.get(url)).status_code == 200
        except httpx.HTTPError:
            return False

    *engines_ok, actions_ok, database_ok = await asyncio.gather(
        *(up(f"{url}/status") for url in settings.engine_urls),
        up(f"{settings.action_server_url}/health"),
        asyncio.to_thread(database_ping, settings.database_url),
    )
    # One engine replica answering is enough: the gateway skips replicas that are down.
    checks = {"engine": any(engines_ok), "action_server": actions_ok, "database": database_ok}
    status = 200 if all(checks.values()) else 503
    return JSONResponse(
        {"status": "ok" if status == 200 else "unavailable", "checks": checks}, status_code=status
    )


def build_conversations(settings: Settings, engine: RasaEngine, local: LocalInfo) -> Conversations:
    return Conversations(
        engine,
        settings.pseudonym_secret,
        local,
        state=create_state(settings.redis_url),
        contacts=ContactBook(settings.database_url),
        usage=UsageRecorder(settings.database_url),
        referrals=ReferralCodes(settings.database_url),
        forget=forget_in_thread(settings.database_url, settings.tracker_store_url),
        max_message_chars=settings.max_message_chars,
        retention_days=settings.retention_days,
        outbound=desk_from(settings),
    )


def outbound_routes(settings: Settings) -> list[BaseRoute]:
    """Twilio's signed delivery reports for the texts the bot starts."""
    if not settings.sms_outbound_enabled or not settings.twilio_auth_token:
        return []
    from bot.channels.sms.outbound import status_route
    from bot.channels.sms.providers.twilio import TwilioProvider

    provider = TwilioProvider(settings.twilio_auth_token, settings.public_base_url)
    return [status_route(provider, settings.database_url)]


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()
    if missing := settings.missing_secrets():
        raise RuntimeError(f"PUBLIC_BASE_URL is set, so set {' and '.join(missing)} in the environment too.")
    engine = RasaEngine(settings.engine_urls, settings.engine_timeout_seconds)
    local = load_local(settings.local_file)
    conversations = build_conversations(settings, engine, local)
    channels = enabled_channels(settings, conversations)
    # Reminders, follow-ups and late SMS answers: a dispatcher in every replica (SKIP LOCKED
    # shares the work), when some channel can send later. See docs/architecture.md.
    dispatcher = (
        dispatcher_from(settings, engine, conversations.state) if outbound_enabled(settings) else None
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        conversations.usage.start()
        retention = asyncio.create_task(
            purge_every_day(
                settings.retention_days,
                database_url=settings.database_url,
                tracker_store_url=settings.tracker_store_url,
            )
        )
        for channel in channels:
            await channel.start()
        sending = (
            asyncio.create_task(dispatcher.run_forever(settings.dispatch_poll_seconds), name="outbound")
            if dispatcher is not None
            else None
        )
        try:
            yield
        finally:
            if sending is not None and dispatcher is not None:
                sending.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sending
                await dispatcher.aclose()
            for channel in reversed(channels):
                await channel.stop()
            retention.cancel()
            await conversations.usage.aclose()
            await conversations.state.aclose()
            await engine.aclose()

    app = Starlette(
        routes=[
            Route("/", web_chat),
            Route("/health", health),
            Route("/webhooks/rest/webhook", rest_webhook, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
            *(route for channel in channels for route in channel.routes),
            *outbound_routes(settings),
            *calendar_routes(settings),
        ],
        middleware=[Middleware(SecurityHeadersMiddleware)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.web_chat_page = render_web_chat(local)
    app.state.conversations = conversations
    mount_staff(app, settings)  # /admin and /reports, staff only
    return app

"""The gateway's web application: web chat, Rasa-compatible REST webhook, health.

`create_app` wires everything from settings, so tests build the same app pointed at their own
engine and database.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.callbacks.gateway import CallbackGate
from bot.channels import enabled_channels
from bot.db.migrate import schema_problem
from bot.db.session import ping as database_ping
from bot.flood_limits import FloodGuard, FloodLimits, Limit, create_rate_limiter
from bot.gateway.engine import RasaEngine, token_params
from bot.gateway.readiness import EngineReadiness
from bot.gateway.rest import RestWebhook
from bot.gateway.security import SecurityHeadersMiddleware, wants_hsts
from bot.gateway.state import create_state
from bot.gateway.turns import Conversations, forget_in_thread
from bot.local import LocalInfo, load_local
from bot.loop.web import calendar_routes
from bot.outbound.wiring import desk_from, dispatcher_from, outbound_enabled
from bot.privacy.contacts import ContactBook
from bot.privacy.purge import purge_every_day
from bot.proxies import trusted_networks
from bot.referrals import ReferralCodes
from bot.settings import Settings, get_settings
from bot.staff.web import mount_staff
from bot.usage.recorder import UsageRecorder
from bot.venues.search import geocoder_for

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"


def render_web_chat(local: LocalInfo) -> str:
    """The page, with the council's helpline from content/local.yml."""
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    return page.replace("{{helpline_phone}}", html.escape(local.helpline.phone)).replace(
        "{{helpline_name}}", html.escape(local.helpline.name)
    )


async def web_chat(request: Request) -> Response:
    return HTMLResponse(request.app.state.web_chat_page)


async def health(request: Request) -> Response:
    """200 only when the engine, the action server and the database all answer, and the
    database's schema is the one this code needs (a database never set up answers a ping but
    fails every turn that touches its tables)."""
    settings: Settings = request.app.state.settings

    async def up(url: str, params: dict[str, str] | None = None) -> bool:
        try:
            async with httpx.AsyncClient(timeout=2.0) as client:
                return (await client.get(url, params=params)).status_code == 200
        except httpx.HTTPError:
            return False

    *engines_ok, actions_ok, database_ok, schema = await asyncio.gather(
        *(up(f"{url}/status", token_params(settings.engine_auth_token)) for url in settings.engine_urls),
        up(f"{settings.action_server_url}/health"),
        asyncio.to_thread(database_ping, settings.database_url),
        asyncio.to_thread(schema_problem, settings.database_url),
    )
    # One engine replica answering is enough: the gateway skips replicas that are down.
    checks = {
        "engine": any(engines_ok),
        "action_server": actions_ok,
        "database": database_ok,
        "schema": database_ok and schema is None,
    }
    status = 200 if all(checks.values()) else 503
    return JSONResponse(
        {"status": "ok" if status == 200 else "unavailable", "checks": checks}, status_code=status
    )


def build_conversations(
    settings: Settings, engine: RasaEngine, local: LocalInfo, readiness: EngineReadiness | None = None
) -> Conversations:
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
        readiness=readiness or EngineReadiness(engine.ready, settings.engine_down_deadline_seconds),
        guard=build_guard(settings),
        outbound=desk_from(settings),
        callbacks=callback_gate(settings, local),
    )


def callback_gate(settings: Settings, local: LocalInfo) -> CallbackGate:
    from bot.callbacks.wording import load_wording
    from bot.outbound.wiring import cipher_from

    words = load_wording(settings.content_dir, local, settings.retention_days)
    return CallbackGate(
        settings.database_url,
        cipher_from(settings),
        not_saved=words("not_saved"),
        overdue=words("status_overdue"),
        retention_days=settings.retention_days,
    )


def build_guard(settings: Settings) -> FloodGuard:
    """The flood limits from settings, shared in Redis when several gateways run."""
    limits = FloodLimits(
        max_waiting=settings.max_waiting_turns,
        sender=Limit.per_minute(settings.sender_turns_per_minute, settings.sender_turn_burst),
        address=Limit.per_minute(settings.address_turns_per_minute, settings.address_turn_burst),
    )
    return FloodGuard(create_rate_limiter(settings.redis_url), limits)


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
    if problem := settings.public_base_url_problem():
        raise RuntimeError(problem)
    trusted_networks(settings.trusted_proxies)  # a mistyped TRUSTED_PROXIES stops the start
    if missing := settings.missing_secrets():
        raise RuntimeError(f"PUBLIC_BASE_URL is set, so set {' and '.join(missing)} in the environment too.")
    engine = RasaEngine(settings.engine_urls, settings.engine_timeout_seconds, settings.engine_auth_token)
    local = load_local(settings.local_file)
    conversations = build_conversations(settings, engine, local)
    channels = enabled_channels(settings, conversations)
    geocoder = geocoder_for(settings)  # for the admin's venue form; closed with the app
    # Reminders, follow-ups and late SMS answers: a dispatcher in every replica (SKIP LOCKED
    # shares the work), when some channel can send later. See docs/architecture.md.
    dispatcher = (
        dispatcher_from(settings, engine, conversations.state) if outbound_enabled(settings) else None
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if problem := await asyncio.to_thread(schema_problem, settings.database_url):
            # Said once at start; /health stays 503 until the schema is at head.
            log.error("%s Until then /health answers 503.", problem)
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
            await conversations.aclose()
            await conversations.guard.aclose()
            await engine.aclose()
            if geocoder is not None:
                geocoder.close()

    app = Starlette(
        routes=[
            Route("/", web_chat),
            Route("/health", health),
            Route("/webhooks/rest/webhook", RestWebhook(conversations, settings), methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
            *(route for channel in channels for route in channel.routes),
            *outbound_routes(settings),
            *calendar_routes(settings),
        ],
        middleware=[Middleware(SecurityHeadersMiddleware, hsts=wants_hsts(settings.public_base_url))],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.web_chat_page = render_web_chat(local)
    app.state.conversations = conversations
    mount_staff(app, settings, geocoder=geocoder)  # /admin and /reports, staff only
    return app

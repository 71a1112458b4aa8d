"""`python -m bot messages`: what the bot will send, and sending what is due (operators, tests).

Counts only: never an address or a conversation. `send-due` runs the gateway's own dispatcher
once, until nothing more is due at the given time, so a test or an operator can move the clock.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import click
from sqlalchemy.orm import Session

from bot.cli import cli
from bot.cli.database import prepare_database
from bot.db.session import get_engine
from bot.gateway.engine import RasaEngine
from bot.gateway.state import create_state
from bot.outbound import pending_summary, status_counts
from bot.outbound.dispatch import Dispatcher, Round
from bot.outbound.quiet import as_utc
from bot.outbound.wiring import dispatcher_from, senders_from
from bot.settings import Settings, get_settings

ENGINE_TIMEOUT_SECONDS = 10.0


@cli.group("messages", invoke_without_command=True)
@click.pass_context
def messages(context: click.Context) -> None:
    """Pending messages by kind and due day, and every message by status (no addresses)."""
    if context.invoked_subcommand is not None:
        return
    settings = get_settings()
    prepare_database()
    with Session(get_engine(settings.database_url)) as session:
        pending = pending_summary(session, settings.timezone)
        statuses = status_counts(session)
    if not pending:
        click.echo("Nothing pending.")
    else:
        click.echo(f"Pending, by kind and due day ({settings.timezone}):")
        for kind, day, count in pending:
            click.echo(f"  {day:%a %d %b %Y}  {kind:<18} {count:>7,}")
        click.echo(f"  {'total':<34} {sum(count for _, _, count in pending):>7,}")
    if statuses:
        click.echo("All messages by status: " + ", ".join(f"{s} {n:,}" for s, n in sorted(statuses.items())))


def parse_now(text: str | None, timezone: str) -> datetime:
    """ "2026-12-08T10:00" is wall-clock time in `timezone`; with an offset it is taken as given."""
    if text is None:
        return as_utc(datetime.now(ZoneInfo(timezone)))
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a time: use 2026-12-08T10:00", param_hint="--now"
        ) from None
    return as_utc(when if when.tzinfo else when.replace(tzinfo=ZoneInfo(timezone)))


@messages.command("send-due")
@click.option(
    "--now",
    "now_text",
    default=None,
    metavar="TIME",
    help="Like 2026-12-08T10:00 (local time). Default: now.",
)
def send_due(now_text: str | None) -> None:
    """Send everything due by TIME through the dispatcher (the same one the gateway runs)."""
    settings = get_settings()
    now = parse_now(now_text, settings.timezone)
    if not senders_from(settings, None):
        raise click.ClickException(
            "No channel can send: set TELEGRAM_BOT_TOKEN, or TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN "
            "and TWILIO_FROM_NUMBER."
        )
    prepare_database()
    done = asyncio.run(_send_due(settings, now))
    click.echo(
        f"Due by {now:%Y-%m-%d %H:%M} UTC: {done.sent} sent, {done.retried} to retry, {done.deferred} "
        f"moved out of the quiet hours, {done.failed} failed, {done.unreachable} unreachable, "
        f"{done.dropped} dropped (too late to be useful), {done.unknown_after_restart} unknown after restart."
    )


def engine_auth(settings: Settings) -> dict[str, Any]:
    """The engine's auth token when this version has one (ENGINE_AUTH_TOKEN, `?token=`)."""
    token = getattr(settings, "engine_auth_token", None)
    return {"auth_token": token} if token else {}


async def _send_due(settings: Settings, now: datetime) -> Round:
    engine = RasaEngine(
        settings.engine_urls,
        max(settings.engine_timeout_seconds, ENGINE_TIMEOUT_SECONDS),
        **engine_auth(settings),
    )
    state = create_state(settings.redis_url)
    # Time passes from the given moment, so a person's second message can follow their first.
    started = time.monotonic()
    dispatcher: Dispatcher = dispatcher_from(
        settings, engine, state, clock=lambda: now + timedelta(seconds=time.monotonic() - started)
    )
    try:
        return await dispatcher.drain(wait_for_pacing=True)
    finally:
        await dispatcher.aclose()
        await state.aclose()
        await engine.aclose()

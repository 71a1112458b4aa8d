"""`python -m bot purge`: delete what is older than the retention period (the gateway also does it daily)."""

from __future__ import annotations

import click

from bot.cli import cli
from bot.cli.database import prepare_database
from bot.privacy.purge import parse_age, purge
from bot.settings import get_settings


@cli.command("purge")
@click.option(
    "--older-than",
    "older_than",
    default=None,
    metavar="AGE",
    help="Like 90d or 12w. Default: RETENTION_DAYS (90 days).",
)
def purge_command(older_than: str | None) -> None:
    """Delete conversations and personal records older than AGE; keep the anonymous figures."""
    settings = get_settings()
    try:
        age = parse_age(older_than or f"{settings.retention_days}d")
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--older-than") from None
    prepare_database()
    purged = purge(age, database_url=settings.database_url, tracker_store_url=settings.tracker_store_url)
    click.echo(
        f"Purged everything before {purged.cutoff:%Y-%m-%d %H:%M} UTC: "
        f"{purged.conversation_events} conversation events and {purged.contacts} contacts deleted; "
        f"{purged.usage_events_anonymised} usage events and {purged.confidence_results_anonymised} "
        "confidence results no longer linked to anyone."
    )

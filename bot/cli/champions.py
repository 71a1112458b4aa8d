"""Champion tools on the command line: give out referral codes, and print a flyer.

Staff normally download flyers from the admin; these commands do the same from a terminal
(and in scripts: a flyer for every champion before an event).
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.champions.codes import InvalidCode, ensure_codes
from bot.champions.flyer import FlyerUnavailable, flyer_for
from bot.champions.links import deep_link
from bot.cli import cli
from bot.cli.database import prepare_database
from bot.db.session import session_scope
from bot.settings import get_settings


def _link_or_problem(code: str) -> str:
    try:
        return deep_link(code, get_settings().telegram_bot_username)
    except InvalidCode as error:
        return f"(no link: {error})"


@cli.command("referral-codes")
def referral_codes_command() -> None:
    """Give every active champion and venue a referral code, and list them with their links."""
    prepare_database()
    with session_scope(get_settings().database_url) as session:
        entries = ensure_codes(session)
    new = sum(entry.is_new for entry in entries)
    click.echo("kind\tid\tname\tcode\tdeep link")
    for entry in entries:
        mark = " (new)" if entry.is_new else ""
        click.echo(
            f"{entry.kind}\t{entry.id}\t{entry.name}\t{entry.code}{mark}\t{_link_or_problem(entry.code)}"
        )
    click.echo(f"{len(entries)} active, {new} given a new code.", err=True)


@cli.command("flyer")
@click.argument("kind", type=click.Choice(["champion", "venue"]))
@click.argument("id", type=int)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: flyer-KIND-ID.pdf."
)
def flyer_command(kind: str, id: int, output: Path | None) -> None:
    """Write the A5 flyer (QR code, SMS keyword) of a champion or venue as a PDF."""
    prepare_database()
    try:
        with session_scope(get_settings().database_url) as session:
            pdf = flyer_for(session, kind, id, settings=get_settings())
    except FlyerUnavailable as error:
        raise click.ClickException(str(error)) from None
    path = output or Path(f"flyer-{kind}-{id}.pdf")
    path.write_bytes(pdf)
    click.echo(f"Wrote {path} ({len(pdf):,} bytes, A5). Print at 100% (actual size).")

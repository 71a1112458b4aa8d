"""Staff accounts from the command line: `add-staff EMAIL` and `staff-password EMAIL`.

The password is asked for twice at a terminal, or read from the first line of standard input
when there is none (`echo "$PASSWORD" | python -m bot add-staff a@b.gov.uk`), so deploy scripts
can make the first account without the password appearing in the process list.
"""

from __future__ import annotations

import sys

import click

from bot.cli import cli
from bot.cli.database import prepare_database
from bot.db.models import StaffRole
from bot.db.session import session_scope
from bot.settings import get_settings
from bot.staff.accounts import AccountError, create_staff, find_staff, set_password


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")
    line = sys.stdin.readline()
    return line.rstrip("\r\n")


@cli.command("add-staff")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([role.value for role in StaffRole]),
    default=StaffRole.EDITOR.value,
    show_default=True,
    help="admin: also manages staff accounts and may delete; editor: keeps the listings.",
)
@click.option(
    "--organisation",
    default=None,
    help="The organisation (as listed) whose call-back requests this champion or editor sees.",
)
def add_staff(email: str, role: str, organisation: str | None) -> None:
    """Create a staff account for /admin and /reports (the password is asked for)."""
    prepare_database()
    password = _read_password()
    try:
        with session_scope(get_settings().database_url) as session:
            user = create_staff(session, email, password, StaffRole(role), organisation)
            created = f"Created {user.role.value} account {user.email}."
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(created)


@cli.command("staff-password")
@click.argument("email")
def staff_password(email: str) -> None:
    """Set a new password for a staff account (the password is asked for)."""
    prepare_database()
    password = _read_password()
    try:
        with session_scope(get_settings().database_url) as session:
            user = find_staff(session, email)
            if user is None:
                raise AccountError(f"There is no account for {email.strip()} (see add-staff).")
            set_password(session, user, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Password changed for {email.strip().lower()}.")

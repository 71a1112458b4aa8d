"""`python -m bot run`: the engine, the action server and the gateway, until Ctrl-C."""

from __future__ import annotations

import signal
import time

import click

from bot.cli import cli
from bot.cli.database import set_up_database
from bot.settings import get_settings
from bot.stack import Stack, StackError, current_model


@cli.command("run")
def run() -> None:
    """Run the bot locally: web chat on http://127.0.0.1:8000/.

    The database is set up first, as `setup-db` does (migrations, postcodes, sample venues when
    empty): the bot never starts on a database without its tables, and a database it cannot
    set up stops it here with one line, before anything else starts.
    """
    settings = get_settings()
    set_up_database()
    try:
        stack = Stack(model=current_model(settings.model_dir))
    except StackError as error:
        raise click.ClickException(str(error)) from error
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    click.echo("Starting the engine, the action server and the gateway (the engine takes ~20 s)...")
    stack.start()
    try:
        stack.wait_until_healthy()
        click.secho(f"Ready: open {stack.ports.gateway_url}/ (Ctrl-C to stop)", fg="green", bold=True)
        while not stopping:
            for name, process in stack.processes.items():
                if process.poll() is not None:
                    raise click.ClickException(f"{name} stopped unexpectedly (exit {process.returncode})")
            time.sleep(0.5)
    except StackError as error:
        raise click.ClickException(str(error)) from error
    finally:
        click.echo("Stopping...")
        stack.stop()
        click.echo("Stopped.")

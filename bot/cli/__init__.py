"""Command groups of `python -m bot`. Each module adds its commands to `cli`."""

from __future__ import annotations

import importlib

import click


@click.group()
def cli() -> None:
    """Get Online: the bot's command line."""


# Modules that register commands on `cli` when imported.
_COMMAND_MODULES = (
    "bot.cli.content",
    "bot.cli.model",
    "bot.cli.run",
    "bot.cli.database",
    "bot.cli.venues",
    "bot.cli.privacy",
    "bot.cli.champions",
    "bot.cli.staff",
    "bot.cli.messages",
)


def main() -> None:
    for name in _COMMAND_MODULES:
        importlib.import_module(name)
    cli()

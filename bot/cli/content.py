"""Commands that turn staff-edited content into what the engine trains on."""

from __future__ import annotations

import click

from bot.cli import cli
from bot.kb.training import write_training_data
from bot.settings import ROOT, get_settings


@cli.command("build-training-data")
def build_training_data() -> None:
    """Generate NLU examples, lookups and responses from content/ (run before training)."""
    for path in write_training_data(get_settings().content_dir, ROOT, taught=get_settings().taught_file):
        click.echo(f"wrote {path.relative_to(ROOT)}")

"""`python -m bot train`: generate training data from content/, then train only if it changed."""

from __future__ import annotations

import os
import subprocess

import click

from bot.cli import cli
from bot.kb.training import write_training_data
from bot.settings import ROOT, get_settings
from bot.stack import ENGINE_PYTHON, MODEL_POINTER
from bot.training_hash import content_hash

KEEP_MODELS = 3


@cli.command("train")
@click.option("--force", is_flag=True, help="Train even if a model for this content exists.")
def train(force: bool) -> None:
    """Train the engine's model when training data, domain or config changed."""
    settings = get_settings()
    write_training_data(settings.content_dir, ROOT)
    name = content_hash(ROOT)
    model_dir = settings.model_dir
    model = model_dir / f"{name}.tar.gz"
    if model.exists() and not force:
        click.echo(f"Model up to date ({model.relative_to(ROOT)}).")
    else:
        click.echo(f"Training model {name} (a few minutes; progress below)...")
        command = [
            str(ENGINE_PYTHON), "-m", "rasa", "train", "--config", "config.yml", "--domain", "domain",
            "--data", "data", "nlu", "--out", str(model_dir), "--fixed-model-name", name,
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
        subprocess.run(command, cwd=ROOT, env=env, check=True)
    (model_dir / MODEL_POINTER).write_text(model.name)
    for old in sorted(model_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)[:-KEEP_MODELS]:
        if old != model:
            old.unlink()

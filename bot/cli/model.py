"""`python -m bot train`: generate training data from content/, then train only if it changed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import click

from bot.cli import cli
from bot.kb.training import write_training_data
from bot.settings import ROOT, Settings, get_settings
from bot.stack import ENGINE_PYTHON, MODEL_POINTER
from bot.training_hash import content_hash

KEEP_MODELS = 3


def train_model(settings: Settings, root: Path = ROOT, *, force: bool = False) -> Path:
    """Write the generated training data under `root`, train into MODEL_DIR unless a model for
    exactly this content is there, and point the model directory at it. `root` is the repository
    (a test trains a copy of its training files, so the checkout's generated files stay as
    they are)."""
    write_training_data(
        settings.content_dir, root, taught=settings.taught_file, holdout_file=ROOT / "tests/nlu/holdout.yml"
    )
    name = content_hash(root)
    model_dir = settings.model_dir
    model = model_dir / f"{name}.tar.gz"
    if model.exists() and not force:
        click.echo(f"Model up to date ({model.name} in {model_dir}).")
    else:
        click.echo(f"Training model {name} (a few minutes; progress below)...")
        command = [
            str(ENGINE_PYTHON), "-m", "rasa", "train", "--config", "config.yml", "--domain", "domain",
            "--data", "data", "nlu", "--out", str(model_dir), "--fixed-model-name", name,
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
        subprocess.run(command, cwd=root, env=env, check=True)
    (model_dir / MODEL_POINTER).write_text(model.name)
    for old in sorted(model_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)[:-KEEP_MODELS]:
        if old != model:
            old.unlink()
    return model


@cli.command("train")
@click.option("--force", is_flag=True, help="Train even if a model for this content exists.")
def train(force: bool) -> None:
    """Train the engine's model when training data, domain, config or taught messages changed."""
    train_model(get_settings(), force=force)

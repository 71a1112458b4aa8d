"""Whether the engine can answer now, and how long it has not been able to.

On a restart or a deploy the gateway is up seconds before the engine has loaded its model, and
an engine replica can go away while the gateway runs. Telegram keeps a message it has not handed
over (polling) or that got a retry status (webhook), so for Telegram the right answer to "the
engine is down" is to wait, not to apologise: the message gets its real answer, late. Only an
engine that stays down past the deadline (ENGINE_DOWN_DEADLINE_SECONDS) gets residents the
apology, so nobody waits in silence for long.

The probe is the engine's readiness check (Rasa's `GET /status` answers 200 only once a model is
loaded; see `RasaEngine.ready`). The deadline is counted from the first time this gateway found
the engine down, which at start is the gateway's start: messages that waited at Telegram while
everything was stopped are not "late" for it. Time and sleeping come in as arguments, so the
rules are tested without waiting.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

Probe = Callable[[], Awaitable[bool]]
Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# How long one answer of the probe is trusted before asking again.
FRESH_SECONDS = 1.0
PAUSE_SECONDS = 1.0


class EngineReadiness:
    def __init__(
        self,
        probe: Probe,
        deadline_seconds: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        fresh_seconds: float = FRESH_SECONDS,
        pause_seconds: float = PAUSE_SECONDS,
    ) -> None:
        self._probe = probe
        self._deadline = deadline_seconds
        self._now = clock
        self._sleep = sleep
        self._fresh = fresh_seconds
        self._pause = pause_seconds
        self._up: bool | None = None
        self._checked_at = 0.0
        self._down_since: float | None = None
        self._lock = asyncio.Lock()

    @property
    def deadline_seconds(self) -> float:
        return self._deadline

    def now(self) -> float:
        return self._now()

    async def check(self) -> bool:
        """True when the engine answers its readiness check (asked at most once a `fresh_seconds`)."""
        async with self._lock:
            if self._up is None or self._now() - self._checked_at >= self._fresh:
                try:
                    up = await self._probe()
                except Exception:  # a probe that fails says "down"; the turn path logs the cause
                    up = False
                self._note(up)
            return bool(self._up)

    def failed(self) -> None:
        """A turn found the engine down: believe it over an older probe."""
        self._note(False)

    def answered(self) -> None:
        """A turn got the engine's answer: it is up."""
        self._note(True)

    def gave_up(self) -> bool:
        """The engine has been down for longer than the deadline: apologise rather than wait."""
        return self._down_since is not None and self._now() - self._down_since >= self._deadline

    async def ready(self) -> bool:
        """Take a message now: the engine answers, or it has been down past the deadline."""
        return await self.check() or self.gave_up()

    async def wait(self, *, since: float | None = None) -> bool:
        """Until the engine answers (True) or the deadline passes (False). `since`: a caller that
        has held a message since then stops holding it at the deadline after it, too."""
        while True:
            if since is not None and self._now() - since >= self._deadline:
                return False
            if await self.check():
                return True
            if self.gave_up():
                return False
            await self._sleep(self._pause)

    async def pause(self) -> None:
        """Between two tries of a held message, however sure the probe is that the engine is up."""
        await self._sleep(self._pause)

    def _note(self, up: bool) -> None:
        now = self._now()
        self._up, self._checked_at = up, now
        if up:
            self._down_since = None
        elif self._down_since is None:
            self._down_since = now


def always_ready() -> EngineReadiness:
    """For code that does not hold messages (tests, tools): the engine is taken to be up."""

    async def up() -> bool:
        return True

    return EngineReadiness(up, 0.0)

"""What a channel is given to talk to the bot: the conversation port.

A channel (Telegram, SMS, ...) is an adapter. It receives an object with this interface and
calls nothing else of the gateway: it hands over turns (raw sender ids: the port pseudonymises
them), keeps its own small values per conversation, and renders the `BotMessage`s it gets back.
The gateway's `Conversations` is the implementation; tests may pass any object with these
methods.

A channel whose platform keeps the messages it has not taken (Telegram) asks whether the engine
can answer before taking them (`engine_ready`, `wait_for_engine`) and holds a turn while the
engine restarts (`hold=True`), so nothing is lost to a restart.

Values a channel keeps about one conversation (`remember`/`recall`) are named up front with
`keeps(name)`, so "forget me" drops them with the conversation, and the core never needs to
know a channel's keys.
"""

from __future__ import annotations

from typing import Protocol

from bot.flood_limits import FloodGuard
from bot.local import LocalInfo
from bot.messages import BotMessage
from bot.outbound.desk import OutboundDesk

DAY = 24 * 3600


class ConversationPort(Protocol):
    @property
    def local(self) -> LocalInfo:
        """The council's details (helpline...), for a channel's own texts."""
        ...

    def conversation_id(self, channel: str, raw_sender: str) -> str:
        """The pseudonymous id for a channel's raw sender id (what logs and the engine see)."""
        ...

    async def turn(self, channel: str, raw_sender: str, text: str, *, hold: bool = False) -> list[BotMessage]:
        """A message the resident typed, or a button's payload. `hold`: the platform keeps
        messages not yet taken (Telegram), so an engine that is down is waited for, up to the
        deadline, instead of the apology at once."""
        ...

    async def start(
        self, channel: str, raw_sender: str, code: str | None = None, *, hold: bool = False
    ) -> list[BotMessage]:
        """A first message from a link or keyword that may carry a champion's or venue's code."""
        ...

    async def location(
        self, channel: str, raw_sender: str, latitude: float, longitude: float, *, hold: bool = False
    ) -> list[BotMessage]:
        """A shared location: the nearest help from there."""
        ...

    async def known_referral(self, text: object) -> str | None:
        """The canonical code if `text` is an active champion's or venue's code."""
        ...

    @property
    def guard(self) -> FloodGuard:
        """Asked before a turn: one at a time per conversation, and the rate limits."""
        ...

    @property
    def outbound(self) -> OutboundDesk | None:
        """Messages the bot starts later (reminders): None when no channel can send them."""
        ...

    async def keep_late_answer(self, conversation_id: str, number: str, text: str) -> bool:
        """After the apology: keep an SMS (redacted, encrypted) to answer by text when the engine is back."""
        ...

    def apology(self) -> BotMessage:
        """What to say when something failed inside: short, with the helpline."""
        ...

    async def engine_ready(self) -> bool:
        """True when a message taken now gets a real answer, or when the engine has been down past
        the deadline (it then gets the apology). False: leave it with the platform for now."""
        ...

    async def wait_for_engine(self) -> bool:
        """Until the engine answers (True), or it has been down past the deadline (False)."""
        ...

    async def first_time(self, key: str, ttl_seconds: int = DAY) -> bool:
        """True the first time a key is seen within its lifetime (duplicate deliveries)."""
        ...

    async def store(self, key: str, value: str, ttl_seconds: int = DAY) -> None:
        """A channel-wide value, not about one resident (e.g. a long button payload by its hash)."""
        ...

    async def stored(self, key: str) -> str | None: ...

    def keeps(self, name: str) -> None:
        """Declare a value the channel keeps per conversation ("telegram:keyboard")."""
        ...

    async def remember(self, conversation_id: str, name: str, value: str, ttl_seconds: int = DAY) -> None:
        """Keep a declared value for one conversation; "forget me" drops it."""
        ...

    async def recall(self, conversation_id: str, name: str) -> str | None: ...

    async def opted_out(self, conversation_id: str) -> bool:
        """Whether the resident asked for no more messages (STOP)."""
        ...

    async def set_opted_out(self, conversation_id: str, channel: str, opted_out: bool) -> None: ...

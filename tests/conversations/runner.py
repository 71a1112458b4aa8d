"""Whole conversations, as residents have them, run against the real bot and judged turn by turn.

The conversations are YAML files in this folder (README.md there explains the format). Each turn
is what a resident typed, on the web chat (through the gateway's REST webhook, after the silent
"hi" the page sends when it opens), by SMS (Twilio's signed webhook on a gateway built in-process,
so the reply is the real text message with its numbered options) or on Telegram (the gateway's
Telegram channel against the fake Bot API, tests/fakes/). After each turn the runner reads the
engine's tracker for what the bot understood (the intent) and did (the actions), and checks what
the turn expects. A conversation passes when every turn did.

Why not Rasa's own end-to-end test stories (`rasa test e2e`): they run the engine alone, so they
never see the gateway (the typed "2" mapped to a button, the web chat's opening "hi", the SMS
rendering), they say what must happen as actions and responses' names rather than as words a
resident reads, and they cannot express "must not say". A conversation here reads as the resident
wrote it, and a failure says which turn and why.

Used by `tests/e2e/test_resident_conversations.py` (one test per conversation, in `make test`)
and by `nlu/evaluate.py` (`make nlu-report`), which runs `python -m tests.conversations.runner`:
that starts the stack once, runs every conversation, and prints the results as JSON.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

HERE = Path(__file__).resolve().parent
CHANNELS = ("web", "sms", "telegram")
TURN_KEYS = {"user", "next_day", "intent", "action", "says", "says_any", "not_says", "buttons", "note"}
CONVERSATION_KEYS = {"name", "channel", "turns", "note", "opens_chat", "known_failure"}


# --- the files ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """One thing the resident does, and what must hold for the bot's answer.

    `says`: every one of these appears in the reply (case-insensitive); `says_any`: at least one;
    `not_says`: none; `buttons`: options offered (titles; on SMS, in the numbered list).
    `next_day`: the resident comes back after the session has expired (no message is sent).
    """

    user: str | None = None
    next_day: bool = False
    intent: str | None = None
    actions: tuple[str, ...] = ()
    says: tuple[str, ...] = ()
    says_any: tuple[str, ...] = ()
    not_says: tuple[str, ...] = ()
    buttons: tuple[str, ...] = ()

    @property
    def checks(self) -> bool:
        return bool(
            self.intent or self.actions or self.says or self.says_any or self.not_says or self.buttons
        )


@dataclass(frozen=True)
class Conversation:
    name: str
    channel: str
    turns: tuple[Turn, ...]
    source: str
    # The web chat says "hi" for the resident when it opens (bot/gateway/static/chat.js).
    opens_chat: bool = True
    # Why the bot still gets this one wrong (the test is then an expected failure, strict: it
    # says so when the bot gets it right). The NLU report counts it as failing all the same.
    known_failure: str | None = None

    @property
    def id(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")


def _text(value: Any, where: str) -> str:
    # YAML reads a bare yes, no or on as true or false: "yes" must be quoted to be a message.
    if isinstance(value, bool):
        raise ValueError(f"{where}: {value!r} was read as true/false: put it in quotes")
    return str(value)


def _strings(value: Any, where: str = "") -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(_text(v, where) for v in value)


def _turn(raw: dict[str, Any], where: str) -> Turn:
    unknown = set(raw) - TURN_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    turn = Turn(
        user=None if raw.get("user") is None else _text(raw["user"], where),
        next_day=bool(raw.get("next_day")),
        intent=raw.get("intent"),
        actions=_strings(raw.get("action")),
        says=_strings(raw.get("says"), where),
        says_any=_strings(raw.get("says_any"), where),
        not_says=_strings(raw.get("not_says"), where),
        buttons=_strings(raw.get("buttons"), where),
    )
    if turn.next_day == (turn.user is not None):
        raise ValueError(f"{where}: a turn is either `user: ...` or `next_day: true`")
    if turn.user is not None and not turn.checks:
        raise ValueError(f"{where}: a turn must say what must hold (intent, action, says...)")
    return turn


def load(path: Path) -> list[Conversation]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    conversations = []
    for number, item in enumerate(raw.get("conversations") or [], start=1):
        where = f"{path.name} conversation {number}"
        unknown = set(item) - CONVERSATION_KEYS
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        channel = item.get("channel", "web")
        if channel not in CHANNELS:
            raise ValueError(f"{where}: channel must be one of {CHANNELS}")
        turns = tuple(_turn(t, f"{where} turn {i}") for i, t in enumerate(item["turns"], start=1))
        conversations.append(
            Conversation(
                str(item["name"]),
                channel,
                turns,
                path.name,
                opens_chat=bool(item.get("opens_chat", True)),
                known_failure=item.get("known_failure"),
            )
        )
    return conversations


def load_all(folder: Path = HERE) -> list[Conversation]:
    conversations = [c for path in sorted(folder.glob("*.yml")) for c in load(path)]
    seen: set[str] = set()
    for conversation in conversations:
        if conversation.id in seen:
            raise ValueError(f"two conversations are called {conversation.name!r}")
        seen.add(conversation.id)
    return conversations


# --- talking to the bot ---------------------------------------------------------------------------


@dataclass
class Said:
    """The bot's answer to one turn, as the resident's channel showed it."""

    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)


class WebChat:
    """The web chat: the gateway's REST webhook, as bot/gateway/static/chat.js calls it."""

    channel = "web"

    def __init__(self, gateway_url: str, notice: str) -> None:
        self._url = f"{gateway_url}/webhooks/rest/webhook"
        self._notice = notice

    def new_sender(self) -> str:
        return f"convo-{uuid.uuid4().hex}"

    def say(self, sender: str, text: str) -> Said:
        response = httpx.post(self._url, json={"sender": sender, "message": text}, timeout=60)
        response.raise_for_status()
        messages = [m for m in response.json() if m.get("text") != self._notice]
        return Said(
            "\n".join(m.get("text", "") for m in messages),
            [b for m in messages for b in m.get("buttons", [])],
        )


class TextMessages:
    """SMS: what Twilio posts, signed, to a gateway with the SMS channel; the TwiML's one text back."""

    channel = "sms"
    PATH = "/webhooks/sms/twilio"

    def __init__(self, client: Any, token: str, public_url: str, notice: str) -> None:
        self._client = client
        self._token = token
        self._public = public_url
        self._notice = notice

    def new_sender(self) -> str:
        return "+4477009" + f"{uuid.uuid4().int % 100_000:05d}"

    def say(self, sender: str, text: str) -> Said:
        from twilio.request_validator import RequestValidator

        fields = {
            "From": sender,
            "To": "+447700900999",
            "Body": text,
            "MessageSid": f"SM{uuid.uuid4().hex}",
            "NumMedia": "0",
        }
        signature = RequestValidator(self._token).compute_signature(self._public + self.PATH, fields)
        response = self._client.post(self.PATH, data=fields, headers={"X-Twilio-Signature": signature})
        response.raise_for_status()
        body = "\n".join(m.text or "" for m in ET.fromstring(response.content))
        return Said(body.removeprefix(self._notice).lstrip("\n"))


class Telegram:
    """Telegram: updates delivered to the gateway's Telegram channel, replies read from the fake
    Bot API. A turn is over when the engine has finished it and every message it said was sent."""

    channel = "telegram"

    def __init__(self, gateway: Any, engine: EngineView, notice: str) -> None:
        self._gateway = gateway
        self._engine = engine
        self._notice = notice

    def new_sender(self) -> str:
        return str(self._gateway.new_user().id)

    def say(self, sender: str, text: str) -> Said:
        from tests.fakes.telegram_api import TelegramUser

        fake = self._gateway.fake
        user = TelegramUser(int(sender))
        conversation = self._engine.conversation_id("telegram", sender)
        before = self._engine.user_turns(conversation)
        mark = fake.mark()
        self._gateway.send(fake.message(user, text))

        def finished(calls: list[Any]) -> bool:
            turn = self._engine.last_turn(conversation, after=before)
            if turn is None:
                return False
            sent = [c for c in calls if c.chat_id == user.id and c.method == "sendMessage"]
            return len([c for c in sent if c.text != self._notice]) >= turn.texts

        calls = fake.wait_until(finished, mark, timeout=60)
        sent = [
            c for c in calls if c.chat_id == user.id and c.method == "sendMessage" and c.text != self._notice
        ]
        return Said(
            "\n".join(c.text for c in sent),
            [{"title": t, "payload": t} for c in sent for t in c.button_titles()],
        )


@dataclass(frozen=True)
class EngineTurn:
    intent: str | None
    actions: tuple[str, ...]
    texts: int  # the messages the bot said (text or buttons), which a channel sends one by one


class EngineView:
    """What the engine understood and did: its tracker, through its HTTP API (with its token)."""

    def __init__(self, engine_url: str, token: str, secret: str) -> None:
        self._url = engine_url
        self._token = token
        self._secret = secret

    def conversation_id(self, channel: str, raw_sender: str) -> str:
        from bot.pseudonym import pseudonymise

        return pseudonymise(self._secret, channel, raw_sender)

    def events(self, conversation: str) -> list[dict[str, Any]]:
        response = httpx.get(
            f"{self._url}/conversations/{conversation}/tracker", params={"token": self._token}, timeout=60
        )
        response.raise_for_status()
        return list(response.json().get("events") or [])

    def user_turns(self, conversation: str) -> int:
        return sum(1 for e in self.events(conversation) if e.get("event") == "user")

    def last_turn(self, conversation: str, after: int = 0) -> EngineTurn | None:
        """The last user turn, once the engine has finished it (None before, or if there is none
        beyond the first `after` user turns)."""
        events = self.events(conversation)
        users = [i for i, e in enumerate(events) if e.get("event") == "user"]
        if len(users) <= after:
            return None
        tail = events[users[-1] :]
        if not (tail[-1].get("event") == "action" and tail[-1].get("name") == "action_listen"):
            return None
        intent = ((tail[0].get("parse_data") or {}).get("intent") or {}).get("name")
        actions = tuple(
            e["name"] for e in tail[1:] if e.get("event") == "action" and e.get("name") != "action_listen"
        )
        texts = sum(
            1
            for e in tail
            if e.get("event") == "bot" and (e.get("text") or (e.get("data") or {}).get("buttons"))
        )
        return EngineTurn(intent, actions, texts)

    def next_day(self, conversation: str) -> None:
        """The resident comes back after the session expired: the engine starts a new session as it
        does then (action_session_start carries the slots over; domain/core.yml session_config)."""
        response = httpx.post(
            f"{self._url}/conversations/{conversation}/execute",
            params={"token": self._token},
            json={"name": "action_session_start"},
            timeout=60,
        )
        response.raise_for_status()


# --- judging ------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    channel: str
    source: str
    passed: bool
    failures: list[str]
    transcript: list[str]

    def explain(self) -> str:
        return "\n".join([*self.failures, "--- transcript ---", *self.transcript])


def _titles(said: Said, channel: str) -> list[str]:
    if channel == "sms":  # numbered options in the text: "1 Find help near me"
        return re.findall(r"^\d+ (.+)$", said.text, flags=re.MULTILINE)
    return [b["title"] for b in said.buttons]


def judge(turn: Turn, said: Said, engine: EngineTurn | None, channel: str) -> list[str]:
    """What went wrong in one turn (nothing: it went right)."""
    problems = []
    text = said.text.lower()
    if turn.intent and (engine is None or engine.intent != turn.intent):
        problems.append(f"understood {engine.intent if engine else None!r}, expected {turn.intent!r}")
    for action in turn.actions:
        if engine is None or action not in engine.actions:
            problems.append(f"did not run {action} (ran {list(engine.actions) if engine else []})")
    for part in turn.says:
        if part.lower() not in text:
            problems.append(f"the reply does not say {part!r}")
    if turn.says_any and not any(part.lower() in text for part in turn.says_any):
        problems.append(f"the reply says none of {list(turn.says_any)}")
    for part in turn.not_says:
        if part.lower() in text:
            problems.append(f"the reply says {part!r}")
    offered = [t.lower() for t in _titles(said, channel)]
    for title in turn.buttons:
        if title.lower() not in offered:
            problems.append(f"no option {title!r} (offered {offered})")
    return problems


class Runner:
    """Runs conversations against a running stack; one channel object per channel it can use."""

    def __init__(self, engine: EngineView, channels: dict[str, Any]) -> None:
        self._engine = engine
        self._channels = channels

    def run(self, conversation: Conversation) -> Result:
        channel = self._channels[conversation.channel]
        sender = channel.new_sender()
        conversation_id = self._engine.conversation_id(conversation.channel, sender)
        transcript: list[str] = []
        failures: list[str] = []
        if conversation.channel == "web" and conversation.opens_chat:
            channel.say(sender, "hi")  # what the page sends, unseen, when it opens
            transcript.append("(the web chat opens)")
        for number, turn in enumerate(conversation.turns, start=1):
            if turn.next_day:
                self._engine.next_day(conversation_id)
                transcript.append("(the next day)")
                continue
            assert turn.user is not None
            said = channel.say(sender, turn.user)
            engine = self._engine.last_turn(conversation_id)
            transcript += [f"{number}> {turn.user}", *(f"   {line}" for line in said.text.splitlines())]
            if said.buttons and conversation.channel != "sms":
                transcript.append(f"   [{'] ['.join(b['title'] for b in said.buttons)}]")
            if engine is not None:
                transcript.append(f"   ({engine.intent}; {', '.join(engine.actions)})")
            failures += [
                f"turn {number} ({turn.user!r}): {p}" for p in judge(turn, said, engine, conversation.channel)
            ]
        return Result(
            conversation.name, conversation.channel, conversation.source, not failures, failures, transcript
        )


# --- the stack, for the tests and for the NLU report ------------------------------------------------

SMS_TOKEN = "conversations-twilio-token"
SMS_PUBLIC = "https://bot.example.org"


@contextmanager
def channels_for(
    stack: Any, env: dict[str, str], log_dir: Path, wanted: Sequence[str] = CHANNELS
) -> Iterator[Runner]:
    """A Runner over the running stack: the web chat, an in-process SMS gateway and, when asked
    for, a Telegram gateway against the fake Bot API. Everything it starts stops on exit."""
    from cryptography.fernet import Fernet
    from starlette.testclient import TestClient

    from bot.gateway.app import create_app
    from bot.local import load_local
    from bot.privacy.notice import first_contact_notice
    from bot.settings import get_settings
    from tests.e2e.conftest import in_process_gateway

    notice = first_contact_notice(load_local(get_settings().local_file), get_settings().retention_days)
    engine = EngineView(stack.ports.engine_url, stack.engine_auth_token, env["PSEUDONYM_SECRET"])
    channels: dict[str, Any] = {"web": WebChat(stack.ports.gateway_url, notice)}
    with ExitStack() as cleanup:
        if "sms" in wanted:
            settings = in_process_gateway(
                stack,
                env,
                outbound_keys=Fernet.generate_key().decode(),
                twilio_auth_token=SMS_TOKEN,
                public_base_url=SMS_PUBLIC,
                engine_timeout_seconds=30,
            )
            client = cleanup.enter_context(TestClient(create_app(settings)))
            channels["sms"] = TextMessages(client, SMS_TOKEN, SMS_PUBLIC, notice)
        if "telegram" in wanted:
            from tests.e2e.telegram_fixtures import start_gateway

            gateway = start_gateway("webhook", stack, env, log_dir)
            cleanup.callback(gateway.fake.stop)
            cleanup.callback(gateway.stop)
            channels["telegram"] = Telegram(gateway, engine, notice)
        yield Runner(engine, channels)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the stack once, run every conversation, print the results as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write the results here (default: standard output)")
    args = parser.parse_args(argv)
    from tests.e2e.conftest import running_stack, setup_database

    conversations = load_all()
    with tempfile.TemporaryDirectory(prefix="conversations-") as folder:
        env = {
            "DATABASE_URL": f"sqlite:///{folder}/app.db",
            "TRACKER_STORE_URL": f"sqlite:///{folder}/tracker.db",
            "PSEUDONYM_SECRET": "conversations-secret",
            "POSTCODE_AREAS": "LS",
            "ADDRESS_TURNS_PER_MINUTE": "0",
            "LOCAL_WEBHOOKS": "true",
        }
        setup_database(env)
        wanted = sorted({c.channel for c in conversations})
        with (
            running_stack(env, Path(folder)) as stack,
            channels_for(stack, env, Path(folder), wanted) as runner,
        ):
            results = [runner.run(c) for c in conversations]
    report = json.dumps([asdict(r) for r in results], indent=2)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(report, encoding="utf-8")
    else:
        print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Client for the engine's gateway channel (engine/channel.py), with a deadline, over replicas.

Residents never wait in silence: a turn that takes longer than the deadline, or an engine that
answers with an error, raises EngineUnavailable and the gateway apologises. Several engine
replicas (ENGINE_URL="http://a:5005,http://b:5005") share the tracker store and the Redis lock
store, so any of them can take any turn: turns go round the replicas, and a replica that
refuses the connection is skipped for the next one within the same deadline.

Every request carries ENGINE_AUTH_TOKEN as `?token=`, the way Rasa's HTTP API takes it
(`rasa run --auth-token`); engine/channel.py checks it on the gateway channel too.

The turn goes over aiohttp, the rest (readiness, follow-up triggers) over httpx: every resident's
message makes that one request, and httpx spent about 2 ms of the gateway's CPU on it, a third of
all its work a turn, where aiohttp spends 0.25 ms. Errors are the same as they were with httpx:
a refused connection moves on to the next replica, anything else (a status that is not 2xx, a
redirect, a body that is not JSON, the deadline) is EngineUnavailable.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote, urlencode

import aiohttp
import httpx
from yarl import URL

WEBHOOK = "/webhooks/gateway/webhook"
STATUS = "/status"
STATUS_TIMEOUT_SECONDS = 2.0


def token_params(auth_token: str | None) -> dict[str, str]:
    """The query parameters that authenticate a request to the engine."""
    return {"token": auth_token} if auth_token else {}


# Rasa's external events (needs `rasa run --enable-api`): the tracker records that the bot
# asked, so the resident's answer is understood in context.
TRIGGER = "/conversations/{conversation_id}/trigger_intent"


class EngineUnavailable(Exception):
    """The engine did not answer in time or answered with an error."""


class EngineDown(EngineUnavailable):
    """No engine took the connection (stopped, restarting, still loading its model): nothing of
    the message reached it, so it can be offered again once the engine is back."""


@dataclass(frozen=True)
class Understood:
    """What the engine took the message to be (for the reports; never shown to residents)."""

    intent: str | None = None
    confidence: float = 0.0
    topic: str | None = None
    entities: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class EngineTurn:
    messages: list[dict[str, Any]]
    understood: Understood = field(default_factory=Understood)


class Engine(Protocol):
    async def send(self, sender_id: str, text: str, channel: str) -> EngineTurn: ...


def parse_turn(body: Any) -> EngineTurn:
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        raise EngineUnavailable("unexpected reply from the engine")
    entities = tuple(
        (str(e.get("entity")), str(e.get("value")))
        for e in body.get("entities") or []
        if isinstance(e, dict) and e.get("entity")
    )
    understood = Understood(
        intent=body.get("intent") if isinstance(body.get("intent"), str) else None,
        confidence=float(body.get("confidence") or 0.0),
        topic=body.get("topic") if isinstance(body.get("topic"), str) else None,
        entities=entities,
    )
    return EngineTurn([m for m in body["messages"] if isinstance(m, dict)], understood)


KEPT_CONNECTIONS = 100  # per engine replica: the limit on connections at once, all kept alive
# How long an idle connection to the engine is kept: httpx's default, which this client had first.
KEEPALIVE_SECONDS = 5.0
JSON_HEADERS = {"Content-Type": "application/json"}


def request_body(sender_id: str, text: str, channel: str) -> bytes:
    """The turn's JSON exactly as httpx's `json=` wrote it (compact, UTF-8, no NaN)."""
    body = {"sender": sender_id, "message": text, "channel": channel}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def webhook_url(base_url: str, auth_token: str | None) -> URL:
    """The gateway channel's webhook under `base_url` (as httpx merged it), with the token."""
    query = urlencode(token_params(auth_token))
    return URL(f"{base_url.rstrip('/')}{WEBHOOK}" + (f"?{query}" if query else ""))


def env_proxy(url: URL) -> tuple[URL | None, aiohttp.BasicAuth | None]:
    """The proxy the environment names for `url` (HTTP_PROXY, NO_PROXY...), read once, as httpx
    (trust_env) read it once per client; (None, None) for a direct connection."""
    try:
        return aiohttp.helpers.get_env_proxy_for_url(url)
    except LookupError:
        return None, None


class _Webhook:
    """One replica's webhook over aiohttp: the turn, the hot call, costs the gateway about a tenth
    of the CPU it did over httpx (bench/load.py; 0.25 against 2 ms a request measured alone).

    The session is made on first use, inside the event loop that serves the turns.
    """

    def __init__(self, base_url: str, auth_token: str | None, timeout_seconds: float) -> None:
        self.url = webhook_url(base_url, auth_token)
        self._proxy, self._proxy_auth = env_proxy(self.url)
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=KEPT_CONNECTIONS, keepalive_timeout=KEEPALIVE_SECONDS)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
        return self._session

    async def post(self, body: bytes) -> Any:
        """The engine's answer, decoded; EngineUnavailable for an answer that is not 2xx JSON.

        Raises aiohttp.ClientConnectorError when the replica took no connection."""
        async with self.session().post(
            self.url,
            data=body,
            headers=JSON_HEADERS,
            allow_redirects=False,  # httpx does not follow them either: a redirect is an error
            proxy=self._proxy,
            proxy_auth=self._proxy_auth,
        ) as response:
            content = await response.read()
            if not 200 <= response.status < 300:
                raise EngineUnavailable(
                    f"the engine answered {response.status} {response.reason or ''}".strip()
                )
        return json.loads(content)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class RasaEngine:
    def __init__(
        self, base_urls: list[str] | str, timeout_seconds: float, auth_token: str | None = None
    ) -> None:
        urls = [base_urls] if isinstance(base_urls, str) else list(base_urls)
        if not urls:
            raise ValueError("at least one engine URL is needed")
        self._timeout = timeout_seconds
        params = token_params(auth_token)
        # Every turn waiting for the engine holds a connection; httpx keeps only 20 alive by
        # default, so with more residents at once each turn past the 20th opened a new TCP
        # connection and closed it afterwards (bench/load.py, py-spy: connect and close were a
        # tenth of the gateway's time at 50 residents). Keep as many as may be in use.
        limits = httpx.Limits(max_connections=KEPT_CONNECTIONS, max_keepalive_connections=KEPT_CONNECTIONS)
        self._clients = [
            httpx.AsyncClient(base_url=url, timeout=timeout_seconds, params=params, limits=limits)
            for url in urls
        ]
        self._webhooks = [_Webhook(url, auth_token, timeout_seconds) for url in urls]
        self._next = itertools.cycle(range(len(self._clients)))

    async def send(self, sender_id: str, text: str, channel: str) -> EngineTurn:
        deadline = time.monotonic() + self._timeout
        start = next(self._next)
        last_error: Exception | None = None
        body = request_body(sender_id, text, channel)
        for step in range(len(self._webhooks)):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            webhook = self._webhooks[(start + step) % len(self._webhooks)]
            try:
                async with asyncio.timeout(remaining):
                    answer = await webhook.post(body)
                return parse_turn(answer)
            except aiohttp.ClientConnectorError as error:
                last_error = error  # this replica is down: try the next one
            except (aiohttp.ClientError, ValueError, TimeoutError) as error:
                raise EngineUnavailable(str(error) or type(error).__name__) from error
        if last_error is not None:
            raise EngineDown(str(last_error) or type(last_error).__name__)
        raise EngineUnavailable("no engine answered in time")

    async def ready(self) -> bool:
        """True when a replica answers `GET /status` with 200: Rasa answers 409 ("No agent
        loaded") until its model is loaded, and takes no connection before its server starts."""
        for client in self._clients:
            try:
                response = await client.get(STATUS, timeout=min(self._timeout, STATUS_TIMEOUT_SECONDS))
            except httpx.HTTPError:
                continue
            if response.status_code == 200:
                return True
        return False

    async def trigger(
        self, conversation_id: str, intent: str, entities: dict[str, Any] | None = None, channel: str = "web"
    ) -> list[dict[str, Any]]:
        """Start a turn with an intent the resident did not type (a follow-up question).

        Rasa 3.6's `POST /conversations/{id}/trigger_intent` takes {"name", "entities"} and, with
        no output_channel, answers {"tracker": ..., "messages": [...]}: the messages are the
        bot's replies, in the REST format `from_engine` reads. `include_events=NONE` keeps the
        tracker out of the answer. `channel` is for the caller's rendering: the tracker keeps
        its latest input channel. Raises EngineUnavailable like `send`.
        """
        path = TRIGGER.format(conversation_id=quote(conversation_id, safe=""))
        body = {"name": intent, "entities": entities or {}}
        start = next(self._next)
        last_error: Exception | None = None
        for step in range(len(self._clients)):
            client = self._clients[(start + step) % len(self._clients)]
            try:
                response = await client.post(path, json=body, params={"include_events": "NONE"})
                response.raise_for_status()
                messages = response.json().get("messages")
            except httpx.ConnectError as error:
                last_error = error
                continue
            except (httpx.HTTPError, ValueError, AttributeError) as error:
                raise EngineUnavailable(str(error) or type(error).__name__) from error
            if not isinstance(messages, list):
                raise EngineUnavailable("unexpected reply from the engine")
            return [m for m in messages if isinstance(m, dict)]
        raise EngineUnavailable(str(last_error) if last_error else "no engine answered")

    async def aclose(self) -> None:
        await asyncio.gather(
            *(client.aclose() for client in self._clients), *(webhook.aclose() for webhook in self._webhooks)
        )

"""A fake Telegram Bot API on loopback: what python-telegram-bot calls, answered as Telegram does.

The real client library talks to it over HTTP, so a test exercises everything of ours up to the
edge of the system. It keeps updates for getUpdates (long polling with offset and timeout, 409
while a webhook is set, as Telegram does), posts them to the webhook like Telegram (with the
secret token given to setWebhook), refuses what Telegram refuses (an empty or too long text,
callback data over 64 bytes), and records every call for assertions.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

JSON_FIELDS = {"reply_markup", "allowed_updates", "commands", "link_preview_options", "entities"}
INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout", "max_connections"}
FLOAT_FIELDS = {"latitude", "longitude"}
SEND_METHODS = {"sendMessage", "sendVenue", "sendLocation"}


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    # When the call arrived (time.monotonic), for checking the send rates.
    at: float = field(default_factory=time.monotonic, compare=False)

    @property
    def chat_id(self) -> int | None:
        return self.params.get("chat_id")

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def markup(self) -> dict[str, Any]:
        return self.params.get("reply_markup") or {}

    def button_titles(self) -> list[str]:
        return [b["text"] for row in self.markup.get("inline_keyboard", []) for b in row]

    def keyboard(self) -> list[dict[str, Any]]:
        """The reply keyboard's buttons (each {"text": ..., "request_location": ...})."""
        return [
            b if isinstance(b, dict) else {"text": b} for row in self.markup.get("keyboard", []) for b in row
        ]


@dataclass(frozen=True)
class TelegramUser:
    id: int
    first_name: str = "Resident"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name, "language_code": "en"}


class FakeBotApi:
    def __init__(self, token: str, username: str = "GetOnlineTestBot") -> None:
        self.token = token
        self.username = username
        self.bot_id = int(token.split(":", 1)[0])
        self.calls: list[Call] = []
        # Calls refused (flood control 429, a blocked chat 403, a server error), not carried out.
        self.refused: list[Call] = []
        self._floods: dict[str, tuple[int, int]] = {}
        self._failures: dict[str, tuple[int, int]] = {}
        # Chats whose user blocked the bot: sending to them is 403 Forbidden, as on Telegram.
        self.blocked: set[int] = set()
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self._updates: list[dict[str, Any]] = []
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._update_ids = itertools.count(10_000)
        self._message_ids = itertools.count(1)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- running -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """For TELEGRAM_API_BASE_URL (python-telegram-bot appends the token and the method)."""
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self, port: int | None = None) -> FakeBotApi:
        """Serve on `port` (default: a free one)."""
        self.port = port or free_port()
        app = Starlette(routes=[Route("/bot{token}/{method}", self._handle, methods=["GET", "POST"])])
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fake-bot-api", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake Bot API did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    # --- what the tests send -------------------------------------------------------------

    def flood(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """Refuse the next `times` calls of `method` as Telegram's flood control does (429)."""
        with self._lock:
            self._floods[method] = (times, retry_after)

    def fail(self, method: str, times: int = 1, status: int = 502) -> None:
        """Answer the next `times` calls of `method` with a server error (`status`)."""
        with self._lock:
            self._failures[method] = (times, status)

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: sends to their chat get 403 from now on."""
        with self._lock:
            self.blocked.add(chat_id)

    def queue(self, *updates: dict[str, Any]) -> None:
        """Updates for getUpdates, all visible at once (so two copies arrive in one batch)."""
        with self._lock:
            self._updates.extend(updates)

    def deliver(self, update: dict[str, Any], secret: str | None = "recorded") -> httpx.Response:
        """Post an update to the webhook as Telegram does (secret: the recorded one, another, or None)."""
        assert self.webhook_url, "no webhook has been set"
        token = self.webhook_secret if secret == "recorded" else secret
        headers = {"X-Telegram-Bot-Api-Secret-Token": token} if token is not None else {}
        return httpx.post(self.webhook_url, json=update, headers=headers, timeout=10)

    def message(self, user: TelegramUser, text: str) -> dict[str, Any]:
        """A private text message; a leading /command gets its bot_command entity, as Telegram does."""
        body: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._update(user, body)

    def location(self, user: TelegramUser, latitude: float, longitude: float) -> dict[str, Any]:
        return self._update(user, {"location": {"latitude": latitude, "longitude": longitude}})

    def voice(self, user: TelegramUser) -> dict[str, Any]:
        return self._update(user, {"voice": {"file_id": "voice-1", "file_unique_id": "v1", "duration": 3}})

    def group_message(self, chat_id: int, user: TelegramUser, text: str) -> dict[str, Any]:
        body: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        chat = {"id": chat_id, "type": "group", "title": "Residents' group"}
        return self._update(user, body, chat=chat)

    def press(self, user: TelegramUser, title: str) -> dict[str, Any]:
        """A tap on the newest inline button with this title in the user's chat."""
        with self._lock:
            candidates = sorted(
                (m for (chat, _), m in self._messages.items() if chat == user.id),
                key=lambda m: -m["message_id"],
            )
        for message in candidates:
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == title:
                        return {
                            "update_id": next(self._update_ids),
                            "callback_query": {
                                "id": f"cq-{next(self._update_ids)}",
                                "from": user.as_dict(),
                                "chat_instance": f"ci-{user.id}",
                                "data": button["callback_data"],
                                "message": message,
                            },
                        }
        raise AssertionError(f"no button {title!r} was sent to the user")

    def _update(
        self, user: TelegramUser, body: dict[str, Any], chat: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat or {"id": user.id, "type": "private", "first_name": user.first_name},
            "from": user.as_dict(),
            **body,
        }
        return {"update_id": next(self._update_ids), "message": message}

    # --- what the tests check ------------------------------------------------------------

    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    def mark(self) -> int:
        """The number of calls so far: pass it to `since` to look only at what came after."""
        with self._lock:
            return len(self.calls)

    def since(self, mark: int, chat_id: int | None = None, methods: set[str] | None = None) -> list[Call]:
        return [
            c
            for c in self.snapshot()[mark:]
            if (chat_id is None or c.chat_id == chat_id) and (methods is None or c.method in methods)
        ]

    def sent(self, mark: int, chat_id: int) -> list[Call]:
        """Messages, pins and locations sent to a chat after `mark`."""
        return self.since(mark, chat_id, SEND_METHODS)

    def wait_until(
        self, condition: Callable[[list[Call]], bool], mark: int = 0, timeout: float = 30
    ) -> list[Call]:
        """The calls after `mark` once `condition` holds for them (AssertionError at the deadline)."""
        deadline = time.monotonic() + timeout
        while True:
            calls = self.snapshot()[mark:]
            if condition(calls):
                return calls
            if time.monotonic() > deadline:
                made = [(c.method, c.params.get("text", "")[:60]) for c in calls]
                raise AssertionError(f"timed out; calls since the mark: {made}")
            time.sleep(0.02)

    # --- the Bot API ---------------------------------------------------------------------

    async def _handle(self, request: Request) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.path_params["method"]
        params = _decode({**request.query_params, **(await _body(request))})
        with self._lock:
            failing, status = self._failures.get(method, (0, 0))
            if failing > 0:
                self._failures[method] = (failing - 1, status)
                self.refused.append(Call(method, params))
                return _error(status, "Bad Gateway")
            if method in SEND_METHODS and params.get("chat_id") in self.blocked:
                self.refused.append(Call(method, params))
                return _error(403, "Forbidden: bot was blocked by the user")
            times, retry_after = self._floods.get(method, (0, 0))
            if times > 0:
                self._floods[method] = (times - 1, retry_after)
                self.refused.append(Call(method, params))
                return JSONResponse(
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {retry_after}",
                        "parameters": {"retry_after": retry_after},
                    },
                    status_code=429,
                )
            self.calls.append(Call(method, params))
        if method == "getUpdates":
            return await self._get_updates(request, params)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found")
        problem = _refused(method, params)
        if problem:
            return _error(400, f"Bad Request: {problem}")
        with self._lock:
            result = handler(params)
        return JSONResponse({"ok": True, "result": result})

    async def _get_updates(self, request: Request, params: dict[str, Any]) -> JSONResponse:
        if self.webhook_url:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            with self._lock:
                # An offset confirms every update before it: Telegram forgets those.
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
                pending = list(self._updates[: int(params.get("limit") or 100)])
            if pending or time.monotonic() >= deadline or await request.is_disconnected():
                return JSONResponse({"ok": True, "result": pending})
            await asyncio.sleep(0.02)

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Get Online",
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = params.get("url") or None
        self.webhook_secret = params.get("secret_token")
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook_url = self.webhook_secret = None
        return True

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.webhook_url or "", "has_custom_certificate": False, "pending_update_count": 0}

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        return True

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._sent(params, {"text": params["text"]})

    def _api_sendVenue(self, params: dict[str, Any]) -> dict[str, Any]:
        location = {"latitude": params["latitude"], "longitude": params["longitude"]}
        venue = {"location": location, "title": params["title"], "address": params["address"]}
        return self._sent(params, {"venue": venue, "location": location})

    def _api_sendLocation(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._sent(
            params, {"location": {"latitude": params["latitude"], "longitude": params["longitude"]}}
        )

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        message = self._messages.get((params.get("chat_id"), params.get("message_id")))
        if message is None:
            return True
        markup = params.get("reply_markup")
        if markup and markup.get("inline_keyboard"):
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    def _sent(self, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        chat_id = params["chat_id"]
        chat = {"id": chat_id, "type": "private", "first_name": "Resident"}
        if chat_id < 0:
            chat = {"id": chat_id, "type": "group", "title": "Residents' group"}
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": "Get Online",
                "username": self.username,
            },
            **body,
        }
        markup = params.get("reply_markup") or {}
        if markup.get("inline_keyboard"):
            message["reply_markup"] = markup  # Telegram returns only inline keyboards
        self._messages[(chat_id, message["message_id"])] = message
        return message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _refused(method: str, params: dict[str, Any]) -> str | None:
    """What Telegram would refuse in this call, in its own words, or None."""
    if method in SEND_METHODS | {"sendChatAction"} and "chat_id" not in params:
        return "chat_id is empty"
    if method == "sendMessage":
        text = str(params.get("text") or "")
        if not text.strip():
            return "message text is empty"
        if utf16_len(text) > 4096:
            return "message is too long"
    if method == "sendVenue" and not (params.get("title") and params.get("address")):
        return "title and address are required"
    for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data", "")
            if not 1 <= len(data.encode()) <= 64:
                return "BUTTON_DATA_INVALID"
    return None


async def _body(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.json()
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _decode(raw: dict[str, str]) -> dict[str, Any]:
    """python-telegram-bot posts form fields: JSON for objects, plain strings otherwise."""
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if key in JSON_FIELDS:
            params[key] = json.loads(value)
        elif key in INT_FIELDS:
            params[key] = int(value)
        elif key in FLOAT_FIELDS:
            params[key] = float(value)
        else:
            params[key] = value
    return params


def _error(code: int, description: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error_code": code, "description": description}, status_code=code)

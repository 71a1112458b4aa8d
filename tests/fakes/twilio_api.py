"""A fake Twilio REST API on loopback: Messages.json as twilio's Client calls it, and callbacks.

The real `twilio.rest.Client` talks to it (TWILIO_API_BASE_URL), so a test covers our code up
to the edge. It checks the account and basic auth, refuses numbers marked invalid with
Twilio's error body (code 21211...), answers server errors when told to, records every text
and, on `report`, posts the status callback signed with the auth token as Twilio does.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from tests.fakes.telegram_api import free_port


@dataclass(frozen=True)
class Text:
    sid: str
    to: str
    sender: str
    body: str
    status_callback: str | None
    at: float = field(default_factory=time.monotonic, compare=False)


class FakeTwilioApi:
    def __init__(self, account_sid: str = "AC" + "0" * 32, auth_token: str = "test-auth-token") -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.texts: list[Text] = []
        self.refused: list[dict[str, Any]] = []
        self._invalid: dict[str, int] = {}
        self._failures: tuple[int, int] = (0, 0)
        self._sids = itertools.count(1)
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        """For TWILIO_API_BASE_URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeTwilioApi:
        self.port = free_port()
        path = "/2010-04-01/Accounts/{account}/Messages.json"
        app = Starlette(routes=[Route(path, self._messages, methods=["POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="fake-twilio", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake Twilio API did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)

    # --- what tests set up -----------------------------------------------------------------

    def invalid(self, number: str, code: int = 21211) -> None:
        """Refuse texts to `number` with this Twilio error code (21211: invalid 'To' number)."""
        with self._lock:
            self._invalid[number] = code

    def fail(self, times: int = 1, status: int = 500) -> None:
        """Answer the next `times` requests with a server error."""
        with self._lock:
            self._failures = (times, status)

    def mark(self) -> int:
        """The number of texts so far: pass it to `sent_to` to look only at what came after."""
        with self._lock:
            return len(self.texts)

    def sent_to(self, number: str, mark: int = 0) -> list[Text]:
        with self._lock:
            return [text for text in self.texts[mark:] if text.to == number]

    def snapshot(self) -> list[Text]:
        with self._lock:
            return list(self.texts)

    def report(self, sid: str, status: str = "delivered", error_code: int | None = None) -> httpx.Response:
        """Post the status callback for a text, signed as Twilio signs it."""
        text = next(t for t in self.snapshot() if t.sid == sid)
        assert text.status_callback, "the text was sent without a status callback"
        fields = {"MessageSid": sid, "MessageStatus": status, "AccountSid": self.account_sid, "To": text.to}
        if error_code is not None:
            fields["ErrorCode"] = str(error_code)
        signature = RequestValidator(self.auth_token).compute_signature(text.status_callback, fields)
        return httpx.post(
            text.status_callback, data=fields, headers={"X-Twilio-Signature": signature}, timeout=10
        )

    # --- the API ---------------------------------------------------------------------------

    async def _messages(self, request: Request) -> JSONResponse:
        if request.path_params["account"] != self.account_sid:
            return _error(404, 20404, "The requested resource was not found")
        auth = httpx.BasicAuth(self.account_sid, self.auth_token)
        expected = next(auth.auth_flow(httpx.Request("POST", "http://x"))).headers["Authorization"]
        if request.headers.get("authorization") != expected:
            return _error(401, 20003, "Authentication Error - invalid username")
        form = {key: str(value) for key, value in (await request.form()).items()}
        with self._lock:
            failing, status = self._failures
            if failing > 0:
                self._failures = (failing - 1, status)
                self.refused.append(form)
                return _error(status, 20500, "Internal Server Error")
            to, body = form.get("To", ""), form.get("Body", "")
            if to in self._invalid:
                self.refused.append(form)
                return _error(400, self._invalid[to], "The 'To' number is not a valid phone number.")
            if not body:
                return _error(400, 21602, "Message body is required.")
            sid = f"SM{next(self._sids):032d}"
            self.texts.append(Text(sid, to, form.get("From", ""), body, form.get("StatusCallback")))
        return JSONResponse(
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": to,
                "from": form.get("From"),
                "body": body,
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "api_version": "2010-04-01",
            },
            status_code=201,
        )


def _error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status_code=status,
    )

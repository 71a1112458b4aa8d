"""Client for the Rasa engine's REST channel, with a deadline so residents never wait in silence."""

from __future__ import annotations

from typing import Any, Protocol

import httpx


class EngineUnavailable(Exception):
    """The engine did not answer in time or answered with an error."""


class Engine(Protocol):
    async def send(self, sender_id: str, text: str) -> list[dict[str, Any]]: ...


class RasaEngine:
    def __init__(self, base_url: str, timeout_seconds: float) -> None:
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout_seconds)

    async def send(self, sender_id: str, text: str) -> list[dict[str, Any]]:
        try:
            response = await self._client.post(
                "/webhooks/rest/webhook", json={"sender": sender_id, "message": text}
            )
            response.raise_for_status()
            messages = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise EngineUnavailable(str(error)) from error
        if not isinstance(messages, list):
            raise EngineUnavailable("unexpected reply from the engine")
        return messages

    async def aclose(self) -> None:
        await self._client.aclose()

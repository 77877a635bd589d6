"""A socket.io client that talks to Rasa's socket.io channel as the website widget does
(`session_request` -> `session_confirm`, `user_uttered` -> `bot_uttered`), and can also send
what no widget would: any payload, any event.

A turn has no end marker: the replies of one message are collected until none arrived for
`quiet_s` seconds (after the first one, or after `first_s` if none came at all).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any, Dict, List, Optional

import socketio


class WidgetSocket:
    def __init__(self, url: str, origin: str) -> None:
        self.url = url
        self.origin = origin
        self.client = socketio.AsyncClient(reconnection=False, logger=False,
                                           engineio_logger=False)
        self.replies: asyncio.Queue = asyncio.Queue()
        self.confirmations: asyncio.Queue = asyncio.Queue()
        self.disconnected = asyncio.Event()
        self.client.on("bot_uttered", self._on_bot)
        self.client.on("session_confirm", self._on_confirm)
        self.client.on("disconnect", self._on_disconnect)

    async def _on_bot(self, data: Any) -> None:
        await self.replies.put(data)

    async def _on_confirm(self, data: Any) -> None:
        await self.confirmations.put(data)

    async def _on_disconnect(self) -> None:
        self.disconnected.set()

    async def connect(self, transport: str = "websocket") -> WidgetSocket:
        await self.client.connect(self.url, headers={"Origin": self.origin},
                                  transports=[transport], socketio_path="socket.io",
                                  wait_timeout=30)
        return self

    @property
    def connected(self) -> bool:
        return bool(self.client.connected) and not self.disconnected.is_set()

    async def session(self, session_id: Optional[str], timeout_s: float = 20.0) -> Any:
        """`session_request`; the server's `session_confirm` (the id it confirmed)."""
        await self.client.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(self.confirmations.get(), timeout_s)

    async def emit(self, event: str, payload: Any) -> None:
        await self.client.emit(event, payload)

    async def say(self, payload: Any, first_s: float = 30.0, quiet_s: float = 1.5
                  ) -> List[Dict[str, Any]]:
        """Emits `user_uttered` with `payload` (a text becomes a widget's own message, with
        the session id added by the caller) and collects the replies."""
        self.drain()
        await self.client.emit("user_uttered", payload)
        return await self.collect(first_s, quiet_s)

    async def collect(self, first_s: float, quiet_s: float) -> List[Dict[str, Any]]:
        got: List[Dict[str, Any]] = []
        deadline = time.monotonic() + first_s
        while True:
            wait = (deadline - time.monotonic()) if not got else quiet_s
            if wait <= 0:
                return got
            try:
                got.append(await asyncio.wait_for(self.replies.get(), wait))
            except asyncio.TimeoutError:
                return got

    def drain(self) -> List[Any]:
        stale = []
        while not self.replies.empty():
            stale.append(self.replies.get_nowait())
        return stale

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.client.disconnect()

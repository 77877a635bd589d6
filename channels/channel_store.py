"""The channels' persistent bookkeeping (`store.channel_state.ChannelState`) for async code.

Every call runs in a worker thread, so the event loop never waits on the database. One
instance per database URL and process, created without I/O; `ensure_schema()` brings the
schema up to date once, when the server starts (as every process that uses the store does).
"""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from typing import Any, Dict, List, Optional

from sqlalchemy.exc import SQLAlchemyError

from store.channel_state import ChannelState
from store.db import Database, database_url

# What a store call may raise when the database is unreachable or refuses a write.
STORE_ERRORS = (SQLAlchemyError, OSError)


class AsyncChannelState:
    def __init__(self, state: ChannelState) -> None:
        self.state = state
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    @classmethod
    def for_url(cls, url: Optional[str] = None) -> AsyncChannelState:
        """The shared instance for a database URL (default: `DATABASE_URL`)."""
        resolved = url or database_url()
        with _INSTANCES_LOCK:
            if resolved not in _INSTANCES:
                _INSTANCES[resolved] = cls(ChannelState(Database(resolved)))
            return _INSTANCES[resolved]

    async def ensure_schema(self) -> None:
        await asyncio.to_thread(self._migrate_once)

    def _migrate_once(self) -> None:
        with self._schema_lock:
            if not self._schema_ready:
                self.state.db.migrate()
                self._schema_ready = True

    async def claim_message(self, channel: str, message_id: str) -> bool:
        return await asyncio.to_thread(self.state.claim_message, channel, message_id)

    async def forget_message(self, channel: str, message_id: str) -> None:
        await asyncio.to_thread(self.state.forget_message, channel, message_id)

    async def touch_contact(self, conversation_id: str, channel: str) -> None:
        await asyncio.to_thread(self.state.touch_contact, conversation_id, channel)

    async def record_delivery_failure(self, conversation_id: str, channel: str,
                                      error: str) -> None:
        await asyncio.to_thread(self.state.record_delivery_failure, conversation_id, channel,
                                error)

    async def set_last_buttons(self, conversation_id: str, buttons: List[Any]) -> bool:
        return await asyncio.to_thread(self.state.set_last_buttons, conversation_id, buttons)

    async def take_last_buttons(self, conversation_id: str) -> Optional[List[Any]]:
        return await asyncio.to_thread(self.state.take_last_buttons, conversation_id)

    async def purge_processed(self, older_than: timedelta) -> int:
        return await asyncio.to_thread(self.state.purge_processed, older_than)


_INSTANCES: Dict[str, AsyncChannelState] = {}
_INSTANCES_LOCK = threading.Lock()

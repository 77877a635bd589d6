"""Dropping de-duplication records once no platform can still re-deliver their message.

Meta and Twilio retry a webhook for hours (Meta up to 7 days); the Cloud API channel refuses
anything older than its 24-hour window anyway. A claim is therefore kept for
`DEDUPE_RETENTION` (8 days) and then deleted, every `PURGE_EVERY_S`, by a task the channel
starts with the server and stops with it. Several replicas purging is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Optional

from channels.channel_store import STORE_ERRORS, AsyncChannelState
from channels.structured_log import describe_exception, log_event

logger = logging.getLogger(__name__)

DEDUPE_RETENTION = timedelta(days=8)
PURGE_EVERY_S = 6 * 60 * 60.0


class DedupeJanitor:
    def __init__(self, state: AsyncChannelState, retention: timedelta = DEDUPE_RETENTION,
                 every_s: float = PURGE_EVERY_S) -> None:
        self.state = state
        self.retention = retention
        self.every_s = every_s
        self._task: Optional[asyncio.Task[None]] = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def purge_once(self) -> Optional[int]:
        try:
            removed = await self.state.purge_processed(self.retention)
        except STORE_ERRORS as exc:
            log_event(logger, logging.WARNING, "channels.dedupe.purge_failed",
                      error=describe_exception(exc))
            return None
        log_event(logger, logging.INFO, "channels.dedupe.purged", removed=removed)
        return removed

    async def _run(self) -> None:
        while True:
            await self.purge_once()
            await asyncio.sleep(self.every_s)

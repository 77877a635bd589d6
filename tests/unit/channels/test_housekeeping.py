"""Old de-duplication records are purged; a purge failure is logged, not raised."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from channels.channel_store import AsyncChannelState
from channels.housekeeping import DEDUPE_RETENTION, DedupeJanitor
from channels.whatsapp_cloud_channel import DEFAULT_MAX_MESSAGE_AGE_S
from store.models import ProcessedMessage, utcnow


@pytest.mark.asyncio
async def test_old_claims_are_purged_recent_ones_kept(channel_state: AsyncChannelState) -> None:
    assert timedelta(seconds=DEFAULT_MAX_MESSAGE_AGE_S) < DEDUPE_RETENTION  # see housekeeping
    await channel_state.claim_message("whatsapp", "wamid.old")
    await channel_state.claim_message("whatsapp", "wamid.new")
    with channel_state.state.db.session() as session:
        session.execute(update(ProcessedMessage)
                        .where(ProcessedMessage.message_id == "wamid.old")
                        .values(created_at=utcnow() - timedelta(days=9)))
    assert await DedupeJanitor(channel_state).purge_once() == 1
    assert await channel_state.claim_message("whatsapp", "wamid.old") is True
    assert await channel_state.claim_message("whatsapp", "wamid.new") is False


@pytest.mark.asyncio
async def test_a_failed_purge_is_logged(channel_state: AsyncChannelState,
                                        caplog: pytest.LogCaptureFixture) -> None:
    class Broken(AsyncChannelState):
        async def purge_processed(self, older_than: timedelta) -> int:
            raise OperationalError("DELETE", {}, Exception("locked"))

    with caplog.at_level(logging.WARNING, logger="channels.housekeeping"):
        assert await DedupeJanitor(Broken(channel_state.state)).purge_once() is None
    assert caplog.messages[-1].startswith("channels.dedupe.purge_failed")


@pytest.mark.asyncio
async def test_runs_until_stopped(channel_state: AsyncChannelState) -> None:
    janitor = DedupeJanitor(channel_state, every_s=0.01)
    janitor.start()
    janitor.start()  # idempotent
    await asyncio.sleep(0.05)
    await janitor.stop()
    await janitor.stop()

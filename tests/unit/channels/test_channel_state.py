"""The store methods the channels rely on (store/channel_state.py), on a migrated SQLite."""

from __future__ import annotations

import pytest

from channels.channel_store import AsyncChannelState

CONVERSATION = "whatsapp:+27821234567"
OFFER = [{"title": "Pain", "payload": "/pain"}, {"title": "Tension", "payload": "/tension"}]


@pytest.mark.asyncio
async def test_claim_is_once_per_channel_and_id(channel_state: AsyncChannelState) -> None:
    assert await channel_state.claim_message("whatsapp", "wamid.1") is True
    assert await channel_state.claim_message("whatsapp", "wamid.1") is False
    assert await channel_state.claim_message("twilio_whatsapp", "wamid.1") is True
    await channel_state.forget_message("whatsapp", "wamid.1")
    assert await channel_state.claim_message("whatsapp", "wamid.1") is True


@pytest.mark.asyncio
async def test_last_buttons_are_taken_once(channel_state: AsyncChannelState) -> None:
    assert await channel_state.set_last_buttons(CONVERSATION, OFFER) is False  # no contact yet
    await channel_state.touch_contact(CONVERSATION, "twilio_whatsapp")
    assert await channel_state.take_last_buttons(CONVERSATION) is None
    assert await channel_state.set_last_buttons(CONVERSATION, OFFER) is True
    assert await channel_state.take_last_buttons(CONVERSATION) == OFFER
    assert await channel_state.take_last_buttons(CONVERSATION) is None  # an offer is answered once


@pytest.mark.asyncio
async def test_last_buttons_survive_a_new_store_instance(channel_state: AsyncChannelState
                                                         ) -> None:
    """Another replica, or this one after a restart, reads the same offer."""
    await channel_state.touch_contact(CONVERSATION, "twilio_whatsapp")
    await channel_state.set_last_buttons(CONVERSATION, OFFER)
    from store.channel_state import ChannelState
    from store.db import Database

    other = AsyncChannelState(ChannelState(Database(channel_state.state.db.url)))
    assert await other.take_last_buttons(CONVERSATION) == OFFER


@pytest.mark.asyncio
async def test_touch_keeps_the_offer(channel_state: AsyncChannelState) -> None:
    await channel_state.touch_contact(CONVERSATION, "twilio_whatsapp")
    await channel_state.set_last_buttons(CONVERSATION, OFFER)
    await channel_state.touch_contact(CONVERSATION, "twilio_whatsapp")
    assert await channel_state.take_last_buttons(CONVERSATION) == OFFER


@pytest.mark.asyncio
async def test_delivery_failures_are_recorded(channel_state: AsyncChannelState) -> None:
    await channel_state.record_delivery_failure(CONVERSATION, "twilio_whatsapp", "x" * 900)
    failures = channel_state.state.delivery_failures(CONVERSATION)
    assert len(failures) == 1 and len(failures[0].error) == 500


def test_one_shared_instance_per_database_url(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/shared.db"
    assert AsyncChannelState.for_url(url) is AsyncChannelState.for_url(url)
    assert AsyncChannelState.for_url(url) is not AsyncChannelState.for_url(url + "x")


@pytest.mark.asyncio
async def test_ensure_schema_migrates_once(tmp_path) -> None:
    state = AsyncChannelState.for_url(f"sqlite:///{tmp_path}/fresh.db")
    await state.ensure_schema()
    await state.ensure_schema()
    assert await state.claim_message("whatsapp", "wamid.fresh") is True


@pytest.mark.asyncio
@pytest.mark.parametrize("odd_id", ["wamid.\x00x", "SM\udc80", "wamid." + "x" * 300])
async def test_an_id_the_database_cannot_hold_is_still_claimed_once(
        channel_state: AsyncChannelState, odd_id: str) -> None:
    assert await channel_state.claim_message("whatsapp", odd_id) is True
    assert await channel_state.claim_message("whatsapp", odd_id) is False
    await channel_state.forget_message("whatsapp", odd_id)
    assert await channel_state.claim_message("whatsapp", odd_id) is True

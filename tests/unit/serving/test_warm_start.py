"""The warm-up rehearses a conversation through the message processor on stores of its own, in
memory, touches the tracker store, the lock store and the action server, stores nothing, and
gives up rather than hold the server's start."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any, List, Tuple

import pytest
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from serving import warm_start
from tests.standins.runner import LocalServer


def test_the_health_url_sits_next_to_the_webhook() -> None:
    assert warm_start.health_url("http://actions:5055/webhook") == "http://actions:5055/health"
    assert warm_start.health_url("https://a.example/x/webhook?t=1") == "https://a.example/health"


class FakeStore:
    def __init__(self) -> None:
        self.read: List[str] = []

    async def retrieve(self, sender_id: str) -> None:
        self.read.append(sender_id)

    async def save(self, tracker: Any) -> None:
        pytest.fail("the warm-up must store nothing")


class FakeProcessor:
    """Records each turn with the stores it was handled on; answers every turn."""

    def __init__(self, hang: bool = False) -> None:
        self.tracker_store: Any = FakeStore()
        self.lock_store: Any = "the agent's lock store"
        self.turns: List[Tuple[str, str, Any, Any]] = []
        self.hang = hang

    async def handle_message(self, message: Any) -> None:
        if self.hang:
            await asyncio.Event().wait()
        self.turns.append((message.sender_id, message.text, self.tracker_store, self.lock_store))
        await message.output_channel.send_text_message(message.sender_id, "a reply")


class FakeAgent:
    def __init__(self, endpoint: EndpointConfig, processor: Any = None) -> None:
        from rasa.core.lock_store import InMemoryLockStore

        class RecordingLockStore(InMemoryLockStore):
            def __init__(self) -> None:
                super().__init__()
                self.locked: List[str] = []

            def lock(self, conversation_id: str, *args: Any, **kwargs: Any) -> Any:
                self.locked.append(conversation_id)
                return super().lock(conversation_id, *args, **kwargs)

        from rasa.shared.core.domain import Domain

        self.domain = Domain.empty()
        self.processor = processor if processor is not None else FakeProcessor()
        self.lock_store = RecordingLockStore()
        self.tracker_store = FakeStore()
        self.action_endpoint = endpoint


@pytest.fixture()
def unfrozen() -> Any:
    yield
    gc.unfreeze()


@pytest.mark.asyncio
async def test_the_warm_up_rehearses_in_memory_and_asks_the_action_servers_health(
        unfrozen: None) -> None:
    health_checks: List[str] = []

    async def health(request: web.Request) -> web.Response:
        health_checks.append(request.path)
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_get("/health", health)
    server = await LocalServer(app).start()
    try:
        endpoint = EndpointConfig(url=f"{server.base_url}/webhook")
        agent = FakeAgent(endpoint)
        shared = warm_start.SharedSession(endpoint)
        endpoint.session = shared  # type: ignore[method-assign]
        await warm_start.warm_up(agent)  # type: ignore[arg-type]
        await shared.close()
    finally:
        await server.stop()
    from rasa.core.lock_store import InMemoryLockStore
    from rasa.core.tracker_store import AwaitableTrackerStore, InMemoryTrackerStore

    turns = agent.processor.turns
    assert [text for _, text, _, _ in turns] == list(warm_start.REHEARSAL_TURNS)
    assert len({who for who, _, _, _ in turns}) == 1  # one conversation
    assert turns[0][0].startswith("warm-up-")
    for _, _, tracker_store, lock_store in turns:
        assert isinstance(tracker_store, AwaitableTrackerStore)
        assert isinstance(tracker_store._tracker_store, InMemoryTrackerStore)
        assert tracker_store.event_broker is None  # nothing published
        assert isinstance(lock_store, InMemoryLockStore)
    # the agent's own processor keeps its stores
    assert agent.processor.lock_store == "the agent's lock store"
    assert isinstance(agent.processor.tracker_store, FakeStore)
    assert len(agent.tracker_store.read) == 1
    assert agent.tracker_store.read[0].startswith("warm-up-")
    assert health_checks == ["/health"]
    assert [c[:8] for c in agent.lock_store.locked] == ["warm-up-"]
    assert agent.lock_store.conversation_locks == {}  # locked and freed


@pytest.mark.asyncio
async def test_a_hung_rehearsal_is_given_up_and_the_server_starts(
        caplog: pytest.LogCaptureFixture, unfrozen: None) -> None:
    agent = FakeAgent(EndpointConfig(url=None), FakeProcessor(hang=True))
    caplog.set_level(logging.INFO, logger="serving.warm_start")
    await asyncio.wait_for(warm_start.warm_up(agent, timeout_s=0.2), 10)  # type: ignore[arg-type]
    assert "server.warm_up.failed error=TimeoutError" in caplog.text
    assert "server.warm_up.done" not in caplog.text
    assert gc.get_freeze_count() > 0  # start-up objects frozen all the same


@pytest.mark.asyncio
async def test_the_rehearsal_counts_the_replies_it_got() -> None:
    processor = FakeProcessor()
    assert await warm_start.rehearse(processor, ("hi", "bye")) == 2  # type: ignore[arg-type]
    assert [text for _, text, _, _ in processor.turns] == ["hi", "bye"]


def test_no_rehearsal_without_a_loaded_model() -> None:
    agent = FakeAgent(EndpointConfig(url=None))
    agent.processor = None
    assert warm_start.rehearsal_processor(agent) is None  # type: ignore[arg-type]


def test_the_innermost_store_is_found_under_rasas_wrappers() -> None:
    inner = FakeStore()

    class Wrapper:
        def __init__(self, wrapped: object) -> None:
            self._tracker_store = wrapped

    assert warm_start.innermost_store(Wrapper(Wrapper(inner))) is inner
    assert warm_start.innermost_store(None) is None


def test_what_start_up_built_is_left_out_of_full_collections() -> None:
    import gc

    built_at_start_up = [[] for _ in range(100)]
    gc.unfreeze()
    try:
        warm_start.freeze_startup_objects()
        assert gc.get_freeze_count() >= len(built_at_start_up)
        gc.collect()
        assert gc.get_freeze_count() >= len(built_at_start_up)  # full passes leave them be
    finally:
        gc.unfreeze()

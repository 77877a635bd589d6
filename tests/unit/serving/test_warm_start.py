"""The warm-up touches the NLU, the policies, the tracker store and the action server, and
stores nothing."""

from __future__ import annotations

from typing import Any, List

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


class FakeAgent:
    def __init__(self, endpoint: EndpointConfig) -> None:
        from rasa.core.lock_store import InMemoryLockStore

        class RecordingLockStore(InMemoryLockStore):
            def __init__(self) -> None:
                super().__init__()
                self.locked: List[str] = []

            def lock(self, conversation_id: str, *args: Any, **kwargs: Any) -> Any:
                self.locked.append(conversation_id)
                return super().lock(conversation_id, *args, **kwargs)

        self.domain = None
        self.lock_store = RecordingLockStore()
        self.tracker_store = FakeStore()
        self.action_endpoint = endpoint
        self.parsed: List[str] = []
        self.predicted = 0

    async def parse_message(self, text: str) -> None:
        self.parsed.append(text)

    def predict_next_with_tracker(self, tracker: Any) -> None:
        self.predicted += 1


@pytest.mark.asyncio
async def test_the_warm_up_reads_nothing_real_and_asks_the_action_servers_health() -> None:
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
    assert agent.parsed and agent.predicted == 1
    assert len(agent.tracker_store.read) == 1
    assert agent.tracker_store.read[0].startswith("warm-up-")
    assert health_checks == ["/health"]
    assert [c[:8] for c in agent.lock_store.locked] == ["warm-up-"]
    assert agent.lock_store.conversation_locks == {}  # locked and freed


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

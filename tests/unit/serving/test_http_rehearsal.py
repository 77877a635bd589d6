"""The rehearsal through the worker's own HTTP handling: it reaches the REST webhook through
Sanic's ASGI entry point, is answered by the rehearsal processor (never the real one), and
leaves the agent and the app as they were."""

from __future__ import annotations

import itertools
import json
from types import SimpleNamespace
from typing import Any, Dict, List

import pytest
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic, response

from channels.rest_channel import GuardedRestInput
from serving import http_rehearsal, warm_start

_NAMES = itertools.count()


@pytest.fixture(autouse=True)
def _sanic_test_mode() -> None:
    Sanic.test_mode = True  # several apps in one process


class FakeStore:
    """The rehearsal processor's in-memory tracker store: what it kept, by sender."""

    def __init__(self) -> None:
        self.kept: Dict[str, Any] = {}

    async def retrieve(self, sender_id: str) -> Any:
        return self.kept.get(sender_id)


class FakeProcessor:
    def __init__(self, name: str) -> None:
        self.name = name
        self.tracker_store = FakeStore()


class FakeAgent:
    """Rasa's agent as the channel handler uses it: `handle_message` goes to `processor`."""

    def __init__(self, fail: bool = False) -> None:
        self.processor: Any = FakeProcessor("real")
        self.domain = object()
        self.handled_by: List[str] = []
        self.fail = fail

    async def handle_message(self, message: UserMessage) -> None:
        self.handled_by.append(self.processor.name)
        if self.fail:
            raise RuntimeError("the turn failed")  # the turn guard apologises
        self.processor.tracker_store.kept[message.sender_id] = SimpleNamespace(
            latest_message=SimpleNamespace(text=message.text))
        for text in ("hello", "how can I help?"):  # as Rasa's processor sends replies
            await message.output_channel.send_response(message.sender_id, {"text": text})


async def started_app(with_rest: bool = True, fail: bool = False) -> Sanic:
    app = Sanic(f"http_rehearsal_{next(_NAMES)}", configure_logging=False)
    if with_rest:
        register([GuardedRestInput()], app, "/webhooks/")
    else:
        @app.get("/")
        async def hello(_request):  # type: ignore[no-untyped-def]
            return response.text("hello")
    app.ctx.agent = FakeAgent(fail)
    await app._startup()  # what Sanic's server does before its start listeners
    return app


@pytest.fixture
def rehearsal(monkeypatch: pytest.MonkeyPatch) -> None:
    """warm_start's rehearsal processor, as a recognisable stand-in."""
    monkeypatch.setattr(warm_start, "rehearsal_processor",
                        lambda agent: FakeProcessor("rehearsal"))


@pytest.mark.asyncio
@pytest.mark.usefixtures("rehearsal")
async def test_a_message_reaches_the_rest_webhook_and_the_rehearsal_processor_answers(
        caplog: pytest.LogCaptureFixture) -> None:
    app = await started_app()
    caplog.set_level("INFO", logger="serving.http_rehearsal")
    assert await http_rehearsal.rehearse_over_http(app) == 200
    agent = app.ctx.agent
    assert agent.handled_by == ["rehearsal"]  # never the real processor
    assert agent.processor.name == "real"  # put back
    assert app.asgi is False  # Sanic's own server runs with ASGI off
    assert "server.warm_up.http status=200 replies=2" in caplog.text


@pytest.mark.asyncio
@pytest.mark.usefixtures("rehearsal")
async def test_a_failed_turn_answered_with_the_apology_is_reported_as_failed(
        caplog: pytest.LogCaptureFixture) -> None:
    app = await started_app(fail=True)
    assert await http_rehearsal.rehearse_over_http(app) == 200  # the turn guard's apology
    assert "server.warm_up.http_failed status=200 handled=False" in caplog.text
    assert "server.warm_up.http status=" not in caplog.text
    assert app.ctx.agent.processor.name == "real"


@pytest.mark.asyncio
@pytest.mark.usefixtures("rehearsal")
async def test_the_real_processor_is_put_back_when_the_rehearsal_fails(
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = await started_app()

    async def broken(*_args: Any) -> None:
        raise ConnectionError("boom")

    monkeypatch.setattr(http_rehearsal, "post_through_app", broken)
    with pytest.raises(ConnectionError):
        await http_rehearsal.rehearse_over_http(app)
    assert app.ctx.agent.processor.name == "real"


@pytest.mark.asyncio
async def test_without_a_rest_webhook_or_an_agent_nothing_is_sent() -> None:
    app = await started_app(with_rest=False)
    assert await http_rehearsal.rehearse_over_http(app) is None
    assert app.ctx.agent.handled_by == []
    bare = await started_app()
    del bare.ctx.agent
    assert await http_rehearsal.rehearse_over_http(bare) is None


@pytest.mark.asyncio
async def test_bad_input_through_the_asgi_entry_point_gets_the_channels_own_answer() -> None:
    app = await started_app()
    status, body = await http_rehearsal.post_through_app(app, "/webhooks/rest/webhook",
                                                         {"message": "no sender"})
    assert status == 400 and b"sender" in body
    status, body = await http_rehearsal.post_through_app(
        app, "/webhooks/rest/webhook", {"sender": "s1", "message": "hi"})
    assert status == 200 and json.loads(body) == [
        {"recipient_id": "s1", "text": "hello"}, {"recipient_id": "s1", "text": "how can I help?"}]


@pytest.mark.asyncio
@pytest.mark.usefixtures("rehearsal")
async def test_once_the_server_serves_the_processor_is_never_swapped(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from serving import server_hooks

    app = await started_app()

    async def get_ready(_app: Any) -> None:
        return None

    monkeypatch.setattr(server_hooks, "get_ready", get_ready)
    await server_hooks.on_serving(app)  # Sanic's after_server_start: visitors may come now
    assert await http_rehearsal.rehearse_over_http(app) is None
    assert app.ctx.agent.handled_by == []
    assert "server.warm_up.http_skipped reason=already_serving" in caplog.text

"""Fixtures for the channel tests: a migrated SQLite store per test, the API stand-ins on free
ports, a real Sanic server with a channel's blueprint mounted as Rasa mounts it, and a fake
Rasa that records the `UserMessage`s it is handed."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import socket
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Dict, List, Optional

import pytest
import pytest_asyncio
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Sanic

from channels.channel_store import AsyncChannelState
from store.channel_state import ChannelState
from store.db import Database
from tests.standins.graph_api import GraphApiStandin
from tests.standins.runner import LocalServer
from tests.standins.twilio_api import TwilioApiStandin

_APP_NAMES = itertools.count(1)


@pytest.fixture(scope="session")
def migrated_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "template.db"
    db = Database(f"sqlite:///{path}")
    db.migrate()
    db.dispose()
    return path


@pytest.fixture
def channel_state(tmp_path: Path, migrated_db_template: Path) -> AsyncChannelState:
    path = tmp_path / "channels.db"
    shutil.copy(migrated_db_template, path)
    state = AsyncChannelState(ChannelState(Database(f"sqlite:///{path}")))
    state._schema_ready = True  # copied from a migrated template
    return state


@pytest_asyncio.fixture
async def graph_api() -> AsyncIterator[GraphApiStandin]:
    standin = GraphApiStandin()
    server = await LocalServer(standin.app).start()
    standin.base_url = server.base_url
    yield standin
    await server.stop()


@pytest_asyncio.fixture
async def twilio_api() -> AsyncIterator[TwilioApiStandin]:
    standin = TwilioApiStandin()
    server = await LocalServer(standin.app).start()
    standin.base_url = server.base_url
    yield standin
    await server.stop()


class FakeRasa:
    """Stands in for `agent.handle_message`: records each message and, like Rasa, answers
    through the message's output channel with `replies` (Rasa response dicts)."""

    def __init__(self) -> None:
        self.messages: List[UserMessage] = []
        self.replies: List[Dict[str, Any]] = []
        self.fail_with: Optional[BaseException] = None
        self.delay_s = 0.0
        self.gate: Optional[asyncio.Event] = None  # when set, each turn waits for it

    async def __call__(self, message: UserMessage) -> None:
        if self.gate is not None:
            await self.gate.wait()
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        self.messages.append(message)
        if self.fail_with is not None:
            raise self.fail_with
        for reply in self.replies:
            await message.output_channel.send_response(message.sender_id, dict(reply))

    @property
    def texts(self) -> List[Optional[str]]:
        return [m.text for m in self.messages]


@pytest.fixture
def fake_rasa() -> FakeRasa:
    return FakeRasa()


@asynccontextmanager
async def serving(channel: InputChannel,
                  on_new_message: Callable[[UserMessage], Awaitable[Any]]
                  ) -> AsyncIterator[str]:
    """A real Sanic server on a free port with the channel mounted at /webhooks/<name>/, as
    Rasa mounts input channels; yields the base URL of the channel's routes."""
    app = Sanic(f"channel_test_{next(_APP_NAMES)}", configure_logging=False)
    app.blueprint(channel.blueprint(on_new_message),
                  url_prefix=f"/webhooks/{channel.url_prefix()}")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()  # create_server already listens; now run the start listeners
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}/webhooks/{channel.url_prefix()}"
    finally:
        await server.before_stop()
        closing = server.close()
        if closing is not None:
            await closing
        await server.after_stop()


class RecordingSleep:
    """An injected sleep for the API clients: records the delays, waits for none of them."""

    def __init__(self) -> None:
        self.delays: List[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def recording_sleep() -> RecordingSleep:
    return RecordingSleep()

from __future__ import annotations

import pytest
from sanic import Sanic, response

from serving import server_hooks


@pytest.fixture(autouse=True)
def _sanic_test_mode() -> None:
    Sanic.test_mode = True


def app_with(env: dict) -> Sanic:
    app = Sanic(f"hooks{abs(hash(str(env)))}")

    @app.get("/conversations/<cid>/tracker")
    async def tracker(_request, cid):  # type: ignore[no-untyped-def]
        return response.json({"sender_id": cid})

    @app.post("/webhooks/rest/webhook")
    async def webhook(request):  # type: ignore[no-untyped-def]
        return response.json([])

    @app.get("/")
    async def hello(_request):  # type: ignore[no-untyped-def]
        return response.text("Hello from Rasa")

    server_hooks.attach(app, env)
    return app


@pytest.mark.parametrize(("path", "public"), [
    ("/", True), ("/webhooks/rest/webhook", True), ("/socket.io/", True),
    ("/conversations/x/tracker", False), ("/model", False), ("/status", False),
    ("/webhooksX", False),
])
def test_which_paths_are_public(path: str, public: bool) -> None:
    assert server_hooks.is_public_path(path) is public


@pytest.mark.parametrize(("ip", "allowed"), [
    ("127.0.0.1", True), ("::1", True), ("10.1.2.3", False), ("", False), ("nonsense", False),
])
def test_default_networks_are_this_machine_only(ip: str, allowed: bool) -> None:
    networks = server_hooks.allowed_networks({})
    assert server_hooks.client_allowed(ip, networks) is allowed


def test_the_api_is_refused_outside_the_allowed_networks_but_webhooks_are_not() -> None:
    app = app_with({"RASA_API_ALLOW_FROM": "10.0.0.0/8"})  # the test client is 127.0.0.1
    _, api = app.test_client.get("/conversations/abc/tracker")
    _, hook = app.test_client.post("/webhooks/rest/webhook", json={})
    assert api.status == 403
    assert hook.status == 200


def test_the_api_answers_this_machine_by_default() -> None:
    _, api = app_with({}).test_client.get("/conversations/abc/tracker")
    assert api.status == 200


def test_a_body_over_the_limit_is_refused() -> None:
    app = app_with({"MAX_REQUEST_BYTES": "1000"})
    _, reply = app.test_client.post("/webhooks/rest/webhook", data="x" * 5000)
    assert reply.status == 413


@pytest.mark.asyncio
async def test_a_failed_http_rehearsal_is_logged_and_does_not_stop_the_start(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from serving import http_rehearsal

    async def broken(app: object) -> None:
        raise ConnectionError("boom")

    monkeypatch.setattr(http_rehearsal, "rehearse_over_http", broken)
    await server_hooks.rehearse_requests(object())  # type: ignore[arg-type]
    assert "server.warm_up.http_failed error=ConnectionError" in caplog.text

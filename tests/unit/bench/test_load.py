"""The load generator against a tiny in-process REST stand-in (no Rasa, no timing asserted)."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List

from aiohttp import web

from bench.conversations import Turn, script
from bench.load import REST_PATH, LoadResult, TurnResult, classify, run_load


def test_classify_names_each_kind_of_error() -> None:
    turn = Turn("hi")
    assert classify(200, b'[{"text": "hello"}]', turn) is None
    assert classify(500, b"oops", turn) == "HTTP 500"
    assert classify(200, b"[]", turn) == "empty reply"
    assert classify(200, b"[]", Turn("...", expect_reply=False)) is None
    assert classify(200, b"not json", turn) == "reply is not JSON"
    assert classify(200, b'{"text": "hi"}', turn) == "reply is not a list"


def test_load_result_figures() -> None:
    result = LoadResult(concurrency=2, elapsed_s=2.0, turns=[
        TurnResult(0, 0, 10.0), TurnResult(0, 1, 20.0), TurnResult(1, 0, 30.0, "empty reply"),
        TurnResult(1, 1, None, "no answer within 60 s"), TurnResult(1, 2, 40.0, "empty reply"),
    ])
    assert result.latencies_ms == [10.0, 20.0, 30.0, 40.0]
    assert len(result.errors) == 3
    assert result.messages_per_s == 1.0  # two turns without error in two seconds
    assert result.first_turn_ms(1) == 30.0
    assert result.first_turn_ms(7) is None
    assert result.percentile_ms(50) == 25.0
    assert result.error_summary() == "empty reply x2; no answer within 60 s x1"


def serve_and_load(handler: Any, scripts: list, concurrency: int) -> LoadResult:
    async def scenario() -> LoadResult:
        app = web.Application()
        app.router.add_post(REST_PATH, handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            return await run_load(f"http://127.0.0.1:{port}", scripts, concurrency, "t",
                                  timeout_s=10)
        finally:
            await runner.cleanup()
    return asyncio.run(scenario())


def test_conversations_run_turn_by_turn_with_their_own_sender_ids() -> None:
    seen: List[Dict[str, str]] = []
    in_flight: Dict[str, int] = {}

    async def rest(request: web.Request) -> web.Response:
        body = await request.json()
        sender = body["sender"]
        in_flight[sender] = in_flight.get(sender, 0) + 1
        assert in_flight[sender] == 1  # a visitor waits for the reply before the next turn
        await asyncio.sleep(0.01)
        seen.append(body)
        in_flight[sender] -= 1
        return web.json_response([{"recipient_id": sender, "text": "ok"}])

    scripts = [script("a", "1", "2", "3"), script("b", "x", "y")] * 3
    result = serve_and_load(rest, scripts, concurrency=4)
    assert len(result.turns) == 15 and not result.errors
    senders = {body["sender"] for body in seen}
    assert len(senders) == 6
    by_sender: Dict[str, List[str]] = {}
    for body in seen:
        by_sender.setdefault(body["sender"], []).append(body["message"])
    assert sorted(map(tuple, by_sender.values())) == sorted(
        [("1", "2", "3")] * 3 + [("x", "y")] * 3)
    assert result.concurrency == 4 and result.elapsed_s > 0


def test_empty_replies_and_server_errors_are_counted() -> None:
    async def rest(request: web.Request) -> web.Response:
        body = await request.json()
        if body["message"] == "boom":
            return web.Response(status=500, text="error")
        if body["message"] == "silence":
            return web.json_response([])
        return web.Response(text=json.dumps([{"text": "fine"}]), content_type="application/json")

    result = serve_and_load(rest, [script("s", "hi", "boom", "silence", "bye")], 1)
    assert [t.error for t in result.turns] == [None, "HTTP 500", "empty reply", None]
    assert result.messages_per_s is not None


def test_an_unreachable_server_gives_errors_not_an_exception() -> None:
    result = asyncio.run(run_load("http://127.0.0.1:9", [script("s", "hi", "bye")], 2, "t",
                                  timeout_s=5))
    assert len(result.errors) == 2
    assert all(t.latency_ms is None for t in result.turns)
    assert result.error_summary().startswith("request failed")


def test_each_conversation_has_a_connection_of_its_own_kept_for_its_turns() -> None:
    connection_of: Dict[str, set] = {}

    async def rest(request: web.Request) -> web.Response:
        body = await request.json()
        peer = request.transport.get_extra_info("peername") if request.transport else None
        connection_of.setdefault(body["sender"], set()).add(peer)
        return web.json_response([{"text": "ok"}])

    scripts = [script("a", "1", "2", "3")] * 4
    result = serve_and_load(rest, scripts, concurrency=2)
    assert not result.errors
    assert all(len(peers) == 1 for peers in connection_of.values())  # kept alive
    assert len(set().union(*connection_of.values())) == 4  # one per conversation


def test_spaced_visitors_each_arrive_after_the_same_pause() -> None:
    """run_spaced_sync: one conversation at a time, a pause before each (the first too), the
    turns numbered by conversation, the pauses left out of the elapsed time."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from bench.load import run_spaced_sync

    senders: List[str] = []

    class Rest(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # http.server's name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            senders.append(body["sender"])
            reply = json.dumps([{"text": "ok"}]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Rest)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    pauses: List[float] = []
    try:
        result = run_spaced_sync(f"http://127.0.0.1:{server.server_address[1]}",
                                 [script("a", "1", "2"), script("b", "x")] * 2, 0.25, "t",
                                 timeout_s=10, deadline_s=60, sleep=pauses.append)
    finally:
        server.shutdown()
    assert pauses == [0.25] * 4
    assert [(t.conversation, t.turn) for t in result.turns] == [
        (0, 0), (0, 1), (1, 0), (2, 0), (2, 1), (3, 0)]
    assert not result.errors and result.first_turn_ms(3) is not None
    assert len(set(senders)) == 4 and senders[0] == senders[1]  # one sender per conversation
    assert 0 < result.elapsed_s < 1.0  # the (recorded, not slept) pauses are not in it

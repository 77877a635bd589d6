"""A TCP proxy on 127.0.0.1 that a test can cut and restore, to make a server (PostgreSQL,
Redis) unreachable for a while without touching the real server.

The proxy runs its own asyncio loop in a daemon thread, so synchronous tests and asyncio tests
can both drive it; `cut()`, `restore()` and `outage()` are thread-safe and return once the
change is in effect.

Two kinds of outage:

* `"reset"` (default): every open connection is aborted with a TCP reset, and every new
  connection is accepted and reset at once, as when the server's host goes down or a firewall
  rejects the traffic. Clients see errors immediately.
* `"stall"`: nothing is forwarded in either direction and new connections are held, as in a
  network partition. Bytes are kept, not dropped: when the proxy is restored they flow again,
  so a connection that lives through a short stall carries on.

    with TcpProxy("127.0.0.1", 5432) as proxy:       # clients use proxy.port
        with proxy.outage(seconds=3):                 # unreachable for 3 s, then restored
            ...
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
import time
from dataclasses import dataclass
from typing import Any, Coroutine, Iterator, Optional, Set

CHUNK = 64 * 1024
MODES = ("reset", "stall")


@dataclass
class ProxyStats:
    accepted: int = 0  # connections accepted from clients
    forwarded: int = 0  # connections that reached the upstream server
    reset: int = 0  # connections aborted by a cut (open ones and refused new ones)
    upstream_failures: int = 0  # the upstream server itself refused or failed
    bytes_up: int = 0
    bytes_down: int = 0


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int, name: str = "proxy",
                 listen_host: str = "127.0.0.1") -> None:
        self.upstream_host = upstream_host
        self.upstream_port = int(upstream_port)
        self.name = name
        self.listen_host = listen_host
        self.port: Optional[int] = None
        self.stats = ProxyStats()
        self._mode: Optional[str] = None  # None: forwarding; else the kind of outage
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._server: Optional[asyncio.AbstractServer] = None
        self._flowing: Optional[asyncio.Event] = None
        self._writers: Set[asyncio.StreamWriter] = set()
        self._tasks: Set[asyncio.Task] = set()

    # --- life cycle (any thread) --------------------------------------------------------

    def start(self, timeout_s: float = 10.0) -> TcpProxy:
        ready = threading.Event()
        failure: list = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                loop.run_until_complete(self._listen())
            except Exception as error:
                failure.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self._shutdown())
                loop.close()

        self._thread = threading.Thread(target=run, name=f"tcp-proxy-{self.name}", daemon=True)
        self._thread.start()
        if not ready.wait(timeout_s):
            raise RuntimeError(f"{self.name}: the proxy did not start")
        if failure:
            raise RuntimeError(f"{self.name}: the proxy did not start: {failure[0]!r}")
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def address(self) -> str:
        return f"{self.listen_host}:{self.port}"

    @property
    def is_cut(self) -> bool:
        return self._mode is not None

    # --- outages (any thread) -----------------------------------------------------------

    def cut(self, mode: str = "reset") -> None:
        """Makes the upstream unreachable through this proxy until `restore()`."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        self._call(self._cut(mode))

    def restore(self) -> None:
        """Forwards again; with "stall", held bytes and connections go through now."""
        self._call(self._restore())

    @contextlib.contextmanager
    def outage(self, mode: str = "reset", seconds: Optional[float] = None) -> Iterator[None]:
        """Cut on entry; restored after `seconds` (if given) and in any case on exit."""
        self.cut(mode)
        try:
            yield
            if seconds is not None:
                time.sleep(seconds)
        finally:
            self.restore()

    def restore_after(self, seconds: float) -> threading.Timer:
        """Restores the proxy `seconds` from now, from a timer thread (for a request that
        blocks the test meanwhile)."""
        timer = threading.Timer(seconds, self.restore)
        timer.daemon = True
        timer.start()
        return timer

    # --- inside the proxy's loop ----------------------------------------------------------

    def _call(self, coroutine: Coroutine[Any, Any, None], timeout_s: float = 10.0) -> None:
        if self._loop is None:
            coroutine.close()
            raise RuntimeError(f"{self.name}: the proxy is not running")
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout_s)

    async def _listen(self) -> None:
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._server = await asyncio.start_server(self._accept, self.listen_host, 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _cut(self, mode: str) -> None:
        assert self._flowing is not None
        self._mode = mode
        self._flowing.clear()
        if mode == "reset":
            for writer in list(self._writers):
                self._abort(writer)

    async def _restore(self) -> None:
        assert self._flowing is not None
        self._mode = None
        self._flowing.set()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
        for writer in list(self._writers):
            self._abort(writer)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _abort(self, writer: asyncio.StreamWriter) -> None:
        """Closes with a TCP reset (SO_LINGER 0), not a polite FIN."""
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
        if writer in self._writers:
            self._writers.discard(writer)
            self.stats.reset += 1

    async def _accept(self, client_reader: asyncio.StreamReader,
                      client_writer: asyncio.StreamWriter) -> None:
        assert self._flowing is not None
        self.stats.accepted += 1
        self._writers.add(client_writer)
        if self._mode == "reset":
            self._abort(client_writer)
            return
        await self._flowing.wait()  # a stalled proxy holds new connections
        if client_writer not in self._writers:  # reset while held
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port)
        except OSError:
            self.stats.upstream_failures += 1
            self._abort(client_writer)
            return
        self.stats.forwarded += 1
        self._writers.add(upstream_writer)
        up = asyncio.ensure_future(self._pipe(client_reader, upstream_writer, "up"))
        down = asyncio.ensure_future(self._pipe(upstream_reader, client_writer, "down"))
        for task in (up, down):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        # One side finished: finish the other politely unless a cut already reset them.
        for writer in (client_writer, upstream_writer):
            if writer in self._writers:
                self._writers.discard(writer)
                with contextlib.suppress(Exception):
                    writer.close()
        for task in (up, down):
            if not task.done():
                task.cancel()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    direction: str) -> None:
        assert self._flowing is not None
        try:
            while True:
                data = await reader.read(CHUNK)
                if not data:
                    with contextlib.suppress(Exception):
                        if writer.can_write_eof():
                            writer.write_eof()
                    return
                await self._flowing.wait()  # stalled: hold the bytes until restored
                if writer not in self._writers:  # reset meanwhile
                    return
                writer.write(data)
                await writer.drain()
                if direction == "up":
                    self.stats.bytes_up += len(data)
                else:
                    self.stats.bytes_down += len(data)
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            return

"""A small HTTP server on 127.0.0.1 that misbehaves the ways real servers have: lists that
never end, a Retry-After of an hour, answers that trickle a byte at a time or never stop, and
a create it holds open (and completes later, whatever the client did meanwhile).

It serves just enough of Impilo's API for the client and the outbox to run against it, counts
every request, and stops by itself: nothing it does lasts longer than `MAX_SECONDS`.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from concurrent.futures import Future
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

MAX_SECONDS = 30.0
KEY = "misbehaving-key"


@dataclass
class Behaviour:
    """What the server does wrong (all off: a plain, tiny, well-behaved account)."""

    endless_lists: bool = False  # every list says page 1 of many, `last: false`, for ever
    retry_after: float | None = None  # every request: 429 with this Retry-After
    trickle: bool = False  # every answer: one byte every 0.2 s, never finishing
    body_bytes: int = 0  # every list answer padded to this many bytes
    hold_create: float = 0.0  # a create is answered (and the order made) this much later
    hold_until_released: bool = False  # ...or only once the test sets `release_create`


@dataclass
class MisbehavingServer:
    """Start with `with MisbehavingServer(Behaviour(...)) as server:`; `server.base_url`."""

    behaviour: Behaviour = field(default_factory=Behaviour)
    requests: Counter[str] = field(default_factory=Counter)
    orders: list[dict[str, Any]] = field(default_factory=list)
    create_received: threading.Event = field(default_factory=threading.Event)
    order_created: threading.Event = field(default_factory=threading.Event)
    release_create: threading.Event = field(default_factory=threading.Event)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _stop: asyncio.Event | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def count(self, method: str, path: str) -> int:
        return self.requests[f"{method} {path}"]

    # -- handlers ----------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path.removeprefix("/api/v3")
        self.requests[f"{request.method} {path}"] += 1
        b = self.behaviour
        if b.retry_after is not None:
            return web.json_response(
                {"message": "slow down"}, status=429, headers={"Retry-After": f"{b.retry_after:g}"}
            )
        if b.trickle:
            return await self._trickle(request)
        if request.method == "POST" and path == "/order":
            return await self._create(request)
        if request.method == "GET":
            return self._list(request, path)
        return web.json_response({"message": "not here"}, status=404)

    def _list(self, request: web.Request, path: str) -> web.Response:
        if path == "/order" and "externalOrderId" in request.query:
            wanted = set(request.query.getall("externalOrderId"))
            content = [o for o in self.orders if wanted & set(o["externalOrderIds"])]
            return web.json_response({"content": content, "page": 1, "total": len(content)})
        if self.behaviour.endless_lists:
            body: dict[str, Any] = {
                "content": [{"id": 1, "name": "Always the first"}],
                "page": 1,
                "size": 1,
                "total": 1_000_000,
                "last": False,
            }
        else:
            body = {"content": [], "page": 1, "size": 100, "total": 0, "last": True}
        if self.behaviour.body_bytes:
            body["padding"] = "x" * self.behaviour.body_bytes
        return web.json_response(body)

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.create_received.set()
        # Shielded: the order is made even after the client gave up and hung up.
        order = await asyncio.shield(self._make_order(body))
        return web.json_response(order)

    async def _make_order(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.behaviour.hold_until_released:
            await asyncio.to_thread(self.release_create.wait, MAX_SECONDS)
        await asyncio.sleep(min(self.behaviour.hold_create, MAX_SECONDS))
        order = {
            **body,
            "id": 700_000 + len(self.orders),
            "currentStatus": "orderPlaced",
            "externalOrderIds": body.get("externalOrderIds", []),
        }
        self.orders.append(order)
        self.order_created.set()
        return order

    async def _trickle(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        loop = asyncio.get_running_loop()
        until = loop.time() + MAX_SECONDS
        try:
            await response.write(b"{")
            while loop.time() < until:
                await asyncio.sleep(0.2)
                await response.write(b" ")
        except (ConnectionError, RuntimeError):
            pass  # the client hung up, as it should
        return response

    # -- life cycle ---------------------------------------------------------------------------

    def __enter__(self) -> MisbehavingServer:
        started: Future[None] = Future()
        self._thread = threading.Thread(target=self._serve, args=(started,), daemon=True)
        self._thread.start()
        started.result(timeout=MAX_SECONDS)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(timeout=MAX_SECONDS)

    def _serve(self, started: Future[None]) -> None:
        asyncio.run(self._main(started))

    async def _main(self, started: Future[None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        started.set_result(None)
        try:
            await asyncio.wait_for(self._stop.wait(), timeout=MAX_SECONDS * 4)
        except TimeoutError:
            pass  # stops by itself, whatever the test did
        finally:
            await runner.cleanup()

"""`SandboxServer`: the sandbox app on a loopback port, served from a background thread (or
inside a running asyncio loop). Stopping stops answering but keeps every order and the port;
starting again listens on the same port, so tests can take the "network" away and bring it
back. With a `state_file`, orders also outlive the server: a new one over the same file
carries on.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
import threading
import weakref
from asyncio.selector_events import BaseSelectorEventLoop
from collections.abc import Sequence
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Literal

from aiohttp import web

from impilo_desktop.sandbox.app import build_app
from impilo_desktop.sandbox.creates import CreatesInFlight
from impilo_desktop.sandbox.demo import DEMO_API_KEY
from impilo_desktop.sandbox.faults import Faults
from impilo_desktop.sandbox.listener import BACKLOG, listening_socket
from impilo_desktop.sandbox.persist import StateFile
from impilo_desktop.sandbox.seed import PatientRecord, SeedData, SeedSize
from impilo_desktop.sandbox.state import DEFAULT_PROGRESS_SECONDS, SandboxState

log = logging.getLogger(__name__)

_START_TIMEOUT = 30.0
_SHARED_SEED_LIMIT = 10_000


def _today() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@functools.lru_cache(maxsize=4)
def _seed(size: SeedSize, random_seed: int, history_end: datetime) -> SeedData:
    """Seeds are read-only, so servers with the same settings share one (tests start many)."""
    return SeedData(size, random_seed, history_end)


async def _wind_down() -> None:
    """What asyncio.run does before closing a loop, and a few turns more: handlers still
    running are cancelled, and the `connection_lost` callbacks that closing transports
    scheduled get to run. A loop closed before them leaves sockets for the garbage collector
    (a ResourceWarning wherever it happens to collect)."""
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for _ in range(3):
        await asyncio.sleep(0)


class SandboxServer:
    """An Impilo-compatible API on `http://127.0.0.1:PORT/api/v3` with seeded data.

    `start()` returns once the port is listening; `stop()` stops listening and keeps state,
    and keeps the port bound (connections are refused) until `close()`, the next start, or
    the server is collected: a stopped server's port must not be handed out to another
    server that asks for any free port (as every test server does) and answer in its place.
    Use as a context manager for start/close (after `stop_async`, `close()` gives the port
    back).
    Thread-safe: tests may call `advance_time` or change `faults` while requests are in
    flight. `state_file` keeps the orders created or voided, the patients created or changed,
    the id counters and the clock across servers; it is read on the first start (on the
    server's own thread), and without it everything stays in memory. `listener`, a socket
    already listening (`listening_socket`), is served by the first start instead of binding
    one: the app takes its port at once and builds the server later, while connections wait
    in the socket's backlog.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = DEMO_API_KEY,
        seed_size: Literal["standard", "large"] | SeedSize = "standard",
        faults: Faults | None = None,
        random_seed: int = 1,
        progress_seconds: float = DEFAULT_PROGRESS_SECONDS,
        history_end: datetime | None = None,
        state_file: str | os.PathLike[str] | None = None,
        extra_patients: Sequence[PatientRecord] = (),
        listener: socket.socket | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("api_key must not be empty")
        self.host = host
        self._port = port
        self._api_key = api_key
        self.faults = faults if faults is not None else Faults(seed=random_seed)
        # The creates in flight, for tests of pipelined sending (`GET /_sandbox/creates`).
        self.creates = CreatesInFlight()
        size = SeedSize.named(seed_size)
        end = history_end or _today()
        # Small seeds are shared (tests start hundreds of servers); a large one is kept only as
        # long as its server, so a benchmark does not pin ~100 MB for the rest of the process.
        small = size.patients <= _SHARED_SEED_LIMIT and size.orders <= _SHARED_SEED_LIMIT
        shared = small and not extra_patients  # extra patients: a seed of its own
        self.seed = _seed(size, random_seed, end) if shared else SeedData(size, random_seed, end)
        for patient in extra_patients:
            self.seed.add_patient(patient)
        self.state = SandboxState(self.seed, progress_seconds)
        self.state_file = StateFile(Path(state_file)) if state_file is not None else None
        self._state_loaded = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self._listener: socket.socket | None = None
        # While stopped, the port stays bound but not listening (refusing connections), so
        # no other server on this computer can take it; see `_hold_port`.
        self._held: socket.socket | None = None
        self._release_held: weakref.finalize[[], SandboxServer] | None = None
        # A socket already bound and listening (the app takes its port before the server
        # is built, so requests queue in its backlog meanwhile): used by the first start.
        self._given_listener = listener
        if listener is not None:
            self._port = listener.getsockname()[1]

    def __repr__(self) -> str:  # never shows the key
        state = "running" if self.running else "stopped"
        return f"<SandboxServer {self.base_url} {state}>"

    # --- properties -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (0 until the first start of an ephemeral server)."""
        return self._port

    @property
    def base_url(self) -> str:
        """Host root without `/api/v3`, e.g. `http://127.0.0.1:8765`."""
        return f"http://{self.host}:{self._port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v3"

    @property
    def api_key(self) -> str:
        return self._api_key

    @property
    def running(self) -> bool:
        return self._runner is not None

    def advance_time(self, seconds: float) -> None:
        """Move the server clock forward; created orders progress one step per
        `progress_seconds` (orderPlaced -> awaitingShipment -> shipped -> delivered)."""
        self.state.advance_time(seconds)

    def put_in_needs_action(
        self, order_id: int, status: str, note: str | None = None
    ) -> dict[str, object]:
        """Put a created order into a needs-action status now (`reconfirmAddress`,
        `pendingAdditionalInformation`, `unsuccessfulDelivery`, `availableForPickup`); its
        JSON. See sandbox/detours.py for how it leaves again."""
        return self.state.put_in_needs_action(order_id, status, note)

    def reset(self) -> None:
        """Forget every order created or voided and the clock offset: back to the seed (and
        so is the state file). Ids handed out before are not handed out again."""
        self.state.reset()

    # --- async embedding --------------------------------------------------------------------

    async def start_async(self) -> None:
        """Listen from the running loop (instead of `start()`'s own thread)."""
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        if self.state_file is not None and not self._state_loaded:
            self.state.attach(self.state_file)
            self._state_loaded = True
        app = build_app(self.state, self.faults, self._api_key, self.creates)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.5)
        await runner.setup()
        given, self._given_listener = self._given_listener, None
        if given is None:
            given = self._take_held()
        try:
            if given is not None:
                given.listen(BACKLOG)  # the held port: listening again, never unbound
                sock = given
            else:
                sock = listening_socket(self.host, self._port)
            sock.setblocking(False)
        except BaseException:
            if given is not None:
                given.close()
            await runner.cleanup()
            raise
        self._port = sock.getsockname()[1]
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        self._listener = sock

    async def stop_async(self) -> None:
        runner, self._runner = self._runner, None
        listener, self._listener = self._listener, None
        if runner is None:
            return
        loop = asyncio.get_running_loop()
        if (
            listener is not None
            and listener.fileno() != -1
            and isinstance(loop, BaseSelectorEventLoop)
        ):
            # Stop accepting first, and let the connections already accepted finish being
            # set up while the server still counts them. asyncio accepts in one step and
            # wraps the socket in a transport in a task that runs a turn later; closing the
            # listener in between makes that task fail (Python 3.11) or, cancelled before it
            # starts, drop the accepted socket unclosed for the garbage collector to report.
            loop.remove_reader(listener.fileno())
        # (Windows' proactor loop has no readers to remove; an accept it completed is handed
        # over in a callback of the next turn, which this turn lets run before the close.)
        await asyncio.sleep(0)
        server = runner.server
        # The listener closed, then the port held at once, before the shutdown's wait for
        # requests in flight (up to shutdown_timeout): elsewhere than on Linux, the
        # connections still open would not keep the port from being handed out meanwhile.
        for site in list(runner.sites):
            await site.stop()
        self._hold_port()
        await runner.cleanup()
        # A connection set up while the handlers were shutting down can outlive the cleanup;
        # close it here rather than leave it to the garbage collector.
        for handler in list(server.connections if server is not None else ()):
            if handler.transport is not None:
                handler.transport.close()
        await asyncio.sleep(0)

    def _hold_port(self) -> None:
        """Bind the port again without listening, at once after the listener closed. A test
        that stops the server to take the network away expects its address to refuse
        connections; with the port free, another test's server (another process) could be
        given it and answer instead, with its own orders."""
        if self._port == 0 or self._held is not None:
            return
        held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            # SO_REUSEADDR: the connections just closed may linger (TIME_WAIT) on the port.
            held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            held.bind((self.host, self._port))
        except OSError as error:
            held.close()
            log.warning("The stopped sandbox could not keep port %s: %s", self._port, error)
            return
        self._held = held
        # Released with the server if nobody closes it (a stopped server collected).
        self._release_held = weakref.finalize(self, held.close)

    def _take_held(self) -> socket.socket | None:
        held, self._held = self._held, None
        release, self._release_held = self._release_held, None
        if release is not None:
            release.detach()
        return held

    def close(self) -> None:
        """Stop, and give the port back: the server is done with."""
        self.stop()
        held = self._take_held()
        if held is not None:
            held.close()

    # --- threaded ---------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        """Serve from a background thread; returns once the port accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the sandbox is already running")
        started: Future[None] = Future()
        thread = threading.Thread(
            target=self._serve, args=(started,), name=f"sandbox-{self._port}", daemon=True
        )
        thread.start()
        try:
            started.result(timeout=_START_TIMEOUT)
        except BaseException:
            thread.join(timeout=_START_TIMEOUT)
            raise
        self._thread = thread
        return self

    def _serve(self, started: Future[None]) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main(started))
        finally:
            loop.run_until_complete(_wind_down())
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self._loop = None

    async def _main(self, started: Future[None]) -> None:
        self._stopping = asyncio.Event()
        try:
            await self.start_async()
        except BaseException as error:
            started.set_exception(error)
            return
        started.set_result(None)
        try:
            await self._stopping.wait()
        finally:
            await self.stop_async()

    def stop(self) -> None:
        """Stop listening and end the thread; orders, the clock and the port are kept (the
        port until `close()`)."""
        thread, self._thread = self._thread, None
        loop, stopping = self._loop, self._stopping
        if thread is None or loop is None or stopping is None:
            return
        loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout=_START_TIMEOUT)

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

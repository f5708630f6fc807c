"""Opening and closing one profile's services (store, outbox controller, client), and the
built-in sandbox server the app starts when the coordinator has no account yet."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from impilo_desktop.config import DEFAULT_SANDBOX_URL, SANDBOX, Profile, Settings
from impilo_desktop.logs import register_secret
from impilo_desktop.sandbox.demo import DEMO_API_KEY
from impilo_desktop.secrets import KeyStore
from impilo_desktop.store import Store
from impilo_desktop.ui.plumbing.bridge import SHUTDOWN_GRACE_SECONDS, AsyncBridge, Job
from impilo_desktop.ui.plumbing.services import AppServices

if TYPE_CHECKING:
    from impilo_desktop.sandbox import SandboxServer

log = logging.getLogger(__name__)

SANDBOX_HOST = "127.0.0.1"  # the built-in sandbox listens on loopback only


class SandboxHost:
    """The embedded sandbox server: started on first use, stopped when the app ends. Its
    orders are kept in the sandbox profile's folder, so they are there after a restart, with
    the ids the outbox and history remember.

    Its port is taken first (`listen`: a socket, no aiohttp) and served later (`serve`: the
    server, aiohttp with it, is imported and built on a thread of its own), so the window's
    start does not wait for the server: it gets the address at once, and requests made
    before the server is up wait in the port's backlog, as for a slow server. `start` does
    both and waits, as it always has."""

    def __init__(self, home: Path) -> None:
        self._home = home
        self._server: SandboxServer | None = None
        self._listener: socket.socket | None = None  # taken, not served yet
        self._port = 0
        self._launch: threading.Thread | None = None  # builds the server (serve)
        self._failure: Exception | None = None  # why the last build did not start

    @property
    def state_path(self) -> Path:
        """Where the built-in sandbox keeps its orders (beside the sandbox profile's store)."""
        from impilo_desktop.sandbox.persist import STATE_FILE_NAME

        return Profile(SANDBOX, DEFAULT_SANDBOX_URL).data_dir(self._home) / STATE_FILE_NAME

    @property
    def running(self) -> bool:
        """Its port is taken (served now, or as soon as the server is built)."""
        return self._server is not None or self._listener is not None or self._launch is not None

    def listen(self) -> tuple[str, str]:
        """Take the port (once) and return `(base_url, api_key)`; nothing answers until
        `serve()`, and connections wait for it."""
        if not self.running:
            from impilo_desktop.sandbox.listener import listening_socket

            self._listener = listening_socket(SANDBOX_HOST)
            self._port = self._listener.getsockname()[1]
        return f"http://{SANDBOX_HOST}:{self._port}", DEMO_API_KEY

    def serve(self) -> None:
        """Build the server on the taken port, on a thread of its own (no-op unless `listen`
        took one that is not served yet)."""
        listener, self._listener = self._listener, None
        if listener is None:
            return
        self._failure = None
        self._launch = threading.Thread(
            target=self._build, args=(listener,), name="sandbox-start", daemon=True
        )
        self._launch.start()

    def _build(self, listener: socket.socket) -> None:
        try:
            from impilo_desktop.sandbox import SandboxServer

            # The state file is read on the server's own thread, as are later writes.
            server = SandboxServer(state_file=self.state_path, listener=listener)
            server.start()
        except Exception as exc:
            # Nothing will answer: close the port, so requests fail as offline, not hang.
            log.exception("The built-in sandbox could not start")
            listener.close()
            self._failure = exc
            return
        self._server = server
        log.info("Built-in sandbox listening on %s", server.base_url)
        if server.state_file is not None and server.state_file.problem:
            log.warning("%s", server.state_file.problem)

    def start(self) -> tuple[str, str]:
        """Start (once), wait until it serves, and return `(base_url, api_key)`."""
        address = self.listen()
        self.serve()
        self._wait_served()
        failure, self._failure = self._failure, None
        if failure is not None:
            raise failure
        return address

    def _wait_served(self) -> None:
        launch = self._launch
        if launch is not None:
            launch.join()
            self._launch = None

    def profile(self, keys: KeyStore, *, serve: bool = True) -> Profile:
        """The sandbox profile pointing at the server, its demo key pinned. With `serve`
        False its port is only taken (`listen`); `serve()` starts it later."""
        base_url, api_key = self.start() if serve else self.listen()
        keys.pin_session_key(SANDBOX, api_key)
        return Profile(SANDBOX, base_url)

    @property
    def server(self) -> SandboxServer | None:
        """The running server (once it is built: this waits for a `serve` under way)."""
        self._wait_served()
        return self._server

    def reset(self) -> None:
        """Back to the seed (the sandbox keeps listening on its port). It writes the state
        file: call it off the UI thread."""
        server = self.server
        if server is not None:
            server.reset()
            log.info("Built-in sandbox reset to its demo data")

    def stop(self) -> None:
        self._wait_served()
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()  # taken, never served
        if self._server is not None:
            self._server.close()
            self._server = None


def open_profile_store(profile: Profile, home: Path, keys: KeyStore) -> Store:
    """Read the profile's key (so the log can hide it) and its database key, and open its
    store, encrypted (in memory when there is no database key): disk and keyring work, done
    at start-up or on the bridge loop when the coordinator switches account."""
    register_secret(keys.get_key(profile.name))
    key = keys.database_key(profile.name, Store.path_for(profile, home))
    return Store.open_profile(profile, home, key=key, in_memory=key is None)


def open_services(
    profile: Profile,
    home: Path,
    keys: KeyStore,
    bridge: AsyncBridge,
    store: Store | None = None,
) -> AppServices:
    """Wire an outbox controller to the profile's store (opened here unless given); the
    controller is not started yet."""
    from impilo_desktop.ui.plumbing.outbox_controller import OutboxController

    if store is None:
        store = open_profile_store(profile, home, keys)
    services = AppServices(
        profile=profile,
        home=home,
        store=store,
        bridge=bridge,
        keys=keys,
        outbox=None,  # type: ignore[arg-type]  # set just below: the controller needs services
        network=Settings.load(home).network,
    )
    services.outbox = OutboxController(services)
    return services


def close_services(
    services: AppServices, timeout: float = 10.0, *, wait: bool = True
) -> Job | None:
    """Stop the outbox work of a profile, then close its client and store.

    The closing runs on the bridge loop after the controller's tasks have ended, so no
    background step can be half-way through a write when the store closes. With `wait` (at
    quit) the UI thread waits for it (milliseconds, unless a request is being cancelled);
    a profile switch does not wait.
    """
    services.outbox.stop()

    async def close() -> None:
        try:
            # Requests in flight (this controller's and other pages') get a moment to finish
            # first: cancelling or closing under a connecting request leaks its socket.
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            if others:
                await asyncio.wait(others, timeout=SHUTDOWN_GRACE_SECONDS)
            await services.outbox.aclose()
        finally:
            # Even when the app quits during the wait (the bridge cancels this task), the
            # client and the store are closed, never left to the garbage collector.
            await services._close_client()
            services.store.close()

    bridge = services.bridge
    if bridge.loop.is_closed():
        services.store.close()
        return None
    job = bridge.submit(close())
    if not wait:
        return job
    try:
        job.future.result(timeout)
    except Exception:
        log.exception("Closing the profile %s did not finish cleanly", services.profile.name)
        services.store.close()
    return job

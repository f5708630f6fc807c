"""Opening and closing one profile's services (store, outbox controller, client), and the
built-in sandbox server the app starts when the coordinator has no account yet."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from impilo_desktop.config import DEFAULT_SANDBOX_URL, SANDBOX, Profile, Settings
from impilo_desktop.logs import register_secret
from impilo_desktop.secrets import KeyStore
from impilo_desktop.store import Store
from impilo_desktop.ui.plumbing.bridge import SHUTDOWN_GRACE_SECONDS, AsyncBridge, Job
from impilo_desktop.ui.plumbing.services import AppServices

if TYPE_CHECKING:
    from impilo_desktop.sandbox import SandboxServer

log = logging.getLogger(__name__)


class SandboxHost:
    """The embedded sandbox server: started on first use, stopped when the app ends. Its
    orders are kept in the sandbox profile's folder, so they are there after a restart, with
    the ids the outbox and history remember."""

    def __init__(self, home: Path) -> None:
        self._home = home
        self._server: SandboxServer | None = None

    @property
    def state_path(self) -> Path:
        """Where the built-in sandbox keeps its orders (beside the sandbox profile's store)."""
        from impilo_desktop.sandbox.persist import STATE_FILE_NAME

        return Profile(SANDBOX, DEFAULT_SANDBOX_URL).data_dir(self._home) / STATE_FILE_NAME

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> tuple[str, str]:
        """Start (once) and return `(base_url, api_key)`."""
        if self._server is None:
            from impilo_desktop.sandbox import SandboxServer

            # The state file is read on the server's own thread, while this one waits for the
            # port as it always has; later writes happen there too, never on the UI thread.
            server = SandboxServer(state_file=self.state_path)
            server.start()
            self._server = server
            log.info("Built-in sandbox listening on %s", server.base_url)
            if server.state_file is not None and server.state_file.problem:
                log.warning("%s", server.state_file.problem)
        return self._server.base_url, self._server.api_key

    def profile(self, keys: KeyStore) -> Profile:
        """The sandbox profile pointing at the running server, its demo key pinned."""
        base_url, api_key = self.start()
        keys.pin_session_key(SANDBOX, api_key)
        return Profile(SANDBOX, base_url)

    @property
    def server(self) -> SandboxServer | None:
        return self._server

    def reset(self) -> None:
        """Back to the seed (the sandbox keeps listening on its port). It writes the state
        file: call it off the UI thread."""
        server = self._server
        if server is not None:
            server.reset()
            log.info("Built-in sandbox reset to its demo data")

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
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

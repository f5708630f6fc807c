"""The coordinator's session: which account is open, its services, and the background work.

One `SessionController` per window. It opens a profile's services (at start-up directly;
on a switch, the store and key are read on the bridge loop, never on the UI thread), closes
the previous ones, remembers the last profile, starts and stops the outbox, and takes key
changes. Pages get it to ask for these things; the window listens to `switched` to build its
pages for the new account. Dialogs (asking for a key, confirmations) stay with the pages and
the window: this object shows nothing.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from impilo_desktop.config import BUILTIN_BASE_URLS, SANDBOX, Profile, Settings
from impilo_desktop.profile_data import ProfileInUseError, check_not_in_use, remove_profile_data
from impilo_desktop.secrets import KeyStore
from impilo_desktop.store import Store, StoreError
from impilo_desktop.ui.plumbing.bridge import SHUTDOWN_GRACE_SECONDS, AsyncBridge, Job
from impilo_desktop.ui.plumbing.retention import CacheRetention
from impilo_desktop.ui.plumbing.services import AppServices
from impilo_desktop.ui.plumbing.session import (
    SandboxHost,
    close_services,
    open_profile_store,
    open_services,
)

log = logging.getLogger(__name__)

CLOSE_WAIT_SECONDS = 10.0


class SessionController(QObject):
    """Open, switch and close one profile's services; start and stop their work.

    Signals (UI thread): `switched(services)` once another profile's services are open (the
    old ones are closing), `problem(message)` when a switch or a reset did not work,
    `key_changed()` after a key was saved, replaced or removed, `sandbox_reset()` after
    the built-in sandbox went back to its demo data, `signed_out(name, problems)` once a
    profile's data is gone from this computer (the sandbox is open by then) and
    `sign_out_refused(message)` when nothing was removed.
    """

    switched = Signal(object)  # AppServices
    problem = Signal(str)
    key_changed = Signal()
    sandbox_reset = Signal()
    signed_out = Signal(str, list)  # profile name, what could not be removed (plain words)
    sign_out_refused = Signal(str)

    def __init__(
        self,
        *,
        profile: Profile,
        home: Path,
        keys: KeyStore,
        bridge: AsyncBridge,
        sandbox: SandboxHost,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.home = home
        self.keys = keys
        self.bridge = bridge
        self.sandbox = sandbox
        # Start-up: the window cannot show anything before its profile is open.
        self.services: AppServices = open_services(profile, home, keys, bridge)
        self._started = False
        self._switching: Profile | None = None
        self._closing: list[Job] = []  # earlier profiles' services, closing on the loop
        self._closed = False
        self.retention = CacheRetention(lambda: self.services, self)
        self._signing_out: str | None = None  # the profile whose data goes once it is closed

    @property
    def profile(self) -> Profile:
        return self.services.profile

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Begin background work (sending, reference refresh); once the window shows. The
        built-in sandbox, if its port was only taken, starts serving first."""
        if not self._started:
            self._started = True
            self.sandbox.serve()
            self.services.outbox.start()
            self.retention.start()

    def shutdown(self) -> None:
        """Stop background work, then close the store, the bridge and the built-in server.
        Background work goes first: a refresh may be writing to SQLite on the bridge thread,
        and closing the store under it crashes the process."""
        if self._closed:
            return
        self._closed = True
        self.retention.stop()
        self.services.outbox.stop()
        for job in self._closing:
            # A profile left just before quitting finishes closing first (at quit the UI
            # may wait): cut short by the bridge's shutdown, it would leak its connections.
            try:
                job.future.result(CLOSE_WAIT_SECONDS)
            except Exception:
                log.warning("An earlier profile did not finish closing", exc_info=True)
        self.bridge.close()
        close_services(self.services)
        self.sandbox.stop()

    # -- accounts -----------------------------------------------------------------------------

    def needs_key(self) -> bool:
        return not self.services.api_key()

    @property
    def sandbox_running(self) -> bool:
        """The built-in sandbox is the server of the open profile."""
        return self.services.profile.is_sandbox and self.sandbox.running

    def use_sandbox(self) -> None:
        """Switch to the built-in sandbox (started if needed)."""
        if self.sandbox_running:
            self.remember(self.services.profile)
            return
        self.switch_profile(self.sandbox.profile(self.keys))

    def switch_profile(self, profile: Profile) -> None:
        """Open `profile` in place of the current one. Its store and key are read on the
        bridge loop; `switched` follows, or `switch_failed` with the reason (the current
        profile then stays open)."""
        if profile == self.services.profile:
            # The same account again (e.g. after a new key): just pick it up.
            self.remember(profile)
            self.key_replaced()
            return
        if self._switching == profile:
            return
        self._switching = profile
        log.info("Switching to profile %s", profile.name)
        self.bridge.call(
            open_profile_store,
            profile,
            self.home,
            self.keys,
            on_result=lambda store: self._open(profile, store),
            on_error=lambda error: self._failed(profile, error),
        )

    def _open(self, profile: Profile, store: Store) -> None:
        self._switching = None
        if self._closed:
            self.bridge.call(store.close)
            return
        old = self.services
        self.services = open_services(profile, self.home, self.keys, self.bridge, store)
        self.remember(profile)
        closing = close_services(old, wait=False)
        self._closing = [j for j in self._closing if not j.done()]
        if closing is not None:
            self._closing.append(closing)
        if self._signing_out == old.profile.name:
            self._remove_when_closed(old.profile.name, closing)
        if self._started:
            self.services.outbox.start()
            self.retention.prune()
        self.switched.emit(self.services)

    def _failed(self, profile: Profile, error: BaseException) -> None:
        self._switching = None
        if self._signing_out is not None:
            self._signing_out = None
            # Still this profile: it goes on sending (its reference data is fresh enough).
            self.services.outbox.start(refresh_references=False)
        message = error.message if isinstance(error, StoreError) else str(error)
        log.warning("Could not open profile %s: %s", profile.name, message)
        self.problem.emit(f"Could not switch to {profile.name}: {message}")

    def remember(self, profile: Profile) -> None:
        """The profile to open next time (and a custom server's address)."""
        settings = Settings.load(self.home)
        settings.last_profile = profile.name
        if not profile.is_sandbox and profile.name not in BUILTIN_BASE_URLS:
            settings.base_urls[profile.name] = profile.base_url
        settings.save(self.home)

    # -- keys ---------------------------------------------------------------------------------

    def key_replaced(self) -> None:
        """A key was saved or replaced for the open profile: the outbox picks it up."""
        self.services.outbox.key_replaced()
        self.key_changed.emit()

    def remove_key(self) -> None:
        """Forget the open profile's key (keyring and memory, on the bridge loop: a keyring
        write can wait on the OS); `key_changed` follows."""
        self.bridge.call(
            self.keys.delete_key,
            self.services.profile.name,
            on_result=lambda _none: self.key_replaced(),
            on_error=lambda error: log.warning("Could not remove the key: %s", error),
        )

    # -- the built-in sandbox -------------------------------------------------------------------

    def reset_sandbox(self) -> None:
        """Back to the sandbox's demo data (it rewrites its state file: on the bridge loop);
        `sandbox_reset` follows, or an error in the log."""
        self.bridge.call(
            self.sandbox.reset,
            on_result=lambda _none: self.sandbox_reset.emit(),
            on_error=self._reset_failed,
        )

    def _reset_failed(self, error: BaseException) -> None:
        log.error("Resetting the sandbox failed", exc_info=error)
        self.problem.emit("The sandbox data could not be reset. The log has the details.")

    # -- signing out ----------------------------------------------------------------------------

    def sign_out(self) -> None:
        """Remove everything of the open profile from this computer (profile_data.py), then
        stay on the built-in sandbox: `signed_out` follows, or `sign_out_refused` with the
        reason when another process sends from it (then nothing changed and sending goes on).

        The sandbox, not another configured account: the coordinator signing out of a shared
        computer expects the next person to start from the welcome dialog (the window opens it)
        rather than inside someone else's account, and reopening the signed-out profile
        would create its folder again."""
        services = self.services
        if services.profile.is_sandbox or self._signing_out is not None:
            return
        name = services.profile.name
        services.outbox.stop()

        async def check() -> None:
            # Our own sender ends what it is doing first: its OS lock would look like
            # another copy's (stop() lets work in flight end, aclose() cancels what is left).
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            if others:
                await asyncio.wait(others, timeout=SHUTDOWN_GRACE_SECONDS)
            await services.outbox.aclose()
            check_not_in_use(self.home, name, self.keys.database_key(name))

        self.bridge.submit(
            check(),
            on_result=lambda _none: self._leave_for_sign_out(name),
            on_error=lambda error: self._sign_out_failed(services, error),
        )

    def _leave_for_sign_out(self, name: str) -> None:
        if self.services.profile.name != name:
            return
        log.info("Signing out of profile %s", name)
        try:
            sandbox = self.sandbox.profile(self.keys)
        except OSError as exc:  # the built-in server could not listen: stay, remove nothing
            self._sign_out_failed(self.services, exc)
            return
        self._signing_out = name
        self.switch_profile(sandbox)

    def _remove_when_closed(self, name: str, closing: Job | None) -> None:
        """Once the profile's store is closed (every connection of every thread), remove
        its data; all of it on the bridge loop."""
        self._signing_out = None
        home, keys = self.home, self.keys

        async def remove() -> list[str]:
            if closing is not None:
                await asyncio.wrap_future(closing.future)
            problems = remove_profile_data(home, name, keys)  # short: files and two keyring calls
            settings = Settings.load(home)
            if settings.last_profile == SANDBOX:
                # The sandbox was opened only to leave the account: the next start is a first
                # run (the welcome dialog), as it is now.
                settings.last_profile = None
                settings.save(home)
            return problems

        self.bridge.submit(
            remove(),
            on_result=lambda problems: self.signed_out.emit(name, problems),
            on_error=lambda error: self._removal_failed(name, error),
        )

    def _sign_out_failed(self, services: AppServices, error: BaseException) -> None:
        if services is self.services and not self._closed:
            services.outbox.start(refresh_references=False)  # sending goes on as before
        self.sign_out_refused.emit(_sign_out_message(error))

    def _removal_failed(self, name: str, error: BaseException) -> None:
        # Another process took the profile between the check and the removal: nothing was
        # removed; the coordinator can switch back to it from Settings.
        self.sign_out_refused.emit(_sign_out_message(error))
        log.info("Profile %s was not removed", name)


def _sign_out_message(error: BaseException) -> str:
    if isinstance(error, ProfileInUseError):
        return error.message
    log.error("Signing out failed", exc_info=error)
    return "Signing out did not work, and nothing was removed. The log has the details."

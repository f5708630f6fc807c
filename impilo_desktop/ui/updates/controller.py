"""The window's updater: checks at start (after the first paint) and once a day, on the
bridge; keeps what the last check found; and restarts into a ready update only when no
order is being sent.

The restart rules, in order: an order in flight (a drain under way) is waited for; orders
waiting to be sent but not in flight are asked about (they are kept and go after the
restart); a session that saves nothing is always asked about, naming what it would lose
(restart_question.py); then the update is unpacked and verified on the bridge, what is at
stake is read again (asked again if it grew meanwhile), the window closes as usual, and the
new version starts once the app has closed everything (`updates.install.restart_at_exit`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from impilo_desktop import __version__
from impilo_desktop.config import ConfigError, NetworkOptions
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.ui.plumbing.outbox_controller import OutboxController
from impilo_desktop.ui.updates.restart_question import AtStake
from impilo_desktop.updates import jobs
from impilo_desktop.updates.outcomes import CheckOutcome, UpdateReady, UpdateRefused
from impilo_desktop.updates.state import (
    PendingUpdate,
    UpdateFolder,
    UpdateSettings,
    bundled_root,
    fixed_repository_url,
    normalize_repository_url,
    running_from_bundle,
)

if TYPE_CHECKING:
    from impilo_desktop.updates.install import PreparedUpdate

log = logging.getLogger(__name__)

DAY_MS = 24 * 60 * 60 * 1000
WINDOW_PROGRAM = "impilo-desktop"
Restart = Callable[["PreparedUpdate", UpdateFolder, str], None]
ReadAtStake = Callable[[Callable[[AtStake], None]], None]
# (what a restart would leave behind) -> answer(restart: bool)
AskAboutWaiting = Callable[[AtStake, Callable[[bool], None]], None]


class UpdateController(QObject):
    """One per window (updates are the app's, not a profile's)."""

    ready = Signal(object)  # UpdateReady: a verified update waits for a restart
    settings_changed = Signal(object)  # UpdateSettings as last read or saved
    refused = Signal(str)  # an update refused or not installed, in plain words
    waiting = Signal(str)  # the restart waits (an order is being sent)
    checked = Signal(object)  # CheckOutcome: a check ended (ready follows, refused came first)

    def __init__(
        self,
        *,
        bridge: AsyncBridge,
        home: Path,
        network: Callable[[], NetworkOptions],
        outbox: Callable[[], OutboxController],
        read_at_stake: ReadAtStake,
        close_window: Callable[[], None],
        ask_about_waiting: AskAboutWaiting,
        restart: Restart = jobs.restart_at_exit,
        from_bundle: bool | None = None,
        trusted_root: Path | None = None,
        bundle: Path | None = None,
        current_version: str = __version__,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.folder = UpdateFolder.of_home(home)
        self._network = network
        self._outbox = outbox
        self._read_at_stake = read_at_stake
        self._agreed: AtStake | None = None  # what the coordinator agreed to leave behind
        self._close_window = close_window
        self._ask_about_waiting = ask_about_waiting
        self.restart = restart
        self.from_bundle = running_from_bundle() if from_bundle is None else from_bundle
        self.trusted_root = trusted_root if trusted_root is not None else bundled_root()
        self.bundle = bundle
        self.current_version = current_version
        # The computer's policy may set the repository (read once at start: memory only).
        self.fixed = fixed_repository_url() is not None
        # A per-machine install this user cannot replace (known once the state is read).
        self.by_organisation = False
        self.move_to_applications = False  # by_organisation, but the coordinator can fix it
        self.settings = UpdateSettings()
        self.pending: PendingUpdate | None = None
        self.checking = False
        self._restart_waits = False
        self._timer = QTimer(self)
        self._timer.setInterval(DAY_MS)
        self._timer.timeout.connect(self.check_now)

    # -- checking ---------------------------------------------------------------------------

    def start(self) -> None:
        """Read the saved state, then check (if a repository is set). Call after the first
        paint: nothing here runs on the UI thread but the answers."""
        self.bridge.call(self._read_state, on_result=self._state_read, on_error=self._failed)
        if self.from_bundle:
            self._timer.start()

    def _read_state(self) -> jobs.SavedState:
        return jobs.read_state(self.folder, self.current_version, self.bundle, self.from_bundle)

    def _state_read(self, state: jobs.SavedState) -> None:
        # Known before the settings are shown: Settings > Updates says who updates this copy.
        self.by_organisation = self.from_bundle and not state.installable
        self.move_to_applications = self.by_organisation and state.move_to_applications
        self._settings_read(state.settings)
        if state.pending is not None:
            self._found(state.pending)
        self.check_now()

    @property
    def can_check(self) -> bool:
        """A repository is set, this is a bundle, and this user can install updates here
        (nothing is downloaded that could not be installed). Settings' Check now follows it."""
        return self.from_bundle and not self.by_organisation and bool(self.settings.repository_url)

    def check_now(self) -> None:
        """Check once, if `can_check` and none runs."""
        if not self.can_check or self.checking:
            return
        self.checking = True
        self.bridge.submit(
            jobs.check(
                self.settings.repository_url,
                self.folder,
                trusted_root=self.trusted_root,
                current_version=self.current_version,
                network=self._network(),
            ),
            on_result=self._checked,
            on_error=self._failed,
        )

    def _checked(self, outcome: CheckOutcome) -> None:
        self.checking = False
        self.bridge.call(UpdateSettings.load, self.folder, on_result=self._settings_read)
        if isinstance(outcome, UpdateReady):
            self.bridge.call(
                jobs.newer_pending,
                self.folder,
                self.current_version,
                on_result=self._pending_read,
            )
        elif isinstance(outcome, UpdateRefused):
            self.pending = None
            self.refused.emit(f"An update was refused and nothing changed: {outcome.reason}")
        self.checked.emit(outcome)

    def _pending_read(self, pending: PendingUpdate | None) -> None:
        if pending is not None:
            self._found(pending)

    def _found(self, pending: PendingUpdate) -> None:
        self.pending = pending
        self.ready.emit(UpdateReady(pending.version, pending.notes))

    def _settings_read(self, settings: UpdateSettings) -> None:
        self.settings = settings
        self.settings_changed.emit(settings)

    def _failed(self, error: BaseException) -> None:
        self.checking = False
        log.warning("Update work failed: %s", type(error).__name__, exc_info=error)

    def set_repository(self, text: str) -> str:
        """Save a new repository address and check it; returns the problem, "" if none."""
        if self.fixed:
            return ""  # the computer's policy sets it; the field is read-only
        try:
            url = normalize_repository_url(text)
        except ConfigError as exc:
            return str(exc)
        if url == self.settings.repository_url:
            return ""
        self.settings = UpdateSettings(repository_url=url)
        self.bridge.call(self._save_settings, self.settings, on_result=self._saved_then_check)
        return ""

    def _save_settings(self, settings: UpdateSettings) -> UpdateSettings:
        settings.save(self.folder)
        return settings

    def _saved_then_check(self, settings: UpdateSettings) -> None:
        self._settings_read(settings)
        self.check_now()

    # -- restarting -------------------------------------------------------------------------

    def restart_now(self) -> None:
        """Restart into the pending update, by the rules in the module's docstring."""
        if self.pending is None:
            return
        outbox = self._outbox()
        if outbox.sending:
            if not self._restart_waits:
                self._restart_waits = True
                outbox.drain_finished.connect(self._drain_finished)
            self.waiting.emit(
                "Impilo Desktop will restart as soon as the order being sent is done."
            )
            return
        self._read_at_stake(self._at_stake_read)

    def _drain_finished(self, _report: object) -> None:
        if not self._restart_waits:
            return
        self._restart_waits = False
        self._outbox().drain_finished.disconnect(self._drain_finished)
        self.restart_now()

    def _at_stake_read(self, at_stake: AtStake) -> None:
        if self._outbox().sending:
            self.restart_now()  # a send began meanwhile: wait for it
        elif at_stake.ask:
            self._ask_about_waiting(at_stake, lambda yes: self._answered(yes, at_stake))
        else:
            self._answered(True, at_stake)

    def _answered(self, restart: bool, at_stake: AtStake) -> None:
        if restart:
            self._agreed = at_stake
            self._prepare()

    def _prepare(self) -> None:
        pending = self.pending
        if pending is None:
            return
        self.bridge.call(
            jobs.prepare,
            self.folder,
            pending,
            self.bundle,
            on_result=self._prepared,
            on_error=self._not_installed,
        )

    def _prepared(self, prepared: PreparedUpdate) -> None:
        # Unpacking took a while: read again what the restart leaves behind.
        self._read_at_stake(lambda now: self._restart_unless_changed(prepared, now))

    def _restart_unless_changed(self, prepared: PreparedUpdate, now: AtStake) -> None:
        if self._outbox().sending:
            self.restart_now()
            return
        if now.ask and now != self._agreed:  # more waits, or would be lost, than agreed to
            self._ask_about_waiting(now, lambda yes: self._agreed_again(yes, prepared, now))
            return
        log.info("Restarting into version %s", prepared.version)
        self.restart(prepared, self.folder, WINDOW_PROGRAM)
        self._close_window()

    def _agreed_again(self, restart: bool, prepared: PreparedUpdate, at_stake: AtStake) -> None:
        if restart:
            self._agreed = at_stake
            self._prepared(prepared)

    def _not_installed(self, error: BaseException) -> None:
        from impilo_desktop.updates.install import InstallError

        if isinstance(error, InstallError):
            self.refused.emit(str(error))
        else:
            log.warning("Preparing the update failed", exc_info=error)
            self.refused.emit(
                "The update could not be prepared, so nothing changed. Details are in the log."
            )

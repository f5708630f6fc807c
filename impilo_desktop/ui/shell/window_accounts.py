"""The window's account flows: the banners that say which account is open, the welcome and
new-key dialogs, signing out, and switching account or to the sandbox (asking first when a
session-only store would lose its drafts). Kept apart from the window's construction and
pages; the window hands its session's signals here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QObject

from impilo_desktop.config import Profile
from impilo_desktop.ui.shell.leave_session import leave_session_first
from impilo_desktop.ui.shell.pages import SETTINGS

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices
    from impilo_desktop.ui.shell.main_window import MainWindow
    from impilo_desktop.ui.shell.settings_page import SettingsPage


class AccountFlows(QObject):
    """What the window does about accounts: its banners, dialogs and switches."""

    def __init__(self, window: MainWindow) -> None:
        # A child of the window: its connections end with it, as the window's own did.
        super().__init__(window)
        self.window = window

    def update_banners(self) -> None:
        if self.window.services.profile.is_sandbox:
            self.window.sandbox_banner.show_message(
                "You are using the sandbox: practice data on this computer. Orders placed here "
                "go nowhere.",
                [("Connect your Impilo account…", self.open_welcome)],
                icon_name="sandbox",
                closable=True,
            )
        else:
            self.window.sandbox_banner.dismiss()
        self.window.key_banner.dismiss()

    def show_store_notice(self) -> None:
        """What opening the profile's database found (a file cut to 0 bytes, started anew)
        has a bar of its own, so the next outbox notice cannot push it away unread."""
        notice = self.window.services.store.notice
        if notice is None:
            self.window.store_banner.dismiss()
        else:
            self.window.store_banner.show_message(notice.message, icon_name="offline")

    def open_welcome(self) -> None:
        """The welcome dialog (connect an account, or continue with the sandbox)."""
        from impilo_desktop.ui.dialogs.welcome import WelcomeDialog

        existing = self.window.findChild(WelcomeDialog, "welcomeDialog")
        if existing is not None and existing.isVisible():
            existing.raise_()
            return
        dialog = WelcomeDialog(
            self.window.keys, self.window.bridge, self.window, network=self.window.services.network
        )
        dialog.account_saved.connect(self.switch_profile)
        dialog.sandbox_chosen.connect(self.use_sandbox)
        dialog.open()

    def prompt_for_new_key(self, reason: str = "rejected") -> None:
        """Ask for a new key for the current profile: after a 401 ("rejected"), from
        Settings ("replace"), or when there is none ("missing")."""
        from impilo_desktop.ui.dialogs.welcome import WelcomeDialog

        if self.window.services.profile.is_sandbox and self.window.sandbox.running:
            # The built-in server's key is fixed and pinned: nothing to ask the user.
            self.window.show_notice(
                "The built-in sandbox refused its own key. Restart Impilo Desktop."
            )
            return
        existing = self.window.findChild(WelcomeDialog, "newKeyDialog")
        if existing is not None and existing.isVisible():
            existing.raise_()
            return
        dialog = WelcomeDialog(
            self.window.keys,
            self.window.bridge,
            self.window,
            replace_for=self.window.services.profile,
            reason=reason,
            network=self.window.services.network,
        )
        dialog.key_replaced.connect(self.window.session.key_replaced)
        dialog.open()

    def after_key_change(self) -> None:
        self.window.key_banner.dismiss()
        self.window.outbox_news.refresh_connection_status()
        self.update_banners()
        settings = self.window.pages.built(SETTINGS.key)
        if settings is not None:
            cast("SettingsPage", settings).refresh()

    def after_sign_out(self, name: str, problems: list[str]) -> None:
        """The account's data is gone and the sandbox is open: the first-run state, with the
        welcome dialog to connect an account (see `SessionController.sign_out`)."""
        if problems:
            self.window.show_notice(
                f"Signed out of {name.capitalize()}. " + " ".join(problems), 30_000
            )
        else:
            self.window.notice_bar.show_message(
                f"Signed out: nothing of the {name.capitalize()} account is left on this computer.",
                icon_name="key",
                timeout_ms=20_000,
            )
        from impilo_desktop.policy import current_policy

        policy = current_policy()
        if not policy.allow_sandbox:
            # The sandbox only held the window while the account's data was removed: open
            # the account the policy gives, which asks for its key.
            self.switch_profile(policy.default_profile())
            return
        self.open_welcome()

    def sign_out_refused(self, message: str) -> None:
        # Settings says it beside its button; once the sandbox is open (the profile was taken
        # between the check and the removal) that button is gone, so the window says it.
        if self.window.services.profile.is_sandbox:
            self.window.show_notice(message, 30_000)

    def use_sandbox(self) -> None:
        """Switch to the built-in sandbox (started if needed)."""
        if self.window.session.sandbox_running:
            self.window.session.use_sandbox()
        else:
            self.leave_session_first(self.window.session.use_sandbox)

    def switch_profile(self, profile: Profile) -> None:
        """Open `profile` in this window (see `SessionController.switch_profile`)."""
        if profile == self.window.services.profile:
            self.window.session.switch_profile(profile)
        else:
            self.leave_session_first(lambda: self.window.session.switch_profile(profile))

    def leave_session_first(self, switch: Callable[[], None]) -> None:
        # A session-only store loses its drafts and unsent orders when it closes: ask first.
        services = self.window.services
        leave_session_first(
            self.window, services.bridge, services.store, switch, self.window.show_notice
        )

    def on_switched(self, services: AppServices) -> None:
        from impilo_desktop.policy import current_policy

        if not services.profile.is_sandbox and not current_policy().allow_sandbox:
            # The built-in sandbox only held the window while an account was signed out, on a
            # computer where it is turned off: its server stops (on the bridge: it joins a
            # thread).
            self.window.bridge.call(self.window.sandbox.stop)
        self.window.build_pages()
        self.window.profile_switched.emit(services.profile)
        if self.window.needs_key():
            self.prompt_for_new_key("missing")

"""The main window: a sidebar of pages, a status bar, menus, and the rules for leaving.

The window owns one profile's `AppServices` at a time; switching account closes them and
builds the pages again for the new profile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QByteArray, QEvent, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop import APP_NAME
from impilo_desktop.config import Profile
from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.secrets import KeyStore
from impilo_desktop.sync.connectivity import NO_CONNECTION
from impilo_desktop.sync.drain_report import DrainReport
from impilo_desktop.ui.dialogs.quit_question import QuitGuard
from impilo_desktop.ui.drafts.send_now import NOTE_MS, send_stopped_text
from impilo_desktop.ui.order_entry.view import OrderEntryView
from impilo_desktop.ui.plumbing.accessibility import follow_accessible_selection
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.ui.plumbing.resources import icon
from impilo_desktop.ui.plumbing.services import AppServices
from impilo_desktop.ui.plumbing.session import SandboxHost
from impilo_desktop.ui.plumbing.session_controller import SessionController
from impilo_desktop.ui.plumbing.session_end import SessionEnd
from impilo_desktop.ui.shell.focus import focus_first
from impilo_desktop.ui.shell.leave_session import leave_session_first
from impilo_desktop.ui.shell.menus import WindowMenus
from impilo_desktop.ui.shell.message_bar import MessageBar
from impilo_desktop.ui.shell.pages import DRAFTS, HISTORY, NEW_ORDER, PAGES, SETTINGS
from impilo_desktop.ui.shell.sidebar import SidebarFit
from impilo_desktop.ui.shell.status_bar import AppStatusBar, profile_label
from impilo_desktop.ui.shell.window_pages import WindowPages
from impilo_desktop.ui.updates.bar import attach_updates

if TYPE_CHECKING:
    from impilo_desktop.ui.drafts.view import DraftsPage
    from impilo_desktop.ui.history.view import OrderHistoryView
    from impilo_desktop.ui.shell.settings_page import SettingsPage

log = logging.getLogger(__name__)

DEFAULT_SIZE = QSize(1280, 800)  # bounded by the screen; the history list fits at 1280
MINIMUM_SIZE = QSize(760, 520)
MAXIMISE_UP_TO = 1440
"""A first run maximises the window on screens up to this wide (available width, logical
pixels): on a 1280-1440 px laptop the order history needs every pixel, and a window a little
smaller than the screen only hides columns."""


def opens_maximised(available: QSize) -> bool:
    """Whether a first run opens maximised on a screen with this much room."""
    return available.width() <= MAXIMISE_UP_TO


class MainWindow(QMainWindow):
    """Sidebar + stacked pages (New order, Drafts & outbox, Order history, Settings)."""

    profile_switched = Signal(object)  # Profile

    def __init__(
        self,
        *,
        profile: Profile,
        home: Path,
        keys: KeyStore,
        bridge: AsyncBridge,
        sandbox: SandboxHost,
        first_run: bool = False,
    ) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setAccessibleName(APP_NAME)
        self.home = home
        self.keys = keys
        self.bridge = bridge
        self.sandbox = sandbox
        self.first_run = first_run
        self._shut_down = False
        self.session = SessionController(
            profile=profile, home=home, keys=keys, bridge=bridge, sandbox=sandbox, parent=self
        )
        self.quit_guard = QuitGuard(
            self,
            lambda: self.services.outbox,
            self.show_notice,
            saved=lambda: not self.services.store.in_memory,
        )
        self.session_end = SessionEnd(self.quit_guard.close_without_asking, self)
        self.session.switched.connect(self._on_switched)
        self.session.problem.connect(self.show_notice)
        self.session.key_changed.connect(self._after_key_change)
        self.session.signed_out.connect(self._after_sign_out)
        self.session.sign_out_refused.connect(self._sign_out_refused)
        self.session.sandbox_reset.connect(
            lambda: self.notice_bar.show_message(
                "The sandbox starts again from its demo data.",
                icon_name="sandbox",
                timeout_ms=12_000,
            )
        )
        self.window_settings = QSettings(str(home / "window.ini"), QSettings.Format.IniFormat)

        self._build_chrome()
        self.update_bar = attach_updates(self)  # issue 17: self-update
        self.menus = WindowMenus(self)
        self.help_menu: QMenu = self.menus.help_menu  # the Help menu (About is added there)
        self.about_action = self.menus.about_action
        self.page_actions = self.menus.page_actions
        self._build_pages()
        self._restore_geometry()

    # -- construction ------------------------------------------------------------

    def _build_chrome(self) -> None:
        central = QWidget(self)
        central.setObjectName("central")
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.sandbox_banner = MessageBar("sandboxBanner", central)
        self.key_banner = MessageBar("keyBanner", central)
        self.notice_bar = MessageBar("noticeBar", central)
        self.store_banner = MessageBar("storeBanner", central)
        for bar in (self.sandbox_banner, self.key_banner, self.store_banner, self.notice_bar):
            outer.addWidget(bar)

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        outer.addLayout(body, 1)

        self.page_list = QListWidget(central)
        self.page_list.setObjectName("pageList")
        self.page_list.setAccessibleName("Pages")
        self.page_list.setIconSize(QSize(20, 20))
        self.page_list.setFrameShape(QFrame.Shape.NoFrame)
        self.page_list.setUniformItemSizes(True)
        self.page_list.setSpacing(1)
        self.page_list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.page_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.page_list.setTextElideMode(Qt.TextElideMode.ElideRight)
        for spec in PAGES:
            item = QListWidgetItem(icon(spec.icon_name), spec.title)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            item.setToolTip(spec.description)
            item.setSizeHint(QSize(180, 38))
            self.page_list.addItem(item)
        self.page_list.currentRowChanged.connect(self._on_page_row)
        follow_accessible_selection(self.page_list)  # a screen reader selects a page
        self.sidebar_fit = SidebarFit(self, self.page_list)  # icons only in a narrow window
        body.addWidget(self.page_list)

        divider = QFrame(central)
        divider.setObjectName("sidebarDivider")
        divider.setFixedWidth(1)
        divider.setStyleSheet("QFrame#sidebarDivider { background: palette(mid); border: none; }")
        body.addWidget(divider)

        content = QVBoxLayout()
        content.setContentsMargins(24, 18, 24, 12)
        content.setSpacing(12)
        self.page_title = QLabel(central)
        self.page_title.setObjectName("pageTitle")
        title_font = self.page_title.font()
        title_font.setPointSizeF(title_font.pointSizeF() * 1.5)
        title_font.setWeight(title_font.Weight.DemiBold)
        self.page_title.setFont(title_font)
        self.page_subtitle = QLabel(central)
        self.page_subtitle.setObjectName("pageSubtitle")
        header = QVBoxLayout()
        header.setSpacing(2)
        header.addWidget(self.page_title)
        header.addWidget(self.page_subtitle)
        content.addLayout(header)
        self.stack = QStackedWidget(central)
        self.stack.setObjectName("pageStack")
        self.pages = WindowPages(self, self.stack)  # built when first needed
        content.addWidget(self.stack, 1)
        body.addLayout(content, 1)
        self.setCentralWidget(central)

        self.status = AppStatusBar(self)
        self.setStatusBar(self.status)
        self.status.stop_refresh.clicked.connect(lambda: self.services.outbox.cancel_refresh())
        self._restyle_sidebar()

    def _build_pages(self) -> None:
        """(Re)build the pages for the current services: New order now, the others when first
        needed (`WindowPages`), and wire them to the window."""
        services = self.services
        self.order_entry = OrderEntryView(services)
        self.pages.reset(self.order_entry)
        self.order_entry.open_order_requested.connect(self.show_order)
        self.order_entry.form.from_template_button.clicked.connect(
            self.menus.templates.new_order_from_template
        )
        self.order_entry.placed_aside.connect(self._order_placed_aside)
        self.order_entry.refused_aside.connect(self._order_refused_aside)

        outbox = services.outbox
        outbox.connectivity_changed.connect(self._on_connectivity)
        outbox.entries_changed.connect(self._update_outbox_status)
        outbox.progress.connect(self.status.set_progress)
        outbox.key_rejected.connect(self._on_key_rejected)
        outbox.reference_progress.connect(self.status.set_reference_progress)
        outbox.reference_refreshed.connect(self.status.reference_refreshed)
        outbox.entry_rejected.connect(self._on_entry_rejected)
        outbox.drain_finished.connect(lambda _report: self.quit_guard.drain_finished())
        outbox.busy_elsewhere.connect(self.show_notice)
        outbox.send_stopped.connect(self._on_send_stopped)

        self.status.set_profile(services.profile)
        self.refresh_connection_status()
        self._update_outbox_status()
        self._update_banners()
        self._show_store_notice()
        self.setWindowTitle(
            APP_NAME
            if services.profile.name == "production"
            else f"{APP_NAME} — {profile_label(services.profile)}"
        )
        self.show_page(NEW_ORDER.key)

    def _restore_geometry(self) -> None:
        self.setMinimumSize(MINIMUM_SIZE)
        geometry = self.window_settings.value("main/geometry")
        if isinstance(geometry, QByteArray) and self.restoreGeometry(geometry):
            state = self.window_settings.value("main/state")
            if isinstance(state, QByteArray):
                self.restoreState(state)
            return
        self.resize(DEFAULT_SIZE)
        screen = QApplication.primaryScreen()
        if screen is not None:
            area = screen.availableGeometry()
            size = DEFAULT_SIZE.boundedTo(area.size() * 0.92)
            self.resize(size)
            self.move(area.center() - self.rect().center())
            if opens_maximised(area.size()):
                # Takes effect on `show()`; un-maximising returns to the size above.
                self.setWindowState(Qt.WindowState.WindowMaximized)

    # -- life cycle ------------------------------------------------------------

    @property
    def services(self) -> AppServices:
        """The open profile's services (they change when the coordinator switches)."""
        return self.session.services

    def start(self) -> None:
        """Begin background work (sending, reference refresh). Call once the window shows."""
        self.session.start()
        self._update_outbox_status()
        self.update_bar.updates.start()

    def start_after_first_paint(self) -> None:
        """`start()` once the window has painted: the first refresh, drain and probe import
        the network stack (httpx, httpcore) on the bridge thread, which would share the GIL
        with the first paint."""
        self.pages.after_first_paint(self.start)

    def shutdown(self) -> None:
        """Save the window's place and the draft on screen, then end the session (work,
        store, bridge, sandbox)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.pages.stop()
        if self.order_entry.autosave.pending:
            # An edit of the last moment: queued on the bridge now, so it is written before
            # the bridge stops (the page's own hide comes only after that).
            self.order_entry.autosave.save_now()
        self.window_settings.setValue("main/geometry", self.saveGeometry())
        self.window_settings.setValue("main/state", self.saveState())
        self.window_settings.sync()
        self.session.shutdown()

    def needs_key(self) -> bool:
        return self.session.needs_key()

    # -- pages ------------------------------------------------------------

    def current_page_key(self) -> str:
        item = self.page_list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else NEW_ORDER.key

    def show_page(self, key: str) -> None:
        row = [spec.key for spec in PAGES].index(key)
        if self.page_list.currentRow() != row:
            self.page_list.setCurrentRow(row)
        else:
            self._on_page_row(row)

    def _on_page_row(self, row: int) -> None:
        if row < 0:
            return
        spec = PAGES[row]
        page = self.pages.page(spec.key)
        before = QApplication.focusWidget()
        was_inside = before is not None and page.isAncestorOf(before)
        self.stack.setCurrentWidget(page)
        self.page_title.setText(spec.title)
        self.page_subtitle.setText(spec.description)
        # A page that shows its own title does not get a second one from the shell.
        own_title = any(label.text() == spec.title for label in page.findChildren(QLabel))
        self.page_title.setVisible(not own_title)
        self.page_subtitle.setVisible(not own_title)
        browsing = self.page_list.hasFocus()  # arrowing through the sidebar
        if not browsing:
            focus_first(page, keep=was_inside)
        # Then the page may put the focus somewhere better (and make a current row).
        activated = getattr(page, "page_activated", None)
        if callable(activated):
            activated()
        if browsing:
            # ...but not while the coordinator is still choosing a page with the arrows.
            self.page_list.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def drafts_page(self) -> DraftsPage:
        """Drafts & outbox (built now if it was not yet)."""
        return self.pages.drafts

    @property
    def history(self) -> OrderHistoryView:
        """Order history (built now if it was not yet)."""
        return self.pages.history

    @property
    def settings_page(self) -> SettingsPage:
        """Settings (built now if it was not yet)."""
        return self.pages.settings

    def new_order(self) -> None:
        self.show_page(NEW_ORDER.key)
        self.order_entry.new_order()
        self.order_entry.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def load_draft(self, draft: OrderDraft) -> None:
        """Open `draft` in New order (from Drafts, or a reorder from history)."""
        self.order_entry.load_draft(draft)
        self.show_page(NEW_ORDER.key)

    def show_order(self, order_id: int) -> None:
        self.show_page(HISTORY.key)
        self.history.show_order(order_id)

    def show_needs_action(self) -> None:
        """The orders that need the coordinator (View > Needs action, Ctrl+Shift+A)."""
        self.show_page(HISTORY.key)
        self.history.show_needs_action()

    def show_needs_action_count(self, count: int) -> None:
        row = [spec.key for spec in PAGES].index(HISTORY.key)
        what = "order needs action" if count == 1 else "orders need action"
        self.sidebar_fit.set_count(row, count, what)

    def order_needs_action(self, order_id: int, text: str) -> None:
        # Said once (history/needs_action.py), wherever the coordinator is.
        if self.current_page_key() == HISTORY.key:
            return  # the page's own bar says it there, with its Open button
        self.notice_bar.show_message(
            text,
            [("Open in history", lambda: self.show_order(order_id))],
            icon_name="history",
            timeout_ms=30_000,
        )

    def _order_placed_aside(self, order_id: int, text: str) -> None:
        # New order has moved on to the next order; the last one's news goes here instead.
        self.notice_bar.show_message(
            text,
            [("Open in history", lambda: self.show_order(order_id))],
            icon_name="send",
            timeout_ms=20_000,
        )

    def _order_refused_aside(self, draft_id: str, text: str) -> None:
        # The form holds another order; the refused one waits in Drafts until asked for.
        def open_it() -> None:
            self.notice_bar.dismiss()  # the form's banner takes over the news
            self.show_page(NEW_ORDER.key)
            self.order_entry.open_refused(draft_id)

        self.notice_bar.show_message(text, [("Open", open_it)], icon_name="key-rejected")

    def show_notice(self, text: str, timeout_ms: int = 12_000) -> None:
        self.notice_bar.show_message(text, icon_name="offline", timeout_ms=timeout_ms)

    # -- outbox and connection ------------------------------------------------------------

    def send_now(self) -> None:
        self.services.outbox.send_now()

    def _on_send_stopped(self, report: DrainReport) -> None:
        # Asked from the menu, the quit question or any page: said here, unless the Drafts
        # page shows, whose own bar says it beside its Send now button.
        drafts = self.pages.built(DRAFTS.key)
        if drafts is None or not drafts.isVisible():
            self.show_notice(send_stopped_text(report), timeout_ms=NOTE_MS)

    def refresh_references(self) -> None:
        self.services.outbox.refresh_references()

    def _update_outbox_status(self) -> None:
        outbox = self.services.outbox
        pending = outbox.pending_count()
        self.status.set_outbox(pending, outbox.attention_count())
        self.quit_guard.outbox_changed()

    def refresh_connection_status(self) -> None:
        """Show the connection state (or that there is no key at all)."""
        outbox = self.services.outbox
        state = outbox.state if self.services.api_key() else "nokey"
        self.status.set_connection(state, outbox.state_message)

    def _on_connectivity(self, state: str) -> None:
        self.refresh_connection_status()
        if state == "online":
            self.key_banner.dismiss()
        if state in NO_CONNECTION:
            self.quit_guard.went_offline()

    def _on_entry_rejected(self, entry: object) -> None:
        message = getattr(entry, "server_message", None) or "Impilo refused an order."
        self.notice_bar.show_message(
            f"Impilo refused an order: {message}",
            [("Show in Drafts && outbox", lambda: self.show_page(DRAFTS.key))],
            icon_name="key-rejected",
        )

    def _on_key_rejected(self, message: str) -> None:
        self.key_banner.show_message(
            "Impilo did not accept the API key, so nothing is being sent. It may have expired "
            "or been deactivated.",
            [("Enter a new key…", self.prompt_for_new_key)],
            icon_name="key-rejected",
            closable=False,
        )
        self.prompt_for_new_key()

    # -- accounts ------------------------------------------------------------

    def _update_banners(self) -> None:
        if self.services.profile.is_sandbox:
            self.sandbox_banner.show_message(
                "You are using the sandbox: practice data on this computer. Orders placed here "
                "go nowhere.",
                [("Connect your Impilo account…", self.open_welcome)],
                icon_name="sandbox",
                closable=True,
            )
        else:
            self.sandbox_banner.dismiss()
        self.key_banner.dismiss()

    def _show_store_notice(self) -> None:
        """What opening the profile's database found (a file cut to 0 bytes, started anew)
        has a bar of its own, so the next outbox notice cannot push it away unread."""
        notice = self.services.store.notice
        if notice is None:
            self.store_banner.dismiss()
        else:
            self.store_banner.show_message(notice.message, icon_name="offline")

    def open_welcome(self) -> None:
        """The welcome dialog (connect an account, or continue with the sandbox)."""
        from impilo_desktop.ui.dialogs.welcome import WelcomeDialog

        existing = self.findChild(WelcomeDialog, "welcomeDialog")
        if existing is not None and existing.isVisible():
            existing.raise_()
            return
        dialog = WelcomeDialog(self.keys, self.bridge, self, network=self.services.network)
        dialog.account_saved.connect(self.switch_profile)
        dialog.sandbox_chosen.connect(self.use_sandbox)
        dialog.open()

    def prompt_for_new_key(self, reason: str = "rejected") -> None:
        """Ask for a new key for the current profile: after a 401 ("rejected"), from
        Settings ("replace"), or when there is none ("missing")."""
        from impilo_desktop.ui.dialogs.welcome import WelcomeDialog

        if self.services.profile.is_sandbox and self.sandbox.running:
            # The built-in server's key is fixed and pinned: nothing to ask the user.
            self.show_notice("The built-in sandbox refused its own key. Restart Impilo Desktop.")
            return
        existing = self.findChild(WelcomeDialog, "newKeyDialog")
        if existing is not None and existing.isVisible():
            existing.raise_()
            return
        dialog = WelcomeDialog(
            self.keys,
            self.bridge,
            self,
            replace_for=self.services.profile,
            reason=reason,
            network=self.services.network,
        )
        dialog.key_replaced.connect(self.session.key_replaced)
        dialog.open()

    def _after_key_change(self) -> None:
        self.key_banner.dismiss()
        self.refresh_connection_status()
        self._update_banners()
        settings = self.pages.built(SETTINGS.key)
        if settings is not None:
            cast("SettingsPage", settings).refresh()

    def _after_sign_out(self, name: str, problems: list[str]) -> None:
        """The account's data is gone and the sandbox is open: the first-run state, with the
        welcome dialog to connect an account (see `SessionController.sign_out`)."""
        if problems:
            self.show_notice(f"Signed out of {name.capitalize()}. " + " ".join(problems), 30_000)
        else:
            self.notice_bar.show_message(
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

    def _sign_out_refused(self, message: str) -> None:
        # Settings says it beside its button; once the sandbox is open (the profile was taken
        # between the check and the removal) that button is gone, so the window says it.
        if self.services.profile.is_sandbox:
            self.show_notice(message, 30_000)

    def use_sandbox(self) -> None:
        """Switch to the built-in sandbox (started if needed)."""
        if self.session.sandbox_running:
            self.session.use_sandbox()
        else:
            self._leave_session_first(self.session.use_sandbox)

    def switch_profile(self, profile: Profile) -> None:
        """Open `profile` in this window (see `SessionController.switch_profile`)."""
        if profile == self.services.profile:
            self.session.switch_profile(profile)
        else:
            self._leave_session_first(lambda: self.session.switch_profile(profile))

    def _leave_session_first(self, switch: Callable[[], None]) -> None:
        # A session-only store loses its drafts and unsent orders when it closes: ask first.
        services = self.services
        leave_session_first(self, services.bridge, services.store, switch, self.show_notice)

    def _on_switched(self, services: AppServices) -> None:
        from impilo_desktop.policy import current_policy

        if not services.profile.is_sandbox and not current_policy().allow_sandbox:
            # The built-in sandbox only held the window while an account was signed out, on a
            # computer where it is turned off: its server stops (on the bridge: it joins a
            # thread).
            self.bridge.call(self.sandbox.stop)
        self._build_pages()
        self.profile_switched.emit(services.profile)
        if self.needs_key():
            self.prompt_for_new_key("missing")

    # -- seen or not ------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._light_seen()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._light_seen()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.WindowStateChange:
            self._light_seen()

    def _light_seen(self) -> None:
        # The online light's probe asks only while somebody can see the light (sync/probe.py).
        self.services.outbox.set_window_shown(self.isVisible() and not self.isMinimized())

    # -- leaving ------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.quit_guard.may_close():
            event.ignore()
            return
        event.accept()
        self.shutdown()
        super().closeEvent(event)

    # -- appearance ------------------------------------------------------------

    def _restyle_sidebar(self) -> None:
        self.page_list.setStyleSheet(
            "QListWidget#pageList { background: palette(window); padding: 10px 8px; }"
            " QListWidget#pageList::item { padding: 6px 10px; border-radius: 6px;"
            " color: palette(window-text); }"
            " QListWidget#pageList::item:hover { background: palette(midlight); }"
            " QListWidget#pageList::item:selected { background: palette(highlight);"
            " color: palette(highlighted-text); }"
        )
        # Icons follow the palette by themselves (see resources.PaletteSvgIconEngine).
        self.page_subtitle.setStyleSheet("color: palette(placeholder-text);")

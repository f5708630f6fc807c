"""The main window: a sidebar of pages, a status bar, menus, and the rules for leaving.

The window owns one profile's `AppServices` at a time; switching account closes them and
builds the pages again for the new profile.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QMainWindow,
    QMenu,
    QStackedWidget,
)

from impilo_desktop import APP_NAME
from impilo_desktop.config import Profile
from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.secrets import KeyStore
from impilo_desktop.ui.dialogs.quit_question import QuitGuard
from impilo_desktop.ui.order_entry.view import OrderEntryView
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.ui.plumbing.services import AppServices
from impilo_desktop.ui.plumbing.session import SandboxHost
from impilo_desktop.ui.plumbing.session_controller import SessionController
from impilo_desktop.ui.plumbing.session_end import SessionEnd
from impilo_desktop.ui.plumbing.theme import scheme_follower
from impilo_desktop.ui.shell.focus import focus_first
from impilo_desktop.ui.shell.menus import WindowMenus
from impilo_desktop.ui.shell.message_bar import MessageBar
from impilo_desktop.ui.shell.pages import HISTORY, NEW_ORDER, PAGES
from impilo_desktop.ui.shell.sidebar import SidebarFit
from impilo_desktop.ui.shell.status_bar import AppStatusBar, profile_label
from impilo_desktop.ui.shell.window_accounts import AccountFlows
from impilo_desktop.ui.shell.window_chrome import build_chrome
from impilo_desktop.ui.shell.window_outbox import OutboxNews
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

    # Made by `build_chrome` (window_chrome.py).
    sandbox_banner: MessageBar
    key_banner: MessageBar
    notice_bar: MessageBar
    store_banner: MessageBar
    page_list: QListWidget
    sidebar_fit: SidebarFit
    page_title: QLabel
    page_subtitle: QLabel
    stack: QStackedWidget
    pages: WindowPages
    status: AppStatusBar

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
        self.accounts = AccountFlows(self)
        self.outbox_news = OutboxNews(self)
        self.session.switched.connect(self.accounts.on_switched)
        self.session.problem.connect(self.show_notice)
        self.session.key_changed.connect(self.accounts.after_key_change)
        self.session.signed_out.connect(self.accounts.after_sign_out)
        self.session.sign_out_refused.connect(self.accounts.sign_out_refused)
        self.session.sandbox_reset.connect(
            lambda: self.notice_bar.show_message(
                "The sandbox starts again from its demo data.",
                icon_name="sandbox",
                timeout_ms=12_000,
            )
        )
        self.window_settings = QSettings(str(home / "window.ini"), QSettings.Format.IniFormat)

        build_chrome(self)
        self.update_bar = attach_updates(self)  # issue 17: self-update
        self.menus = WindowMenus(self)
        self.help_menu: QMenu = self.menus.help_menu  # the Help menu (About is added there)
        self.about_action = self.menus.about_action
        self.page_actions = self.menus.page_actions
        self.build_pages()
        self._restore_geometry()

    # -- construction ------------------------------------------------------------

    def build_pages(self) -> None:
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

        self.outbox_news.follow(services.outbox)
        self.status.set_profile(services.profile)
        self.outbox_news.refresh_connection_status()
        self.outbox_news.update_outbox_status()
        self.accounts.update_banners()
        self.accounts.show_store_notice()
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
        self.outbox_news.update_outbox_status()
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
            self.on_page_row(row)

    def on_page_row(self, row: int) -> None:
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

    # -- outbox and accounts (window_outbox.py, window_accounts.py) ----------------------

    def send_now(self) -> None:
        self.services.outbox.send_now()

    def refresh_references(self) -> None:
        self.services.outbox.refresh_references()

    def open_welcome(self) -> None:
        """The welcome dialog (connect an account, or continue with the sandbox)."""
        self.accounts.open_welcome()

    def prompt_for_new_key(self, reason: str = "rejected") -> None:
        """Ask for a new key for the current profile: after a 401 ("rejected"), from
        Settings ("replace"), or when there is none ("missing")."""
        self.accounts.prompt_for_new_key(reason)

    def use_sandbox(self) -> None:
        """Switch to the built-in sandbox (started if needed)."""
        self.accounts.use_sandbox()

    def switch_profile(self, profile: Profile) -> None:
        """Open `profile` in this window (see `SessionController.switch_profile`)."""
        self.accounts.switch_profile(profile)

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
        elif event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            # The application's palette changed (ours, or the OS's own style's): tell the
            # views, whose widgets are not all told (a hidden page, a style sheet's colours).
            # Windows hear PaletteChange here (Qt 6.11); ApplicationPaletteChange in case.
            scheme_follower().palette_changed()

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

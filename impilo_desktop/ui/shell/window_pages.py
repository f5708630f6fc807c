"""The window's pages in its stack, each built when it is first needed.

New order is built with the window: it is what the window opens on. Drafts & outbox, Order
history and Settings start as an empty placeholder and are built (their modules imported)
the first time they are shown or anything asks for them: the sidebar, a menu action or
shortcut, a notice's "Open in history". So the first paint waits for none of them.

Order history's status watch is not the page's: it is made here with each set of pages and
started once the window has painted, so the sidebar's count of orders that need action and
the news of an order entering such a state (said wherever the coordinator is) need no page.
The page, when first shown, attaches its list and notes to it. Other work that must not
delay the first paint waits for it too (`after_first_paint`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QStackedWidget, QWidget

from impilo_desktop.ui.history.notify import STATUS_BAR_MILLISECONDS, Actions, tray_message
from impilo_desktop.ui.history.poller import DEFAULT_INTERVAL_SECONDS
from impilo_desktop.ui.history.status_watch import StatusWatch
from impilo_desktop.ui.shell.focus import focus_first
from impilo_desktop.ui.shell.pages import DRAFTS, HISTORY, NEW_ORDER, PAGES, SETTINGS

if TYPE_CHECKING:
    from impilo_desktop.ui.drafts.view import DraftsPage
    from impilo_desktop.ui.history.view import OrderHistoryView
    from impilo_desktop.ui.shell.main_window import MainWindow
    from impilo_desktop.ui.shell.settings_page import SettingsPage

PLACEHOLDER_SUFFIX = "Placeholder"
WITHOUT_PAINT_MS = 2_000
"""The status watch starts this long after the window was shown if no paint came first (a
window started minimised is never painted, yet its sidebar count is wanted)."""


class WindowPages(QObject):
    """The pages of `window`, in `stack` in the order of `PAGES`."""

    def __init__(self, window: MainWindow, stack: QStackedWidget) -> None:
        super().__init__(window)
        self._window = window
        self._stack = stack
        self._built: dict[str, QWidget] = {}
        self._painted = False
        self._first_paint_done = False
        self._after_paint: list[Callable[[], None]] = []
        self._stopped = False
        self.watch: StatusWatch | None = None
        window.installEventFilter(self)
        # A page built later comes last in the window's Tab order (after a banner's button
        # made meanwhile), so Tab from the sidebar is sent into the current page here.
        window.page_list.installEventFilter(self)

    def stop(self) -> None:
        """The window shuts down: build nothing more (the session's services are closing)."""
        self._stopped = True
        if self.watch is not None:
            self.watch.poller.stop()

    def reset(self, first: QWidget) -> None:
        """A new set of pages (the window opens, or the profile changed): New order is
        `first`, the others placeholders until needed."""
        while self._stack.count():
            old = self._stack.widget(0)
            if old is None:
                break
            self._stack.removeWidget(old)
            old.deleteLater()
        self._built = {NEW_ORDER.key: first}
        for spec in PAGES:
            if spec.key == NEW_ORDER.key:
                page = first
            else:
                page = QWidget()
                page.setObjectName(spec.key + PLACEHOLDER_SUFFIX)
                page.setAccessibleName(spec.title)
            page.setObjectName(page.objectName() or spec.key)
            self._stack.addWidget(page)
        self._new_watch()
        if self._first_paint_done:  # a profile switch: the window is up already
            self._start_watch()

    def after_first_paint(self, work: Callable[[], None]) -> None:
        """`work()` on the turn of the event loop after the window's first paint has reached
        the screen (at once if it has; without a paint, `WITHOUT_PAINT_MS` after showing)."""
        if self._first_paint_done:
            QTimer.singleShot(0, lambda: None if self._stopped else work())
        else:
            self._after_paint.append(work)

    def built(self, key: str) -> QWidget | None:
        """The page `key` if it was built (None: still its placeholder)."""
        return self._built.get(key)

    def page(self, key: str) -> QWidget:
        """The page `key`, built now if it was not yet."""
        page = self._built.get(key)
        if page is None:
            page = self._build(key)
        return page

    @property
    def drafts(self) -> DraftsPage:
        return cast("DraftsPage", self.page(DRAFTS.key))

    @property
    def history(self) -> OrderHistoryView:
        return cast("OrderHistoryView", self.page(HISTORY.key))

    @property
    def settings(self) -> SettingsPage:
        return cast("SettingsPage", self.page(SETTINGS.key))

    # -- building ---------------------------------------------------------------------------

    def _build(self, key: str) -> QWidget:
        builders = {
            DRAFTS.key: self._make_drafts,
            HISTORY.key: self._make_history,
            SETTINGS.key: self._make_settings,
        }
        page = builders[key]()
        placeholder = self._stack.findChild(QWidget, key + PLACEHOLDER_SUFFIX)
        index = self._stack.indexOf(placeholder) if placeholder is not None else -1
        page.setObjectName(page.objectName() or key)
        self._built[key] = page
        if index < 0:  # cannot happen: every key has its placeholder until built
            self._stack.addWidget(page)
            return page
        self._stack.insertWidget(index, page)
        if placeholder is not None:
            self._stack.removeWidget(placeholder)
            placeholder.setParent(None)  # gone now, not at the next turn of the event loop
            placeholder.deleteLater()
        return page

    def _make_drafts(self) -> QWidget:
        from impilo_desktop.ui.drafts.view import DraftsPage

        window = self._window
        page = DraftsPage(window.services)
        page.open_draft_requested.connect(window.load_draft)
        page.open_order_requested.connect(window.show_order)
        return page

    def _make_history(self) -> QWidget:
        from impilo_desktop.ui.history.view import OrderHistoryView

        window = self._window
        page = OrderHistoryView(window.services, watch=self.watch)
        window.session.sandbox_reset.connect(page.refresh)
        page.reorder_requested.connect(window.load_draft)
        return page

    def _make_settings(self) -> QWidget:
        from impilo_desktop.ui.shell.settings_page import SettingsPage

        window = self._window
        return SettingsPage(
            window.services,
            window.session,
            window.prompt_for_new_key,
            updates=window.update_bar.updates,
        )

    def _on_first_paint(self) -> None:
        if self._first_paint_done:
            return
        self._first_paint_done = True
        waiting, self._after_paint = self._after_paint, []
        for work in waiting:
            if not self._stopped:
                work()
        self._start_watch()

    # -- the status watch ---------------------------------------------------------------------

    def _new_watch(self) -> None:
        """The watch of this set of pages (the last one's goes with its services)."""
        old = self.watch
        if old is not None:
            old.poller.stop()
            old.deleteLater()
        window = self._window
        self.watch = StatusWatch(
            window.services,
            self._say,
            interval_seconds=DEFAULT_INTERVAL_SECONDS,
            open_order=window.show_order,
            parent=self,
        )
        self.watch.needs.changed.connect(window.show_needs_action_count)
        self.watch.needs_action_noticed.connect(window.order_needs_action)
        # Orders forgotten by the retention may have been counted: read the count again
        # (a page no longer reads it unless the page changes it).
        window.session.retention.pruned.connect(self.watch.needs.refresh_after_prune)

    def _start_watch(self) -> None:
        if not self._stopped and self.watch is not None:
            self.watch.start()

    def _say(
        self,
        message: str,
        *,
        tray_title: str = "",
        about: int | None = None,
        news: bool = False,
        actions: Actions | None = None,
    ) -> None:
        # News before Order history was built (then its notes say it): the status bar, and
        # the tray for what is worth it, as the page's notes do. An order needing action is
        # said in the window's notice bar too (`needs_action_noticed`).
        self._window.statusBar().showMessage(message, STATUS_BAR_MILLISECONDS)
        if tray_title:
            tray_message(self._window, tray_title, message)

    def _tab_into_page(self, event: QKeyEvent) -> bool:
        if event.key() != Qt.Key.Key_Tab or event.modifiers() != Qt.KeyboardModifier.NoModifier:
            return False
        page = self._stack.currentWidget()
        if page is None:
            return False
        focus_first(page, keep=False)
        return True

    # -- after the first paint ----------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.KeyPress and watched is self._window.page_list:
            return self._tab_into_page(cast(QKeyEvent, event))
        if not self._painted and kind == QEvent.Type.Paint:
            self._painted = True
            # After this paint has reached the screen, on the next turn of the event loop.
            QTimer.singleShot(0, self._on_first_paint)
        elif not self._painted and kind == QEvent.Type.Show:
            QTimer.singleShot(WITHOUT_PAINT_MS, self._on_first_paint)
        return False

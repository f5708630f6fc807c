"""The history page's keys: Ctrl+R or F5 fetches the list again, Ctrl+F goes to the search,
Ctrl+C copies the selected order ids, and Enter or Down in the search goes to the matches.
(Escape in the detail panel, back to the list, is the panel's own.)"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLineEdit, QTableView, QWidget


def _action(
    owner: QWidget,
    text: str,
    name: str,
    keys: list[QKeySequence],
    context: Qt.ShortcutContext,
    triggered: Callable[[], None],
) -> QAction:
    action = QAction(text, owner)
    action.setObjectName(name)
    action.setShortcuts(keys)
    action.setShortcutContext(context)
    action.triggered.connect(triggered)
    owner.addAction(action)
    return action


class HistoryKeys(QObject):
    """The page's shortcuts, and the search field's way down to the list."""

    def __init__(
        self,
        page: QWidget,
        table: QTableView,
        search: QLineEdit,
        *,
        refresh: Callable[[], None],
        find: Callable[[], None],
        copy: Callable[[], None],
        to_list: Callable[[], None],
    ) -> None:
        super().__init__(page)
        # Anywhere on the page, not only in the list.
        anywhere = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self.refresh_action = _action(
            page,
            "Refresh",
            "refreshHistoryAction",
            [QKeySequence("Ctrl+R"), QKeySequence(Qt.Key.Key_F5)],
            anywhere,
            refresh,
        )
        self.find_action = _action(
            page,
            "Find",
            "findInHistoryAction",
            [QKeySequence(QKeySequence.StandardKey.Find)],
            anywhere,
            find,
        )
        # In the list only: elsewhere (a filter field, the detail text) Ctrl+C copies as usual.
        self.copy_action = _action(
            table,
            "Copy order id",
            "copyOrderIdAction",
            [QKeySequence(QKeySequence.StandardKey.Copy)],
            Qt.ShortcutContext.WidgetShortcut,
            copy,
        )
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self._search = search
        self._to_list = to_list
        # From the search field, Enter or Down goes to the matches (the first one current).
        search.returnPressed.connect(to_list)
        search.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The event's type first: a page freed by the cyclic collector loses this object's
        # attributes before the search field's last events arrive.
        if (
            event.type() == QEvent.Type.KeyPress
            and watched is self._search
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Down
        ):
            self._to_list()
            return True
        return super().eventFilter(watched, event)


__all__ = ["HistoryKeys"]

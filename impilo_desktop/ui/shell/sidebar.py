"""The sidebar narrows to its icons in a window under 1600 px wide.

On a 1280-1440 px laptop the 212 px of page names are the width the order history needs for
its columns and the order detail side by side (from 1600 px the page has as much room with
the names as a 1440 px window has without them). The narrow sidebar keeps each page's icon,
with its name in the tooltip and for screen readers; the names come back when the window is
wide again.

A page can carry a count (the orders that need action, on Order history): a badge on its icon
in both widths, in the tooltip ("Order history: 3 orders need action") and as the accessible
description.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QListWidget, QWidget

from .sidebar_badge import badged

WIDE_WIDTH = 212
NARROW_WIDTH = 56
NARROW_BELOW = 1600
"""Window widths (logical pixels) under this get the narrow sidebar."""

_TITLE = int(Qt.ItemDataRole.UserRole) + 1
_DESCRIPTION = int(Qt.ItemDataRole.UserRole) + 2
_COUNT_TEXT = int(Qt.ItemDataRole.UserRole) + 3


class SidebarFit(QObject):
    """Watches `window`'s width and shows `page_list` wide (names) or narrow (icons)."""

    def __init__(self, window: QWidget, page_list: QListWidget) -> None:
        super().__init__(window)
        self._window = window
        self._list = page_list
        self.narrow: bool | None = None
        self._icons: dict[int, QIcon] = {}
        for row in range(page_list.count()):
            item = page_list.item(row)
            item.setData(_TITLE, item.text())
            item.setData(_DESCRIPTION, item.toolTip())
            item.setData(Qt.ItemDataRole.AccessibleTextRole, item.text())
        self.fit()
        window.installEventFilter(self)

    def fit(self) -> None:
        narrow = self._window.width() < NARROW_BELOW
        if narrow == self.narrow:
            return
        self.narrow = narrow
        self._list.setFixedWidth(NARROW_WIDTH if narrow else WIDE_WIDTH)
        for row in range(self._list.count()):
            self._label(row)

    def set_count(self, row: int, count: int, what: str) -> None:
        """Show `count` on page `row`'s icon; `what` says what is counted ("orders need
        action") for tooltips and screen readers. 0 takes the badge away."""
        item = self._list.item(row)
        if item is None:
            return
        base = self._icons.setdefault(row, item.icon())
        item.setIcon(badged(base, count))
        item.setData(_COUNT_TEXT, f"{count} {what}" if count > 0 else "")
        self._label(row)

    def _label(self, row: int) -> None:
        item = self._list.item(row)
        narrow = bool(self.narrow)
        title = str(item.data(_TITLE))
        description = str(item.data(_DESCRIPTION))
        counted = str(item.data(_COUNT_TEXT) or "")
        named = f"{title}: {counted}" if counted else title
        item.setText("" if narrow else title)
        item.setSizeHint(QSize(NARROW_WIDTH - 16 if narrow else 180, 38))
        if narrow:
            item.setToolTip(f"{named}. {description}" if counted else f"{title}: {description}")
        else:
            item.setToolTip(f"{counted}. {description}" if counted else description)
        # The name stays the page's (screen readers and tests find pages by it); the count
        # is its description.
        item.setData(Qt.ItemDataRole.AccessibleTextRole, title)
        item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, counted)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self._window:
            self.fit()
        return False


__all__ = ["NARROW_BELOW", "SidebarFit"]

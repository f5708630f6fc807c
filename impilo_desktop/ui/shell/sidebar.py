"""The sidebar narrows to its icons in a window under 1600 px wide.

On a 1280-1440 px laptop the 212 px of page names are the width the order history needs for
its columns and the order detail side by side (from 1600 px the page has as much room with
the names as a 1440 px window has without them). The narrow sidebar keeps each page's icon,
with its name in the tooltip and for screen readers; the names come back when the window is
wide again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import QListWidget, QWidget

WIDE_WIDTH = 212
NARROW_WIDTH = 56
NARROW_BELOW = 1600
"""Window widths (logical pixels) under this get the narrow sidebar."""

_TITLE = int(Qt.ItemDataRole.UserRole) + 1
_DESCRIPTION = int(Qt.ItemDataRole.UserRole) + 2


class SidebarFit(QObject):
    """Watches `window`'s width and shows `page_list` wide (names) or narrow (icons)."""

    def __init__(self, window: QWidget, page_list: QListWidget) -> None:
        super().__init__(window)
        self._window = window
        self._list = page_list
        self.narrow: bool | None = None
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
            item = self._list.item(row)
            title = str(item.data(_TITLE))
            description = str(item.data(_DESCRIPTION))
            item.setText("" if narrow else title)
            item.setSizeHint(QSize(NARROW_WIDTH - 16 if narrow else 180, 38))
            item.setToolTip(f"{title}: {description}" if narrow else description)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self._window:
            self.fit()
        return False


__all__ = ["NARROW_BELOW", "SidebarFit"]

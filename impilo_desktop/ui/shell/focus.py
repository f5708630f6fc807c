"""Where the keyboard focus lands when a page is shown."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget


def focus_first(page: QWidget, *, keep: bool = True) -> None:
    """Put the keyboard focus on the page's first focusable control, unless the page
    already holds it (so a keyboard user lands somewhere useful after Ctrl+1..4).

    `keep=False` ignores where the focus is now: when the page that had it was hidden, Qt
    moved it on to whatever came next in the chain (e.g. a button on the new page)."""
    focused = QApplication.focusWidget()
    if keep and focused is not None and page.isAncestorOf(focused):
        return
    proxy = page.focusProxy()
    if proxy is not None:
        proxy.setFocus(Qt.FocusReason.ShortcutFocusReason)
        return
    # Walk the focus chain (the Tab order), not the creation order.
    child = page.nextInFocusChain()
    while child is not None and child is not page:
        if (
            page.isAncestorOf(child)
            and child.isVisibleTo(page)
            and child.isEnabled()
            and child.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            target = child.focusProxy() or child
            target.setFocus(Qt.FocusReason.TabFocusReason)
            return
        child = child.nextInFocusChain()

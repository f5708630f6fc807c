"""Every widget on the history page gets an object name (for tests and style sheets) and an
accessible name (for screen readers), as docs/architecture.md asks of every page."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget


def named(widget: QWidget, name: str, accessible: str) -> None:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)


__all__ = ["named"]

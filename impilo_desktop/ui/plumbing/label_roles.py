"""Problem and hint labels, coloured through their palette instead of a style sheet.

New order's form coloured them with a style sheet of its own (`QLabel[role="error"]`, ...).
Any style sheet on a widget makes Qt draw that widget and every widget inside it through
its style sheet style, so setting it restyled the whole form before its first paint (the
call took ~37 ms; the window's build is ~20 ms shorter net: docs/performance.md,
"Start-up", session 12), and again at each light/dark switch. A label's palette colours
only that label.

A label keeps its `role` property ("error" or "hint"), which tests and the view read; its
colour is its palette's text colour from the theme's status colours, set with the role. A
palette colours for one scheme only: whoever holds such labels calls `recolor` when the
scheme or the palette changes (New order's form does; its labels are the only ones today).
"""

from __future__ import annotations

from typing import Literal

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QWidget

from impilo_desktop.ui.plumbing.theme import status_colors

ROLE = "role"
Role = Literal["error", "hint"]
ROLES: tuple[Role, ...] = ("error", "hint")


def set_role(label: QLabel, role: Role) -> None:
    """Mark `label` as a problem ("error") or a hint, and colour it so."""
    label.setProperty(ROLE, role)
    _color(label, role)


def recolor(root: QWidget) -> None:
    """Colour every problem and hint label inside `root` for the current scheme."""
    for label in root.findChildren(QLabel):
        role = label.property(ROLE)
        if role in ROLES:
            _color(label, role)


def _color(label: QLabel, role: Role) -> None:
    colors = status_colors()
    # A palette with only this role set: the label keeps following the application's
    # palette (background, a scheme change) for everything else.
    palette = QPalette()
    palette.setColor(
        QPalette.ColorRole.WindowText, QColor(colors.bad if role == "error" else colors.muted)
    )
    label.setPalette(palette)

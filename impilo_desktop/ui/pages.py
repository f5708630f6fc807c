"""The four pages of the window and how the shell finds them.

Order entry and history are built by other modules; until one exists (or if it fails to
import during development) the shell shows a calm placeholder instead, so the window always
opens."""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from impilo_desktop.ui.resources import icon

if TYPE_CHECKING:
    from impilo_desktop.ui.services import AppServices

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageSpec:
    key: str
    title: str
    icon_name: str
    description: str


NEW_ORDER = PageSpec(
    "new_order", "New order", "new-order", "Enter an order for a patient or a site"
)
DRAFTS = PageSpec(
    "drafts", "Drafts & outbox", "drafts", "Unfinished orders and orders on their way"
)
HISTORY = PageSpec(
    "history", "Order history", "history", "Orders placed, their status and tracking"
)
SETTINGS = PageSpec("settings", "Settings", "settings", "Account, API key and where data lives")
PAGES = (NEW_ORDER, DRAFTS, HISTORY, SETTINGS)


class PlaceholderPage(QWidget):
    """Shown while a page's module is not available."""

    def __init__(self, spec: PageSpec, detail: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{spec.key}Placeholder")
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        picture = QLabel(self)
        picture.setPixmap(icon(spec.icon_name).pixmap(48, 48))
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        title = QLabel(spec.title, self)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        text = QLabel(detail or f"{spec.description}. This page is not available yet.", self)
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        text.setWordWrap(True)
        for widget in (picture, title, text):
            layout.addWidget(widget)
        layout.addStretch(2)
        self.setAccessibleName(f"{spec.title} (not available)")


def load_page(module: str, cls: str, spec: PageSpec, services: AppServices) -> QWidget:
    """`module.cls(services)`, or a placeholder if that module does not exist yet."""
    try:
        factory = getattr(importlib.import_module(module), cls)
    except (ImportError, AttributeError) as exc:
        log.info("%s not available (%s); showing a placeholder", spec.title, exc)
        return PlaceholderPage(spec)
    widget = factory(services)
    if not isinstance(widget, QWidget):
        raise TypeError(f"{module}.{cls} did not build a QWidget")
    return widget

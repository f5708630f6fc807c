"""The window's chrome: the bars above the pages, the sidebar of pages, the page's title and
the stack the pages live in, and the status bar. Built once per window; the pages inside are
the window's (`WindowPages`), rebuilt when the account changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.ui.plumbing.accessibility import follow_accessible_selection
from impilo_desktop.ui.plumbing.resources import icon
from impilo_desktop.ui.shell.message_bar import MessageBar
from impilo_desktop.ui.shell.pages import PAGES
from impilo_desktop.ui.shell.sidebar import SidebarFit
from impilo_desktop.ui.shell.status_bar import AppStatusBar
from impilo_desktop.ui.shell.window_pages import WindowPages

if TYPE_CHECKING:
    from impilo_desktop.ui.shell.main_window import MainWindow


def build_chrome(window: MainWindow) -> None:
    """Make the window's bars, sidebar, page header, page stack and status bar."""
    central = QWidget(window)
    central.setObjectName("central")
    outer = QVBoxLayout(central)
    outer.setContentsMargins(0, 0, 0, 0)
    outer.setSpacing(0)
    window.sandbox_banner = MessageBar("sandboxBanner", central)
    window.key_banner = MessageBar("keyBanner", central)
    window.notice_bar = MessageBar("noticeBar", central)
    window.store_banner = MessageBar("storeBanner", central)
    for bar in (window.sandbox_banner, window.key_banner, window.store_banner, window.notice_bar):
        outer.addWidget(bar)

    body = QHBoxLayout()
    body.setContentsMargins(0, 0, 0, 0)
    body.setSpacing(0)
    outer.addLayout(body, 1)

    window.page_list = QListWidget(central)
    window.page_list.setObjectName("pageList")
    window.page_list.setAccessibleName("Pages")
    window.page_list.setIconSize(QSize(20, 20))
    window.page_list.setFrameShape(QFrame.Shape.NoFrame)
    window.page_list.setUniformItemSizes(True)
    window.page_list.setSpacing(1)
    window.page_list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    window.page_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    window.page_list.setTextElideMode(Qt.TextElideMode.ElideRight)
    for spec in PAGES:
        item = QListWidgetItem(icon(spec.icon_name), spec.title)
        item.setData(Qt.ItemDataRole.UserRole, spec.key)
        item.setToolTip(spec.description)
        item.setSizeHint(QSize(180, 38))
        window.page_list.addItem(item)
    window.page_list.currentRowChanged.connect(window.on_page_row)
    follow_accessible_selection(window.page_list)  # a screen reader selects a page
    window.sidebar_fit = SidebarFit(window, window.page_list)  # icons only in a narrow window
    body.addWidget(window.page_list)

    divider = QFrame(central)
    divider.setObjectName("sidebarDivider")
    divider.setFixedWidth(1)
    divider.setStyleSheet("QFrame#sidebarDivider { background: palette(mid); border: none; }")
    body.addWidget(divider)

    content = QVBoxLayout()
    content.setContentsMargins(24, 18, 24, 12)
    content.setSpacing(12)
    window.page_title = QLabel(central)
    window.page_title.setObjectName("pageTitle")
    title_font = window.page_title.font()
    title_font.setPointSizeF(title_font.pointSizeF() * 1.5)
    title_font.setWeight(title_font.Weight.DemiBold)
    window.page_title.setFont(title_font)
    window.page_subtitle = QLabel(central)
    window.page_subtitle.setObjectName("pageSubtitle")
    header = QVBoxLayout()
    header.setSpacing(2)
    header.addWidget(window.page_title)
    header.addWidget(window.page_subtitle)
    content.addLayout(header)
    window.stack = QStackedWidget(central)
    window.stack.setObjectName("pageStack")
    window.pages = WindowPages(window, window.stack)  # built when first needed
    content.addWidget(window.stack, 1)
    body.addLayout(content, 1)
    window.setCentralWidget(central)

    window.status = AppStatusBar(window)
    window.setStatusBar(window.status)
    window.status.stop_refresh.clicked.connect(lambda: window.services.outbox.cancel_refresh())
    restyle_sidebar(window)


def restyle_sidebar(window: MainWindow) -> None:
    """The sidebar's look, from the palette (so it follows a light/dark switch)."""
    window.page_list.setStyleSheet(
        "QListWidget#pageList { background: palette(window); padding: 10px 8px; }"
        " QListWidget#pageList::item { padding: 6px 10px; border-radius: 6px;"
        " color: palette(window-text); }"
        " QListWidget#pageList::item:hover { background: palette(midlight); }"
        " QListWidget#pageList::item:selected { background: palette(highlight);"
        " color: palette(highlighted-text); }"
    )
    # Icons follow the palette by themselves (see resources.PaletteSvgIconEngine).
    window.page_subtitle.setStyleSheet("color: palette(placeholder-text);")

"""`OrderDetailView`: the side panel showing one order in full, with its actions."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.api.models import Order
from impilo_desktop.domain.status import StatusGroup, status_group

from .detail_html import DetailColours, order_html, stylesheet
from .order_row import local_time_text


def palette_colours(palette: QPalette) -> DetailColours:
    """Detail colours from the widget palette, so dark mode gets light text and so on."""
    role = QPalette.ColorRole
    text = palette.color(role.Text)
    base = palette.color(role.Base)
    dark = base.lightness() < 128
    # Between text and background: secondary, yet well above contrast minimums in both modes.
    muted = QColor(
        (text.red() * 62 + base.red() * 38) // 100,
        (text.green() * 62 + base.green() * 38) // 100,
        (text.blue() * 62 + base.blue() * 38) // 100,
    )
    return DetailColours(
        text=text.name(),
        muted=muted.name(),
        border=base.lighter(180).name() if dark else base.darker(115).name(),
        link=palette.color(role.Link).name(),
        band=base.lighter(125).name() if dark else base.darker(104).name(),
    )


def _button(text: str, name: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(text.replace("…", "").strip())
    button.setToolTip(tip)
    button.setEnabled(False)
    return button


class OrderDetailView(QWidget):
    """Status and timeline, recipient, lines, kits, devices, tracking, notes, returns and
    external ids of one order; buttons to reorder, void or save the summary PDF."""

    reorder_clicked = Signal()
    void_clicked = Signal()
    save_pdf_clicked = Signal()
    refresh_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderDetail")
        self.setAccessibleName("Order details")
        self._order: Order | None = None
        self._cached_at: datetime | None = None

        self.reorder_button = _button(
            "Reorder", "reorderButton", "Start a new draft with the same recipient and lines"
        )
        self.void_button = _button("Void…", "voidOrderButton", "Cancel this order at Impilo")
        self.pdf_button = _button(
            "Save PDF…", "saveSummaryPdfButton", "Save Impilo's order summary as a PDF file"
        )
        self.refresh_button = _button(
            "Refresh", "refreshOrderButton", "Fetch the latest state of this order"
        )
        self.reorder_button.clicked.connect(self.reorder_clicked)
        self.void_button.clicked.connect(self.void_clicked)
        self.pdf_button.clicked.connect(self.save_pdf_clicked)
        self.refresh_button.clicked.connect(self.refresh_clicked)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for b in (self.reorder_button, self.pdf_button, self.refresh_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.void_button)

        self.source_label = QLabel()
        self.source_label.setObjectName("orderDetailSource")
        self.source_label.setAccessibleName("Where these details come from")
        self.source_label.setWordWrap(True)
        self.source_label.setVisible(False)

        self.browser = QTextBrowser()
        self.browser.setObjectName("orderDetailText")
        self.browser.setAccessibleName("Order details text")
        self.browser.setOpenLinks(False)  # carrier links go to the system browser
        self.browser.anchorClicked.connect(self._open_link)
        self.browser.setFrameShape(QTextBrowser.Shape.NoFrame)
        self.browser.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(buttons)
        layout.addWidget(self.source_label)
        layout.addWidget(self.browser, 1)
        self._show_placeholder()

    @property
    def order(self) -> Order | None:
        return self._order

    def set_order(self, order: Order | None, *, cached_at: datetime | None = None) -> None:
        """Show `order` (None clears). `cached_at` says the details come from the offline
        cache and how old they are."""
        self._order = order
        self._cached_at = cached_at
        has = order is not None
        self.reorder_button.setEnabled(has)
        self.pdf_button.setEnabled(has and cached_at is None)
        self.refresh_button.setEnabled(has)
        closed = order is not None and status_group(order.current_status) is StatusGroup.CLOSED
        self.void_button.setEnabled(has and cached_at is None and not closed)
        if cached_at is not None:
            self.source_label.setText(
                f"Offline: saved details, last updated {local_time_text(cached_at)}"
            )
        self.source_label.setVisible(cached_at is not None)
        self._render()

    def set_busy(self, busy: bool) -> None:
        """Disable the actions while one is running."""
        for button in (self.reorder_button, self.void_button, self.pdf_button):
            button.setEnabled(not busy and self._order is not None)
        if not busy:
            self.set_order(self._order, cached_at=self._cached_at)

    def text(self) -> str:
        """The details as plain text (what a screen reader gets, and what tests read)."""
        return self.browser.toPlainText()

    def _show_placeholder(self) -> None:
        self.browser.setHtml(
            '<p style="margin-top: 40px;" align="center">Select an order to see its details.</p>'
        )

    def _render(self) -> None:
        if self._order is None:
            self._show_placeholder()
            return
        colours = palette_colours(self.browser.palette())
        self.browser.document().setDefaultStyleSheet(stylesheet(colours))
        position = self.browser.verticalScrollBar().value()
        self.browser.setHtml(order_html(self._order, colours))
        self.browser.verticalScrollBar().setValue(position)

    def _open_link(self, url: QUrl) -> None:
        QDesktopServices.openUrl(url)

    def changeEvent(self, event: QEvent) -> None:
        # Light/dark switches arrive as palette changes: re-colour the text.
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._render()
        super().changeEvent(event)


__all__ = ["OrderDetailView", "palette_colours"]

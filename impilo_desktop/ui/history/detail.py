"""`OrderDetailView`: the side panel showing one order in full, with its actions."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.api.models import Order
from impilo_desktop.domain.status import StatusGroup, status_group
from impilo_desktop.ui.plumbing.resources import icon

from .detail_buttons import DetailButtons
from .detail_html import DetailColours, order_html, stylesheet
from .order_row import local_time_text

EMPTY_TITLE = "No order selected"
EMPTY_HINT = (
    "Choose an order in the list (\N{UPWARDS ARROW}\N{DOWNWARDS ARROW} then Enter) to see "
    "its status, tracking, devices and kits, and to reorder, void or save its summary."
)


class EmptyDetail(QWidget):
    """What the panel shows before an order is chosen: a calm, centred hint (not a row of
    disabled buttons over a blank page)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderDetailEmpty")
        self.setAccessibleName(EMPTY_TITLE)
        self.picture = QLabel(self)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel(EMPTY_TITLE, self)
        self.title.setObjectName("orderDetailEmptyTitle")
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self.title.setFont(font)
        self.hint = QLabel(EMPTY_HINT, self)
        self.hint.setObjectName("orderDetailEmptyHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 24, 24, 24)
        layout.addStretch(2)
        layout.addWidget(self.picture)
        layout.addSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addStretch(3)
        self._paint_icon()

    def say(self, title: str, hint: str) -> None:
        """Another message in the same place (loading an order, or why it cannot be shown)."""
        self.title.setText(title)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))
        self.setAccessibleName(title)

    def _paint_icon(self) -> None:
        self.picture.setPixmap(icon("history").pixmap(40, 40))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._paint_icon()
        super().changeEvent(event)


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
    button.setAccessibleName(text.replace("…", "").replace("&", "").strip())
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
    correct_address_clicked = Signal()
    order_changed = Signal(object)
    """The order shown is another one, or its status changed (the `Order`, or None)."""
    leave_requested = Signal()
    """Escape in the details: the page puts the focus back on the order list."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderDetail")
        self.setAccessibleName("Order details")
        self._order: Order | None = None
        self._cached_at: datetime | None = None
        self._lead = ""  # what to do about an order that needs action (needs_action_detail)

        self.reorder_button = _button(
            "&Reorder", "reorderButton", "Start a new draft with the same recipient and lines"
        )
        self.void_button = _button("V&oid…", "voidOrderButton", "Cancel this order at Impilo")
        self.pdf_button = _button(
            "Save &PDF…", "saveSummaryPdfButton", "Save Impilo's order summary as a PDF file"
        )
        self.refresh_button = _button(
            "Refresh", "refreshOrderButton", "Fetch the latest state of this order"
        )
        self.correct_button = _button(
            "Correct the &address…",
            "correctAddressButton",
            "Open the patient's shipping address and phone from Impilo to correct them",
        )
        self.correct_button.setVisible(False)
        self.correct_button.clicked.connect(self.correct_address_clicked)
        self.reorder_button.clicked.connect(self.reorder_clicked)
        self.void_button.clicked.connect(self.void_clicked)
        self.pdf_button.clicked.connect(self.save_pdf_clicked)
        self.refresh_button.clicked.connect(self.refresh_clicked)

        self.buttons = DetailButtons(
            (self.reorder_button, self.pdf_button, self.refresh_button), self.void_button
        )

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
        self.browser.installEventFilter(self)

        content = QWidget(self)
        content.setObjectName("orderDetailContent")
        content_layout = QVBoxLayout(content)
        content_layout.setContentsMargins(0, 0, 0, 0)
        content_layout.addWidget(self.buttons)
        content_layout.addWidget(self.correct_button, 0, Qt.AlignmentFlag.AlignLeft)
        content_layout.addWidget(self.source_label)
        content_layout.addWidget(self.browser, 1)
        self.content = content
        self.empty = EmptyDetail(self)
        self.pages = QStackedWidget(self)
        self.pages.setObjectName("orderDetailPages")
        self.pages.addWidget(self.empty)
        self.pages.addWidget(content)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.pages)
        self.setMinimumWidth(300)
        self._show_placeholder()

    @property
    def order(self) -> Order | None:
        return self._order

    def set_order(self, order: Order | None, *, cached_at: datetime | None = None) -> None:
        """Show `order` (None clears). `cached_at` says the details come from the offline
        cache and how old they are."""
        # The same order again (a refresh) keeps the reader's place; another starts at the top.
        same = order is not None and self._order is not None and order.id == self._order.id
        changed = not same or (
            order is not None
            and self._order is not None
            and order.current_status != self._order.current_status
        )
        if changed:
            self._lead = ""
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
        self._render(keep_place=same)
        if changed:
            self.order_changed.emit(order)

    def set_lead(self, html: str) -> None:
        """What to do about the shown order, at the top of the details ("" for nothing)."""
        if html != self._lead:
            self._lead = html
            self._render()

    def set_correctable(self, correctable: bool, busy: bool = False) -> None:
        """Offer "Correct the address…" (for a patient order in Confirm address)."""
        self.correct_button.setVisible(correctable)
        self.correct_button.setEnabled(correctable and not busy)

    def set_busy(self, busy: bool) -> None:
        """Disable the actions while one is running."""
        for button in (self.reorder_button, self.void_button, self.pdf_button):
            button.setEnabled(not busy and self._order is not None)
        if not busy:
            self.set_order(self._order, cached_at=self._cached_at)

    def text(self) -> str:
        """The details as plain text (what a screen reader gets, and what tests read)."""
        return self.browser.toPlainText()

    def show_loading(self, order_id: int) -> None:
        """The chosen order is being read from the order cache (a moment)."""
        self.set_order(None)
        self.empty.say(f"Loading order {order_id}\N{HORIZONTAL ELLIPSIS}", "")

    def show_unavailable(self, title: str, hint: str) -> None:
        """The chosen order cannot be shown, and why, in the coordinator's words."""
        self.set_order(None)
        self.empty.say(title, hint)

    @property
    def is_empty(self) -> bool:
        """True while no order is shown (the calm empty state is up)."""
        return self.pages.currentWidget() is self.empty

    def _show_placeholder(self) -> None:
        self.browser.clear()
        self.empty.say(EMPTY_TITLE, EMPTY_HINT)
        self.pages.setCurrentWidget(self.empty)

    def _render(self, *, keep_place: bool = True) -> None:
        if self._order is None:
            self._show_placeholder()
            return
        self.pages.setCurrentWidget(self.content)
        # The panel's own palette: on a light/dark switch it is resolved before the
        # browser's (which would still give the old colours here).
        colours = palette_colours(self.palette())
        self.browser.document().setDefaultStyleSheet(stylesheet(colours))
        position = self.browser.verticalScrollBar().value()
        self.browser.setHtml(order_html(self._order, colours, lead=self._lead))
        self.browser.verticalScrollBar().setValue(position if keep_place else 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The event's type first: when the cyclic collector frees a page, its children are
        # destroyed after this object's attributes are gone, and their last events still
        # pass through here.
        if (
            event.type() == QEvent.Type.KeyPress
            and watched is self.browser
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            self.leave_requested.emit()
            return True
        return super().eventFilter(watched, event)

    def _open_link(self, url: QUrl) -> None:
        QDesktopServices.openUrl(url)

    def changeEvent(self, event: QEvent) -> None:
        # Light/dark switches arrive as palette changes: re-colour the text.
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._render()
        super().changeEvent(event)


__all__ = ["OrderDetailView", "palette_colours"]

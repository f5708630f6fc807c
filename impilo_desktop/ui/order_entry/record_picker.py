"""RecordPicker: the search-as-you-type widget every picker is made of.

A search field over a `PickerModel`, a results table that appears while there is a query,
and (for the recipient pickers) a card showing the choice. Arrow keys move through the
results without leaving the field, Enter takes the highlighted row (or an exact match such
as the SKU a scanner just typed), Escape clears. When nothing cached matches, the picker
asks its owner to look on the server (`remote_lookup_requested`, debounced) and says it is
doing so. While the local list is still being filled (`set_cache_progress`), what it holds
is not the answer: every search also asks Impilo and says "Searching Impilo… (cache 40 %
loaded)", and the server's matches join the cached ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.ui.order_entry.picker_model import PickerModel, R
from impilo_desktop.ui.plumbing.accessibility import (
    follow_accessible_selection,
    name_clear_button,
)
from impilo_desktop.ui.plumbing.label_roles import set_role
from impilo_desktop.ui.plumbing.resources import icon

REMOTE_DEBOUNCE_MS = 400
VISIBLE_RESULT_ROWS = 7


class RecordPicker(QWidget, Generic[R]):
    """A search field with a results table over a `PickerModel`.

    sticky=True (recipients): choosing shows the choice on a card until "Change".
    sticky=False (catalog): choosing emits `chosen` and clears the field for the next one.
    """

    chosen = Signal(object)  # the record (None when a sticky choice is cleared)
    results_shown = Signal()  # the list opened: a scrolling parent should bring it into view
    remote_lookup_requested = Signal(str)
    # The search ended with nobody, here or on Impilo (or Impilo could not be asked): the
    # query; "" once the search changes. The patient picker then offers a new patient.
    found_nothing = Signal(str)

    def __init__(
        self,
        model: PickerModel[R],
        *,
        name: str,
        noun: str,
        placeholder: str,
        sticky: bool,
        describe: Callable[[R], str] | None = None,
        exact_match: Callable[[str], R | None] | None = None,
        remote_lookup: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(f"{noun.capitalize()} search")
        self.model = model
        self._noun = noun
        self._sticky = sticky
        self._describe = describe or (lambda r: r.display_name)
        self._exact_match = exact_match
        self._remote_lookup = remote_lookup
        self._choice: R | None = None
        self._before_change: R | None = None  # restored by Escape after "Change…"
        self._remote_pending = ""
        self._scope: Any = None
        self._scope_filter: Callable[[int], bool] | None = None
        self._searching = False
        self._cache_note = ""  # "(cache 40 % loaded)" while the local list is being filled
        model.search_progress.connect(self._on_progress)

        self.search_field = QLineEdit(self)
        self.search_field.setObjectName(f"{name}Field")
        self.search_field.setAccessibleName(f"Search {noun}s")
        self.search_field.setPlaceholderText(placeholder)
        self.search_field.setClearButtonEnabled(True)
        name_clear_button(self.search_field)  # read as "Clear", not just "button"
        search_icon = QLineEdit.ActionPosition.LeadingPosition
        self.search_field.addAction(icon("search"), search_icon).setText("Search")  # read aloud
        # Changed, not only edited: text put in by assistive technology (AT-SPI) searches too.
        self.search_field.textChanged.connect(self._on_text)
        self.search_field.installEventFilter(self)

        self.search_row = QHBoxLayout()
        self.search_row.setContentsMargins(0, 0, 0, 0)
        self.search_row.addWidget(self.search_field, 1)

        self.status = QLabel(self)
        self.status.setObjectName(f"{name}Status")
        self.status.setAccessibleName(f"{noun.capitalize()} search status")
        set_role(self.status, "hint")
        self.status.setVisible(False)

        self.results = QTableView(self)
        self.results.setObjectName(f"{name}Results")
        self.results.setAccessibleName(f"Matching {noun}s")
        self.results.setModel(model)
        self.results.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows work from the field
        self.results.setAlternatingRowColors(True)
        self.results.setShowGrid(False)
        self.results.setWordWrap(False)
        vheader = self.results.verticalHeader()
        vheader.setVisible(False)
        vheader.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        row_height = self.fontMetrics().height() + 10
        vheader.setDefaultSectionSize(row_height)
        hheader = self.results.horizontalHeader()
        hheader.setHighlightSections(False)
        hheader.setStretchLastSection(True)
        hheader.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # A header click sorts in the model itself (PickerModel.sort; no proxy, see
        # docs/decisions.md). No indicator until asked: the cache's own order (by name) first.
        hheader.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.results.setSortingEnabled(True)
        self.results.setFixedHeight(
            row_height * VISIBLE_RESULT_ROWS
            + hheader.sizeHint().height()
            + 2 * self.results.frameWidth()
        )
        self.results.clicked.connect(self._on_clicked)
        follow_accessible_selection(self.results, self._on_clicked)  # a screen reader chooses
        self.results.setVisible(False)

        self.card = QFrame(self)
        self.card.setObjectName(f"{name}Card")
        self.card.setFrameShape(QFrame.Shape.StyledPanel)
        card_layout = QHBoxLayout(self.card)
        card_layout.setContentsMargins(10, 8, 8, 8)
        self.card_label = QLabel(self.card)
        self.card_label.setObjectName(f"{name}Choice")
        self.card_label.setAccessibleName(f"Chosen {noun}")
        self.card_label.setTextFormat(Qt.TextFormat.RichText)
        self.card_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.change_button = QPushButton("Change…", self.card)
        self.change_button.setObjectName(f"{name}Change")
        self.change_button.setAccessibleName(f"Change {noun}")
        self.change_button.clicked.connect(self.clear_choice)
        card_layout.addWidget(self.card_label, 1)
        card_layout.addWidget(self.change_button, 0, Qt.AlignmentFlag.AlignTop)
        self.card.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(self.search_row)
        layout.addWidget(self.card)
        layout.addWidget(self.status)
        layout.addWidget(self.results)
        self.setFocusProxy(self.search_field)

        self._remote_timer = QTimer(self)
        self._remote_timer.setSingleShot(True)
        self._remote_timer.setInterval(REMOTE_DEBOUNCE_MS)
        self._remote_timer.timeout.connect(self._ask_server)

    # --- public API ----------------------------------------------------------------------

    @property
    def choice(self) -> R | None:
        return self._choice

    def set_scope(self, scope: Any, scope_filter: Callable[[int], bool] | None) -> None:
        """Restrict matches (e.g. to one site); `None` removes the restriction."""
        self._scope, self._scope_filter = scope, scope_filter
        self._refilter()

    def set_choice(self, record: R | None, *, emit: bool = False) -> None:
        """Show `record` as the choice (sticky pickers) without typing, e.g. a loaded draft."""
        self._choice = record
        self._before_change = None
        self._remote_timer.stop()
        if self._sticky and record is not None:
            self.card_label.setText(self._describe(record))
            self.card.setAccessibleName(f"Chosen {self._noun}: {record.display_name}")
            self.card.setVisible(True)
            self.search_field.setVisible(False)
            self.search_field.clear()
            self._set_results_visible(False)
            self.status.setVisible(False)
            self.setFocusProxy(self.change_button)
        else:
            self.card.setVisible(False)
            self.search_field.setVisible(True)
            self.setFocusProxy(self.search_field)
        if emit:
            self.chosen.emit(record)

    def clear_feedback(self) -> None:
        """Forget what was typed and every transient message (e.g. "Added … — count 1."):
        the form starts over (a new order, a draft loaded)."""
        self._remote_timer.stop()
        self._remote_pending = ""
        self.search_field.clear()
        self._set_results_visible(False)
        self.status.clear()
        self.status.setVisible(False)

    def clear_choice(self) -> None:
        """Back to searching (the 'Change…' button); Escape in the empty search field brings
        the previous choice back, so a stray Ctrl+F never loses a chosen recipient."""
        had_focus = self.change_button.hasFocus()
        previous = self._choice
        self.set_choice(None, emit=True)
        self._before_change = previous if self._sticky else None
        if had_focus or self.isVisible():
            self.search_field.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def cache_note(self) -> str:
        """ "(cache 40 % loaded)" while the local list is partial, "" once it is complete."""
        return self._cache_note

    def set_cache_progress(self, done: int, total: int | None) -> None:
        """The local list is being filled: `done` of `total` cached so far (total 0: not yet
        known); `total` None once it is complete."""
        if total is None:
            self._cache_note = ""
        elif total:
            self._cache_note = f"(cache {min(99, done * 100 // total)} % loaded)"
        else:
            self._cache_note = "(cache not complete)"  # how much is not known (yet)

    def remote_results(self, query: str, records: list[R]) -> None:
        """The server's answer to `remote_lookup_requested(query)`."""
        if query != self._remote_pending:
            return  # the user typed on; this answer is stale
        self._remote_pending = ""
        if self._choice is not None and self._sticky:
            return
        cached = [self.model.record(r) for r in range(min(self.model.rowCount(), 500))]
        self.model.add_records(records)
        found = [r for r in records if r.id]
        if self._cache_note:
            # The cache is partial: what it matched so far stays listed beside Impilo's.
            ids = {r.id for r in found}
            more = [r for r in cached if r is not None and r.id not in ids]
            if found or more:
                self.model.show_only(found + more)
                self._set_results_visible(True)
                self._select_row(self._first_enabled_row())
            n = len(found)
            self._say(
                f"{n} {self._noun}{'s' if n != 1 else ''} from Impilo, {len(more)} more cached"
                f" so far {self._cache_note}"
            )
            if not (found or more):
                self.found_nothing.emit(query)  # Impilo has the answer: nobody
            return
        if found:
            self.model.show_only(found)
            self._set_results_visible(True)
            self._select_row(0)
            n = len(found)
            self._say(
                f"Found {n} {self._noun}{'s' if n != 1 else ''} on Impilo "
                "(not in the local list yet)."
            )
        else:
            self._say(
                f"No {self._noun} matches \N{LEFT DOUBLE QUOTATION MARK}{query}"
                "\N{RIGHT DOUBLE QUOTATION MARK}, here or on Impilo."
            )
            self.found_nothing.emit(query)

    def remote_failed(self, query: str, message: str) -> None:
        if query != self._remote_pending:
            return
        self._remote_pending = ""
        self._say(f"No match in the local list, and Impilo could not be asked: {message}")
        self.found_nothing.emit(query)

    @property
    def remote_pending(self) -> bool:
        return bool(self._remote_pending) or self._remote_timer.isActive()

    # --- behaviour -----------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Keys sent to the picker itself (tests, accessibility tools) go to its field.
        target = self.search_field if self.search_field.isVisible() else None
        forwarding = getattr(self, "_forwarding_key", False)
        if target is not None and event.type() == QEvent.Type.KeyPress and not forwarding:
            # A key the field ignores bubbles back up here: forward only once.
            self._forwarding_key = True
            try:
                QApplication.sendEvent(target, event)
            finally:
                self._forwarding_key = False
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search_field and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return self._on_field_key(event)
        return super().eventFilter(watched, event)

    def _on_field_key(self, event: QKeyEvent) -> bool:
        key = Qt.Key(event.key())
        moves = {
            Qt.Key.Key_Down: 1,
            Qt.Key.Key_Up: -1,
            Qt.Key.Key_PageDown: VISIBLE_RESULT_ROWS,
            Qt.Key.Key_PageUp: -VISIBLE_RESULT_ROWS,
        }
        if key in moves and self.results.isVisible():
            current = self.results.currentIndex().row()
            self._select_row(max(0, min(self.model.rowCount() - 1, current + moves[key])))
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            self._pick_current()
            return True  # never let Enter fall through to a default button
        if key == Qt.Key.Key_Escape and self.search_field.text():
            self.search_field.clear()
            self._on_text("")
            return True
        if key == Qt.Key.Key_Escape and self._before_change is not None:
            # "Change…" (or Ctrl+F) then Escape: keep the recipient chosen before.
            previous, self._before_change = self._before_change, None
            self.set_choice(previous, emit=True)
            self.change_button.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        return False

    def _on_text(self, text: str) -> None:
        self._remote_timer.stop()
        self._remote_pending = ""
        self.found_nothing.emit("")
        self._refilter()

    def _refilter(self) -> None:
        text = self.search_field.text()
        self._searching = bool(text.strip())
        if not self._searching:
            self.model.set_query("", scope=self._scope, scope_filter=self._scope_filter)
            self._set_results_visible(False)
            self.status.setVisible(False)
            return
        count = self.model.set_query(text, scope=self._scope, scope_filter=self._scope_filter)
        if count:
            self._select_row(self._first_enabled_row())
        self._show_count(count, self.model.search_complete)

    def _on_progress(self, count: int, complete: int) -> None:
        # More matches of a broad query arrived in idle time (or the scan finished).
        if self._searching and (self._choice is None or not self._sticky):
            if count and not self.results.currentIndex().isValid():
                self._select_row(self._first_enabled_row())
            self._show_count(count, bool(complete))

    def _show_count(self, count: int, complete: bool) -> None:
        text = self.search_field.text().strip()
        self._set_results_visible(count > 0)
        quoted = f"\N{LEFT DOUBLE QUOTATION MARK}{text}\N{RIGHT DOUBLE QUOTATION MARK}"
        if self._cache_note and self._remote_lookup and len(text) >= 2:
            # The cache is still filling: a count of it would mislead; Impilo has the answer.
            if not self._remote_pending:
                self._say(f"Searching Impilo\N{HORIZONTAL ELLIPSIS} {self._cache_note}")
                if not self._remote_timer.isActive():
                    self._remote_timer.start()
            return
        if count:
            self._remote_timer.stop()  # the cache has it after all (e.g. it just loaded)
            self._say(
                f"{count:,}{'' if complete else '+'} match{'es' if count != 1 else ''}"
                + ("" if count <= VISIBLE_RESULT_ROWS else " — keep typing to narrow")
                + "  \N{MIDDLE DOT}  \N{UPWARDS ARROW}\N{DOWNWARDS ARROW} to move, "
                "Enter to choose"
            )
        elif not complete:
            self._say("Searching…")
        elif self._remote_lookup and len(text) >= 2:
            if not self._remote_timer.isActive() and not self._remote_pending:
                self._say(f"No match in the local list — will ask Impilo for {quoted}…")
                self._remote_timer.start()
        else:
            self._say(f"No {self._noun} matches {quoted}.")

    def _ask_server(self) -> None:
        query = self.search_field.text().strip()
        if not query:
            return
        self._remote_pending = query
        if self._cache_note:
            self._say(f"Searching Impilo\N{HORIZONTAL ELLIPSIS} {self._cache_note}")
        else:
            self._say(
                f"Asking Impilo for \N{LEFT DOUBLE QUOTATION MARK}{query}"
                "\N{RIGHT DOUBLE QUOTATION MARK}…"
            )
        self.remote_lookup_requested.emit(query)

    def _first_enabled_row(self) -> int:
        for row in range(min(self.model.rowCount(), 50)):
            record = self.model.record(row)
            if record is not None and self.model.is_enabled(record):
                return row
        return 0

    def _select_row(self, row: int) -> None:
        if row < 0 or row >= self.model.rowCount():
            return
        index = self.model.index(row, 0)
        self.results.setCurrentIndex(index)
        self.results.scrollTo(index)

    def _pick_current(self) -> None:
        text = self.search_field.text().strip()
        if self._exact_match is not None and text:
            exact = self._exact_match(text)
            if exact is not None:
                self._choose(exact)
                return
        if not self.results.isVisible():
            return
        record = self.model.record(self.results.currentIndex().row())
        if record is None:
            return
        if not self.model.is_enabled(record):
            self._say(f"{record.display_name} cannot be chosen.")
            return
        self._choose(record)

    def _on_clicked(self, index: QModelIndex) -> None:
        record = self.model.record(index.row())
        if record is not None and self.model.is_enabled(record):
            self._choose(record)

    def _choose(self, record: R) -> None:
        if self._sticky:
            # Focus first, then tell: a listener may move the focus on to the next step.
            self.set_choice(record)
            self.change_button.setFocus(Qt.FocusReason.OtherFocusReason)
            self.chosen.emit(record)
        else:
            self.search_field.clear()
            self._refilter()
            self.chosen.emit(record)

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(True)

    def _set_results_visible(self, visible: bool) -> None:
        opening = visible and not self.results.isVisibleTo(self)
        self.results.setVisible(visible)
        if opening:
            self.results_shown.emit()

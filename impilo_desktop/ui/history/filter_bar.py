"""`OrderFilterBar`: the filters above the history table.

Patient and external order id are asked of the server; status, site, dates and the search
text narrow what is loaded (the view says so plainly)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDate, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.api.models import Patient
from impilo_desktop.ui.plumbing.accessibility import name_clear_button

from .filters import LocalFilter, OrderQuery
from .names import named
from .status_style import StatusGroup, status_icon, status_label, statuses_in

_NO_DATE = QDate(2000, 1, 1)  # the minimum of the date fields, shown as "Any"


class DateField(QDateEdit):
    """A date filter that Tab can leave. QDateEdit swallows Tab while it shows its special
    value ("Any"), which trapped the keyboard in the From field."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        tab = event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab)
        if tab and self.date() == self.minimumDate() and self.specialValueText():
            forward = event.key() == Qt.Key.Key_Tab and not (
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            )
            QWidget.focusNextPrevChild(self, forward)
            event.accept()
            return
        super().keyPressEvent(event)


PatientSearch = Callable[[str, Callable[[list[Patient]], None]], None]
"""search(text, deliver): look patients up in the cache and call deliver(results) later."""


def _patient_choice(patient: Patient) -> str:
    birth = patient.birth_date
    extra = ", ".join(
        p for p in (birth.isoformat() if birth else "", patient.external_identifier or "") if p
    )
    return f"{patient.full_name} (#{patient.id}{', ' + extra if extra else ''})"


def _parse_patient_id(text: str) -> int | None:
    """'1234', '#1234' or a picked 'Jane Doe (#1234, 1980-01-01)' -> 1234."""
    text = text.strip()
    if "(#" in text:
        text = text.split("(#", 1)[1]
        text = text.split(",", 1)[0].split(")", 1)[0]
    text = text.lstrip("#").strip()
    return int(text) if text.isdigit() else None


class OrderFilterBar(QWidget):
    """Filter fields; emits the server query and the local filter as they change."""

    query_changed = Signal(object)
    """An `OrderQuery` (patient / external order id): the list is fetched again."""
    local_filter_changed = Signal(object)
    """A `LocalFilter` over the loaded orders."""

    def __init__(
        self, patient_search: PatientSearch | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        named(self, "historyFilterBar", "Order history filters")
        self._patient_search = patient_search

        self.search = QLineEdit()
        named(self.search, "historySearch", "Search loaded orders")
        self.search.setPlaceholderText("Search loaded orders (name, order id, tracking…)")
        self.search.setClearButtonEnabled(True)
        name_clear_button(self.search)  # read as "Clear", not just "button"

        self.status = QComboBox()
        named(self.status, "historyStatusFilter", "Status")
        # Item data is a plain string key ("", "group:open", "status:shipped"): Qt compares
        # strings in findData, not Python sets.
        self._status_sets: dict[str, frozenset[str]] = {"": frozenset()}
        self.status.addItem("All statuses", "")
        for group in StatusGroup:
            members = statuses_in(group)
            if not members:
                continue
            key = f"group:{group.value}"
            self._status_sets[key] = frozenset(str(s) for s in members)
            self.status.addItem(f"{group.label} (any)", key)
            for status in members:
                key = f"status:{status}"
                self._status_sets[key] = frozenset({str(status)})
                self.status.addItem(status_icon(str(status)), f"    {status_label(status)}", key)

        # The orders that need the coordinator, one click (or Ctrl+Shift+A) away.
        self.needs_action = QPushButton("Needs action")
        named(self.needs_action, "needsActionFilter", "Show only orders that need action")
        self.needs_action.setCheckable(True)
        self.needs_action.setToolTip(
            "Only the orders that need you: Confirm address, Needs more information, "
            "Delivery failed, Ready for pickup (Ctrl+Shift+A)"
        )

        self.site = QComboBox()
        named(self.site, "historySiteFilter", "Site")
        self.site.addItem("All sites", None)
        self.site.setMinimumContentsLength(14)
        self.site.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )

        self.date_from = self._date_edit("historyDateFrom", "Updated on or after")
        self.date_to = self._date_edit("historyDateTo", "Updated on or before")

        self.patient = QLineEdit()
        named(self.patient, "historyPatientFilter", "Patient (name or id)")
        self.patient.setPlaceholderText("Patient: name or id, then Enter")
        self.patient.setClearButtonEnabled(True)
        name_clear_button(self.patient)  # read as "Clear", not just "button"
        self._patient_names = QStringListModel(self)
        completer = QCompleter(self._patient_names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.activated.connect(self._patient_picked)
        self.patient.setCompleter(completer)

        self.external_id = QLineEdit()
        named(self.external_id, "historyExternalIdFilter", "External order id")
        self.external_id.setPlaceholderText("External order id(s), then Enter")
        self.external_id.setClearButtonEnabled(True)
        name_clear_button(self.external_id)  # read as "Clear", not just "button"

        self.clear_button = QPushButton("Clear filters")
        named(self.clear_button, "clearHistoryFiltersButton", "Clear filters")

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.search, 3)
        top.addWidget(self.needs_action)
        top.addWidget(self.status, 1)
        top.addWidget(self.site, 1)
        top.addWidget(QLabel("From"))
        top.addWidget(self.date_from)
        top.addWidget(QLabel("to"))
        top.addWidget(self.date_to)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 0, 0)
        server_label = QLabel("Ask Impilo for:")
        server_label.setToolTip("These filters are applied by the server to all orders")
        bottom.addWidget(server_label)
        bottom.addWidget(self.patient, 2)
        bottom.addWidget(self.external_id, 2)
        bottom.addStretch(1)
        bottom.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addLayout(bottom)

        # Typing re-filters after a short pause, not on every keystroke.
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(150)
        self._debounce.timeout.connect(self._emit_local)
        self.search.textChanged.connect(self._debounce.start)
        self.status.currentIndexChanged.connect(self._emit_local)
        self.status.currentIndexChanged.connect(self._tick_needs_action)
        self.needs_action.toggled.connect(self.show_needs_action)
        self.site.currentIndexChanged.connect(self._emit_local)
        self.date_from.dateChanged.connect(self._emit_local)
        self.date_to.dateChanged.connect(self._emit_local)
        self._patient_debounce = QTimer(self)
        self._patient_debounce.setSingleShot(True)
        self._patient_debounce.setInterval(200)
        self._patient_debounce.timeout.connect(self._search_patients)
        self.patient.textEdited.connect(self._patient_debounce.start)
        self.patient.returnPressed.connect(self._emit_query)
        self.patient.textChanged.connect(self._cleared_to_all)
        self.external_id.returnPressed.connect(self._emit_query)
        self.external_id.textChanged.connect(self._cleared_to_all)
        self.clear_button.clicked.connect(self.clear)
        self._last_query = OrderQuery()

    def _date_edit(self, name: str, accessible: str) -> QDateEdit:
        edit = DateField()
        named(edit, name, accessible)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(_NO_DATE)
        edit.setSpecialValueText("Any")
        edit.setDate(_NO_DATE)
        return edit

    # --- reading the fields ------------------------------------------------------------------

    def local_filter(self) -> LocalFilter:
        statuses = self._status_sets.get(self.status.currentData() or "", frozenset())
        site = self.site.currentData()
        start, end = self.date_from.date(), self.date_to.date()
        return LocalFilter(
            statuses=statuses,
            site_id=site if isinstance(site, int) else None,
            date_from=start.toPython() if start != _NO_DATE else None,  # type: ignore[arg-type]
            date_to=end.toPython() if end != _NO_DATE else None,  # type: ignore[arg-type]
            text=self.search.text(),
        )

    def query(self) -> OrderQuery:
        external = tuple(
            x.strip() for x in self.external_id.text().replace(";", ",").split(",") if x.strip()
        )
        return OrderQuery(
            patient_id=_parse_patient_id(self.patient.text()), external_order_ids=external
        )

    # --- changing them -----------------------------------------------------------------------

    def set_sites(self, sites: list[tuple[int, str]]) -> None:
        """Offer these sites (id, name), keeping the current choice."""
        current = self.site.currentData()
        self.site.blockSignals(True)
        self.site.clear()
        self.site.addItem("All sites", None)
        for site_id, name in sorted(sites, key=lambda s: s[1].casefold()):
            self.site.addItem(name, site_id)
        index = self.site.findData(current) if current is not None else 0
        self.site.setCurrentIndex(max(index, 0))
        self.site.blockSignals(False)

    def set_status_choice(self, statuses: frozenset[str]) -> None:
        """Choose the entry (a group or one status) that stands for exactly `statuses`."""
        key = next((k for k, v in self._status_sets.items() if v == statuses), "")
        self.status.setCurrentIndex(max(self.status.findData(key), 0))

    def show_needs_action(self, on: bool = True) -> None:
        """Only the orders that need the coordinator (the status filter's group), or all."""
        key = f"group:{StatusGroup.NEEDS_ACTION.value}" if on else ""
        self.status.setCurrentIndex(max(self.status.findData(key), 0))
        self._tick_needs_action()

    @property
    def showing_needs_action(self) -> bool:
        return self.status.currentData() == f"group:{StatusGroup.NEEDS_ACTION.value}"

    def set_needs_action_count(self, count: int) -> None:
        """How many orders on this computer need action, on the toggle."""
        self.needs_action.setText(f"Needs action ({count})" if count else "Needs action")
        self.needs_action.setAccessibleDescription(
            f"{count} orders need action" if count else "No order needs action"
        )

    def _tick_needs_action(self) -> None:
        self.needs_action.blockSignals(True)
        self.needs_action.setChecked(self.showing_needs_action)
        self.needs_action.blockSignals(False)

    def set_patient(self, patient_id: int | None) -> None:
        self.patient.setText("" if patient_id is None else str(patient_id))
        self._emit_query()

    def clear(self) -> None:
        for widget in (self.search, self.status, self.site, self.date_from, self.date_to):
            widget.blockSignals(True)
        self.search.clear()
        self.status.setCurrentIndex(0)
        self.site.setCurrentIndex(0)
        self.date_from.setDate(_NO_DATE)
        self.date_to.setDate(_NO_DATE)
        for widget in (self.search, self.status, self.site, self.date_from, self.date_to):
            widget.blockSignals(False)
        self._tick_needs_action()
        self.patient.blockSignals(True)
        self.external_id.blockSignals(True)
        self.patient.clear()
        self.external_id.clear()
        self.patient.blockSignals(False)
        self.external_id.blockSignals(False)
        self._emit_local()
        self._emit_query()

    # --- signals -----------------------------------------------------------------------------

    def _emit_local(self) -> None:
        self._debounce.stop()
        self.local_filter_changed.emit(self.local_filter())

    def _emit_query(self) -> None:
        query = self.query()
        if query != self._last_query:
            self._last_query = query
            self.query_changed.emit(query)

    def _cleared_to_all(self, text: str) -> None:
        if not text:
            self._emit_query()

    def _patient_picked(self, text: str) -> None:
        self.patient.setText(text)
        self._emit_query()

    def _search_patients(self) -> None:
        text = self.patient.text().strip()
        if self._patient_search is None or len(text) < 2 or text.lstrip("#").isdigit():
            return
        self._patient_search(text, self._show_patients)

    def _show_patients(self, patients: list[Patient]) -> None:
        self._patient_names.setStringList([_patient_choice(p) for p in patients])
        completer = self.patient.completer()
        if self.patient.hasFocus() and patients:
            completer.setCompletionPrefix(self.patient.text())
            completer.complete()

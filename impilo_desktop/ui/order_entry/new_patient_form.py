"""The recipient section's short form for a patient not in Impilo yet, created with the order.

Two columns, so it fits a 1366x768 laptop with the items table still in view; Tab goes left to
right, row by row, as the eye reads it. It edits a `NewPatient` as typed (the date of birth is
kept as ISO when it reads as YYYY-MM-DD or MM/DD/YYYY); `view.py` puts it in the draft and
hands back `validate_draft`'s `new_patient.*` problems, each shown under its field once that
field was left (or after a submit attempt). Enter moves on to the next field: it never
submits (Ctrl+Return does).
"""

from __future__ import annotations

from itertools import pairwise

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.domain import Problem
from impilo_desktop.domain.new_patient import DEFAULT_COUNTRY, NewPatient, UsAddress
from impilo_desktop.domain.new_patient_rules import US_STATES
from impilo_desktop.ui.order_entry.records import SiteRecord
from impilo_desktop.ui.order_entry.typed_text import iso_date_of_birth, reads_as_iso
from impilo_desktop.ui.plumbing.label_roles import set_role

SEXES: tuple[tuple[str, str], ...] = (
    ("", "Not given"),
    ("female", "Female"),
    ("male", "Male"),
    ("other", "Other"),
    ("unknown", "Unknown"),
)

_STATE_CODE = Qt.ItemDataRole.UserRole + 1

# The text fields, in Tab (reading) order: field key -> label.
TEXT_FIELDS: tuple[tuple[str, str], ...] = (
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("date_of_birth", "Date of birth"),
    ("email", "Email"),
    ("phone_number", "Phone"),
    ("external_identifier", "Patient ID (MRN)"),
    ("address.line_one", "Address line one"),
    ("address.line_two", "Address line two"),
    ("address.city", "City"),
    ("address.state", "State"),
    ("address.zip_code", "ZIP"),
)


class NewPatientForm(QWidget):
    """Fields of a new patient. Signals: `changed()` after every edit (read `patient()`),
    `search_instead()` when the coordinator goes back to the patient search."""

    changed = Signal()
    search_instead = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newPatientForm")
        self.setAccessibleName("New patient")
        self._loading = False
        self._touched: set[str] = set()
        self._site_name = ""  # the draft's site, should it not be among the cached sites
        self.fields: dict[str, QLineEdit] = {}
        self.errors: dict[str, QLabel] = {}

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("<b>New patient</b> \N{EM DASH} created in Impilo with this order", self)
        heading.setObjectName("newPatientHeading")
        top.addWidget(heading, 1)
        self.search_button = QPushButton("Search existing patients instead", self)
        self.search_button.setObjectName("newPatientSearchInstead")
        self.search_button.setAccessibleName("Search existing patients instead")
        self.search_button.setToolTip("Back to the patient search (Ctrl+F)")
        self.search_button.setAutoDefault(False)
        self.search_button.clicked.connect(self.search_instead)
        top.addWidget(self.search_button)

        self.general_error = self._error_label("new_patient")
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

        def text(key: str, placeholder: str = "", max_length: int = 200) -> QLineEdit:
            field = QLineEdit(self)
            field.setObjectName("newPatient_" + key.replace("address.", "address_"))
            field.setAccessibleName(dict(TEXT_FIELDS)[key])
            field.setPlaceholderText(placeholder)
            field.setMaxLength(max_length)
            field.textChanged.connect(self._on_edit)
            field.editingFinished.connect(lambda k=key: self._left(k))
            field.installEventFilter(self)
            self.fields[key] = field
            return field

        first = text("first_name")
        last = text("last_name")
        dob = text("date_of_birth", "YYYY-MM-DD or MM/DD/YYYY", 20)
        self.sex = QComboBox(self)
        self.sex.setObjectName("newPatient_sex")
        self.sex.setAccessibleName("Sex")
        for value, label in SEXES:
            self.sex.addItem(label, value)
        self.sex.currentIndexChanged.connect(self._on_edit)
        email = text("email", "name@example.org")
        phone = text("phone_number", "", 40)
        mrn = text("external_identifier", "Your clinic's own ID for the patient", 100)
        self.site = QComboBox(self)
        self.site.setObjectName("newPatient_site")
        self.site.setAccessibleName("Patient's site")
        self.site.addItem("No site", None)
        self.site.currentIndexChanged.connect(self._on_edit)
        line_one = text("address.line_one", "Street and number")
        line_two = text("address.line_two", "Apartment, suite (optional)")
        city = text("address.city")
        state = text("address.state", "e.g. CA", 2)
        state.setValidator(QRegularExpressionValidator(r"[A-Za-z]{0,2}", state))
        state.setMaximumWidth(state.fontMetrics().horizontalAdvance("WWW") + 28)
        state.setCompleter(self._state_completer(state))
        zip_code = text("address.zip_code", "12345", 10)
        zip_code.setMaximumWidth(zip_code.fontMetrics().horizontalAdvance("00000-00000") + 28)
        country = QLabel(f"Country: {DEFAULT_COUNTRY}", self)
        country.setObjectName("newPatientCountry")
        set_role(country, "hint")

        place = QHBoxLayout()
        place.setContentsMargins(0, 0, 0, 0)
        place.setSpacing(6)
        place.addWidget(state)
        zip_label = QLabel("ZIP:", self)
        zip_label.setBuddy(zip_code)
        place.addWidget(zip_label)
        place.addWidget(zip_code)
        place.addSpacing(12)
        place.addWidget(country)
        place.addStretch(1)
        # State and ZIP are narrow: their problems share one line under both.
        place_cell = QWidget(self)
        place_box = QVBoxLayout(place_cell)
        place_box.setContentsMargins(0, 0, 0, 0)
        place_box.setSpacing(1)
        place_box.addLayout(place)
        shared = self._error_label("address.state")
        self.errors["address.zip_code"] = shared
        place_box.addWidget(shared)
        place_widget = place_cell

        rows: list[tuple[str, QWidget, str, QWidget]] = [
            (
                "First name:",
                self._cell(first, "first_name"),
                "Last name:",
                self._cell(last, "last_name"),
            ),
            (
                "Date of birth:",
                self._cell(dob, "date_of_birth"),
                "Sex:",
                self._cell(self.sex, "sex"),
            ),
            ("Email:", self._cell(email, "email"), "Phone:", self._cell(phone, "phone_number")),
            (
                "Patient ID (MRN):",
                self._cell(mrn, "external_identifier"),
                "Site:",
                self._cell(self.site, "site_id"),
            ),
            (
                "Address line one:",
                self._cell(line_one, "address.line_one"),
                "Line two:",
                self._cell(line_two, "address.line_two"),
            ),
            ("City:", self._cell(city, "address.city"), "State:", place_widget),
        ]
        buddies = [
            (first, last),
            (dob, self.sex),
            (email, phone),
            (mrn, self.site),
            (line_one, line_two),
            (city, state),
        ]
        for row, ((left_text, left, right_text, right), (left_buddy, right_buddy)) in enumerate(
            zip(rows, buddies, strict=True)
        ):
            for column, (caption, cell, buddy) in enumerate(
                ((left_text, left, left_buddy), (right_text, right, right_buddy))
            ):
                caption_label = QLabel(caption, self)
                caption_label.setBuddy(buddy)
                caption_label.setContentsMargins(0, 4, 0, 0)  # level with the field's text
                grid.addWidget(caption_label, row, column * 2, Qt.AlignmentFlag.AlignTop)
                grid.addWidget(cell, row, column * 2 + 1, Qt.AlignmentFlag.AlignTop)

        # Tab goes as the eye reads: left to right, row by row.
        order: list[QWidget] = [
            first, last, dob, self.sex, email, phone, mrn, self.site, line_one, line_two, city,
            state, zip_code, self.search_button,
        ]  # fmt: skip
        for before, after in pairwise(order):
            QWidget.setTabOrder(before, after)
        self.setFocusProxy(first)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.general_error)
        layout.addLayout(grid)

    # --- building ------------------------------------------------------------------------

    def _error_label(self, key: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName("newPatientError_" + key.replace(".", "_"))
        label.setAccessibleName("Problem")
        set_role(label, "error")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setVisible(False)
        self.errors[key] = label
        return label

    def _cell(self, field: QWidget, key: str) -> QWidget:
        """The field with its problem beneath it (hidden while there is none)."""
        cell = QWidget(self)
        box = QVBoxLayout(cell)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(1)
        box.addWidget(field)
        box.addWidget(self._error_label(key))
        return cell

    def _state_completer(self, field: QLineEdit) -> QCompleter:
        model = QStandardItemModel(field)
        for code, name in sorted(US_STATES.items()):
            item = QStandardItem(f"{code} \N{EM DASH} {name}")
            item.setData(code, _STATE_CODE)
            model.appendRow(item)
        completer = QCompleter(model, field)
        completer.setCompletionRole(_STATE_CODE)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        popup = completer.popup()
        if popup is not None:  # wider than the two-letter field: the names must show
            popup.setMinimumWidth(field.fontMetrics().horizontalAdvance("WW \N{EM DASH} ") * 5)
        return completer

    # --- the patient ---------------------------------------------------------------------

    def set_sites(self, sites: list[SiteRecord]) -> None:
        """The sites a patient can belong to (active ones, by name); keeps the choice."""
        current = self.site.currentData()
        self._loading = True
        try:
            self.site.clear()
            self.site.addItem("No site", None)
            for record in sorted((s for s in sites if s.active), key=lambda s: s.sort_key()):
                self.site.addItem(record.name, record.id)
            self._select_site(current, self._site_name)
        finally:
            self._loading = False

    def _select_site(self, site_id: int | None, name: str) -> None:
        position = self.site.findData(site_id) if site_id is not None else 0
        if position < 0:  # not cached (yet): keep it as the draft has it
            self.site.addItem(name or f"Site {site_id}", site_id)
            position = self.site.count() - 1
        self.site.setCurrentIndex(position)

    def set_patient(self, patient: NewPatient) -> None:
        """Show `patient` (a restored draft, prefilled names); fields count as untouched."""
        self._loading = True
        try:
            self._touched = set()
            for key, field in self.fields.items():
                value = patient.address if key.startswith("address.") else patient
                field.setText(str(getattr(value, key.removeprefix("address."))))
            position = self.sex.findData(patient.sex)
            self.sex.setCurrentIndex(max(0, position))
            self._site_name = patient.site_name
            self._select_site(patient.site_id, patient.site_name)
        finally:
            self._loading = False

    def patient(self) -> NewPatient:
        """What the fields hold, as typed (the date of birth as ISO when it reads as one)."""
        value = {key: field.text() for key, field in self.fields.items()}
        site_id = self.site.currentData()
        return NewPatient(
            first_name=value["first_name"],
            last_name=value["last_name"],
            date_of_birth=iso_date_of_birth(value["date_of_birth"]),
            sex=str(self.sex.currentData() or ""),
            email=value["email"],
            phone_number=value["phone_number"],
            external_identifier=value["external_identifier"],
            site_id=site_id if isinstance(site_id, int) else None,
            site_name=self.site.currentText() if isinstance(site_id, int) else "",
            address=UsAddress(
                line_one=value["address.line_one"],
                line_two=value["address.line_two"],
                city=value["address.city"],
                state=value["address.state"].upper(),
                zip_code=value["address.zip_code"],
            ),
        )

    # --- problems ------------------------------------------------------------------------

    def show_problems(self, problems: list[Problem], *, reveal_all: bool) -> None:
        """Each `new_patient.*` problem under its field, once that field was left (or all of
        them after a submit attempt); one the form has no field for goes on top."""
        texts: dict[int, list[str]] = {}  # per label (state and ZIP share one)
        for problem in problems:
            key = problem.field.removeprefix("new_patient").removeprefix(".")
            key = key if key in self.errors and key else "new_patient"
            if reveal_all or key in self._touched or key == "new_patient":
                texts.setdefault(id(self.errors[key]), []).append(problem.message)
        for label in dict.fromkeys(self.errors.values()):
            text = "\n".join(dict.fromkeys(texts.get(id(label), [])))
            label.setText(text)
            label.setVisible(bool(text))

    def focus_field(self, problem_field: str) -> None:
        """Put the cursor on the field a problem is about (the first field otherwise)."""
        key = problem_field.removeprefix("new_patient").removeprefix(".")
        widget: QWidget = self.fields.get(key) or self.fields["first_name"]
        if key == "sex":
            widget = self.sex
        elif key == "site_id":
            widget = self.site
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- behaviour -----------------------------------------------------------------------

    def _on_edit(self, *_args: object) -> None:
        if not self._loading:
            self.changed.emit()

    def _left(self, key: str) -> None:
        """A field was left (or Enter pressed in it): its problems show from now on."""
        if key == "address.state":
            state = self.fields[key]
            if state.text() != state.text().upper():
                state.setText(state.text().upper())  # "ny" is kept (and sent) as NY
        if key == "date_of_birth":
            field = self.fields[key]
            iso = iso_date_of_birth(field.text())
            if iso != field.text() and reads_as_iso(iso):
                field.setText(iso)  # shown as it is kept
        if key not in self._touched:
            self._touched.add(key)
            self.changed.emit()  # the view validates again and shows it

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Enter in a field moves on (as Tab) instead of falling through to anything else.
        if event.type() == QEvent.Type.KeyPress and isinstance(watched, QLineEdit):
            assert isinstance(event, QKeyEvent)
            plain = not (event.modifiers() & Qt.KeyboardModifier.ControlModifier)
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
                completer = watched.completer()
                popup = completer.popup() if completer is not None else None
                if popup is not None and popup.isVisible():
                    return False
                watched.editingFinished.emit()
                self.focusNextChild()
                return True
        return super().eventFilter(watched, event)

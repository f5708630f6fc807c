"""The patient's shipping address and phone, as Impilo holds them, to correct for an order in
"Confirm address".

It opens prefilled with what Impilo answered when it was read (never the order cache, which
keeps no street or phone). Each field says what is wrong with it beside it, with the same
rules as a new patient's address (`domain.new_patient_rules`). OK builds a `PatientChange`
from the address as read to the address as edited; the caller queues it in the outbox, which
sends it to Impilo exactly once. Cancel after an edit asks first, so nothing typed is lost by
a slip of the Escape key.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop.api.models import Patient
from impilo_desktop.domain.new_patient import UsAddress
from impilo_desktop.domain.new_patient_rules import address_problems, phone_digits
from impilo_desktop.domain.patient_change import PatientChange, PatientContact
from impilo_desktop.ui.plumbing.theme import status_colors

from .names import named

# (field, label, accessible name)
_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("line_one", "Street address", "Street address"),
    ("line_two", "Address line two", "Address line two (apartment, suite)"),
    ("city", "City", "City"),
    ("state", "State", "State (two letters)"),
    ("zip_code", "ZIP code", "ZIP code"),
    ("phone_number", "Phone", "Phone number"),
)
PHONE_PROBLEM = "Enter a US phone number of 10 digits, e.g. 555-010-2030"


def contact_of(patient: Patient) -> PatientContact:
    """What Impilo holds for the patient: the address and phone the change starts from."""
    a = patient.address
    address = UsAddress(
        line_one=(a.line_one or "") if a else "",
        line_two=(a.line_two or "") if a else "",
        city=(a.city or "") if a else "",
        state=(a.state or "") if a else "",
        zip_code=(a.zip_code or "") if a else "",
        country=(a.country or "USA") if a else "USA",
    )
    return PatientContact(address=address, phone_number=patient.phone_number or "")


class AddressDialog(QDialog):
    """Correct a patient's shipping address and phone; `change` is set once accepted."""

    def __init__(
        self,
        patient: Patient,
        order_id: int | None,
        parent: QWidget | None = None,
        *,
        on_the_way: PatientContact | None = None,
    ):
        """`on_the_way`: what a correction of this patient not sent yet sets; this one
        starts from it (the outbox sends it after that one)."""
        super().__init__(parent)
        named(self, "addressDialog", "Correct the shipping address")
        self.setWindowTitle("Correct the shipping address")
        self._patient = patient
        self._order_id = order_id
        self.before = on_the_way or contact_of(patient)
        self.change: PatientChange | None = None
        self._checked = False  # problems are shown once the coordinator has tried OK
        self.question: QMessageBox | None = None  # "Discard the correction?", while open
        self.discard_button: object = None

        who = f"{patient.full_name} (#{patient.id})" if patient.full_name else f"#{patient.id}"
        for_order = f" for order {order_id}" if order_id is not None else ""
        intro = QLabel(
            f"Impilo holds this shipping address for <b>{_html(who)}</b>{for_order}. Check it "
            "with the patient and correct it. The correction is queued here and sent to "
            "Impilo once (also later, if Impilo cannot be reached now)."
        )
        if on_the_way is not None:
            intro.setText(
                f"A correction for <b>{_html(who)}</b> is already waiting in Drafts &amp; outbox:"
                " the address it sets shows here. Correct it again if needed; this correction"
                " is sent to Impilo after that one."
            )
        intro.setObjectName("addressDialogIntro")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)

        self.fields: dict[str, QLineEdit] = {}
        self.problems: dict[str, QLabel] = {}
        form = QFormLayout()
        colours = status_colors()
        values = {**self.before.address.model_dump(), "phone_number": self.before.phone_number}
        for key, label, accessible in _FIELDS:
            edit = QLineEdit(str(values.get(key, "")))
            named(edit, f"address_{key}", accessible)
            edit.textEdited.connect(self._recheck)
            edit.editingFinished.connect(self._left_field)
            problem = QLabel()
            problem.setObjectName(f"address_{key}_problem")
            problem.setStyleSheet(f"color: {colours.bad};")
            problem.setWordWrap(True)
            problem.setVisible(False)
            column = QVBoxLayout()
            column.setSpacing(2)
            column.addWidget(edit)
            column.addWidget(problem)
            form.addRow(f"{label}:", column)
            self.fields[key] = edit
            self.problems[key] = problem
        self.fields["state"].setMaxLength(2)

        self.nothing_changed = QLabel("Nothing has changed yet: correct a field, or Cancel.")
        self.nothing_changed.setObjectName("addressDialogUnchanged")
        self.nothing_changed.setVisible(False)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Queue correction")
        ok.setObjectName("queueCorrectionButton")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.nothing_changed)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self.fields["line_one"].setFocus()

    def edited(self) -> PatientContact:
        """The address and phone as they are in the fields now."""
        text = {key: edit.text() for key, edit in self.fields.items()}
        address = UsAddress(
            line_one=text["line_one"],
            line_two=text["line_two"],
            city=text["city"],
            state=text["state"],
            zip_code=text["zip_code"],
            country=self.before.address.country or "USA",
        )
        return PatientContact(address=address, phone_number=text["phone_number"])

    def field_problems(self) -> dict[str, str]:
        """What is wrong, by field. A phone Impilo already holds is not judged again."""
        edited = self.edited()
        found = {
            p.field.split(".", 1)[-1]: p.message
            for p in address_problems(edited.address, prefix="address")
        }
        phone = edited.phone_number
        if phone != self.before.phone_number and phone.strip() and phone_digits(phone) is None:
            found["phone_number"] = PHONE_PROBLEM
        return found

    def accept(self) -> None:
        self._checked = True
        problems = self._show_problems()
        if problems:
            self.fields[next(k for k, _l, _a in _FIELDS if k in problems)].setFocus()
            return
        edited = self.edited()
        if edited == self.before:
            self.nothing_changed.setVisible(True)
            return
        patient_id = self._patient.id
        assert patient_id is not None
        self.change = PatientChange(
            patient_id=patient_id,
            patient_name=self._patient.full_name,
            order_id=self._order_id,
            before=self.before,
            after=edited,
        )
        super().accept()

    def reject(self) -> None:
        """Cancel, Escape or the close box: after an edit, asked first (not blocking: the
        question is a window-modal box whose Discard closes the dialog)."""
        if self.edited() == self.before:
            super().reject()
            return
        if self.question is not None:
            self.question.raise_()
            return
        box = QMessageBox(self)
        box.setObjectName("discardAddressQuestion")
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Discard the correction?")
        box.setText("You have changed the address. Close without queuing the correction?")
        self.discard_button = box.addButton(
            "&Discard changes", QMessageBox.ButtonRole.DestructiveRole
        )
        keep = box.addButton("&Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.finished.connect(lambda _result: self._answered(box))
        self.question = box
        box.open()

    def _answered(self, box: QMessageBox) -> None:
        self.question = None
        box.deleteLater()
        if box.clickedButton() is self.discard_button:
            super().reject()

    def _left_field(self) -> None:
        # From the first field left on, every field says what is wrong with it as it changes.
        self._checked = True
        self._show_problems()

    def _recheck(self) -> None:
        self.nothing_changed.setVisible(False)
        if self._checked:
            self._show_problems()

    def _show_problems(self) -> dict[str, str]:
        problems = self.field_problems()
        for key, label in self.problems.items():
            message = problems.get(key, "")
            label.setText(message)
            label.setVisible(bool(message))
            self.fields[key].setAccessibleDescription(message)
        self.adjustSize()  # room for the messages that appeared
        return problems


def _html(text: str) -> str:
    from html import escape

    return escape(text)


__all__ = ["AddressDialog", "contact_of"]

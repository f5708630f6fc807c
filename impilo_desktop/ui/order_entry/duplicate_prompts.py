"""The two questions a submit may ask before an order is queued: "Is this patient already in
Impilo?" (a new patient matching a known one) and "Already ordered?" (the recipient has an
open order with the same things). Both are window-modal boxes opened with `open()`; their
default is the harmless answer (Cancel, Go back), so Enter never creates a duplicate."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from impilo_desktop.domain.new_patient import NewPatient
from impilo_desktop.domain.patient_change import PatientChange
from impilo_desktop.domain.patient_change_rules import changes_address, changes_phone
from impilo_desktop.domain.typed_contact import correction_for, difference_lines
from impilo_desktop.ui.order_entry.open_orders import OpenOrder
from impilo_desktop.ui.order_entry.patient_matches import (
    MRN_REASON,
    SAME_EMAIL,
    PatientCheck,
    PatientMatch,
)
from impilo_desktop.ui.order_entry.records import PatientRecord

SHOWN = 3  # matches or orders listed; the rest are counted


def _box(parent: QWidget, name: str, title: str, text: str, informative: str) -> QMessageBox:
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.setObjectName(name)
    box.setAccessibleName(title)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(text)
    box.setInformativeText(informative)
    # Wide enough that a name, its details and how it matched read as one line each.
    box.setStyleSheet("QLabel#qt_msgbox_label { min-width: 34em; }")
    return box


def _button(box: QMessageBox, text: str, name: str, role: QMessageBox.ButtonRole) -> QPushButton:
    button = box.addButton(text, role)
    assert button is not None
    button.setObjectName(name)
    return button


def _who(record: PatientRecord) -> str:
    details = [
        f"born {record.date_of_birth}" if record.date_of_birth else "",
        record.site_name,
        f"Impilo #{record.id}",
        "archived" if record.archived else "",
    ]
    return f"<b>{escape(record.display_name)}</b> ({escape(', '.join(d for d in details if d))})"


def _match_line(match: PatientMatch) -> str:
    return f"{_who(match.record)}: {escape('; '.join(match.reasons))}"


def _more(count: int, noun: str) -> str:
    extra = count - SHOWN
    return f"<br>and {extra} more {noun}{'s' if extra != 1 else ''}" if extra > 0 else ""


def _unique_keys_matched(check: PatientCheck) -> list[str]:
    """Which of the keys Impilo keeps unique matched: "patient ID (MRN)", "email"."""
    reasons = [reason for match in check.matches for reason in match.reasons]
    keys = ["patient ID (MRN)" if any(r.startswith(MRN_REASON) for r in reasons) else ""]
    keys.append("email" if SAME_EMAIL in reasons else "")
    return [key for key in keys if key]


def can_create_anyway(check: PatientCheck) -> bool:
    """Whether a new patient can be created beside the matches: not when one has the same
    patient ID (MRN) or email, which Impilo keeps unique (find-by-email answers with one
    patient; as the sender's check, domain.patient_match). A match by last name and date of
    birth alone may be someone else."""
    return not _unique_keys_matched(check)


def patient_question_text(check: PatientCheck) -> tuple[str, str]:
    """(text, informative text) of the duplicate-patient question."""
    matches = check.matches
    lines = "<br>".join(_match_line(m) for m in matches[:SHOWN]) + _more(len(matches), "patient")
    heading = (
        "This may be a patient already in Impilo:"
        if len(matches) == 1
        else "These patients already in Impilo may be this one:"
    )
    informative = (
        "Use the patient already there (the items stay on the order), or create a new patient "
        "if this is someone else."
    )
    if keys := _unique_keys_matched(check):
        which = " and ".join(keys)
        informative = (
            f"Impilo keeps one patient per {which}: use the patient already there "
            f"(the items stay on the order), or cancel and correct the {' or '.join(keys)}."
        )
    if not check.asked_impilo:
        informative += (
            " Impilo could not be asked now, so only the patients on this computer were "
            "checked; Impilo will be checked before the order is sent."
        )
    return f"{heading}<br><br>{lines}", informative


def typed_correction(check: PatientCheck, typed: NewPatient) -> PatientChange | None:
    """The correction of the patient "Use this patient" takes, from the address and phone
    Impilo holds to the typed ones; None when they agree or Impilo's are not known."""
    usable = check.usable
    if usable is None or check.contact is None:
        return None
    return correction_for(usable.id, usable.display_name, check.contact, typed)


def _difference_text(change: PatientChange) -> str:
    lines = "<br>".join(escape(line) for line in difference_lines(change))
    return (
        f"<br><br>{lines}<br>Using the patient as Impilo has them ships to Impilo's address;"
        " correct it to ship to the one typed here."
    )


def ask_patient(
    parent: QWidget,
    check: PatientCheck,
    typed: NewPatient,
    *,
    on_use: Callable[[PatientRecord], None],
    on_use_and_correct: Callable[[PatientRecord, PatientChange], None],
    on_create: Callable[[], None],
    on_cancel: Callable[[], None],
) -> QMessageBox:
    """Ask about a new patient who matches known ones. "Use this patient" takes the first
    usable match (archived patients cannot receive orders); when its address or phone in
    Impilo differs from the typed one, both are shown and "Use this patient and correct
    their address" also queues the correction."""
    text, informative = patient_question_text(check)
    usable = check.usable
    change = typed_correction(check, typed)
    if change is not None:
        informative += _difference_text(change)
    box = _box(parent, "duplicatePatientQuestion", "Already in Impilo?", text, informative)
    use = correct = None
    if usable is not None:
        label = "Use this patient" if len(check.matches) == 1 else f"Use {usable.display_name}"
        use = _button(box, label, "usePatientButton", QMessageBox.ButtonRole.AcceptRole)
    if usable is not None and change is not None:
        parts = [changes_address(change) and "address", changes_phone(change) and "phone"]
        what = " and ".join(p for p in parts if p)
        correct = _button(
            box,
            f"{'Use this patient' if len(check.matches) == 1 else 'Use them'} and correct"
            f" their {what}",
            "useAndCorrectButton",
            QMessageBox.ButtonRole.AcceptRole,
        )
    create = (
        _button(
            box,
            "Create a new patient anyway",
            "createPatientButton",
            QMessageBox.ButtonRole.DestructiveRole,
        )
        if can_create_anyway(check)
        else None
    )
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)  # Enter must not create a duplicate, nor pick for them
    box.setEscapeButton(cancel)

    def closed(_result: int) -> None:
        clicked = box.clickedButton()
        if use is not None and clicked is use and usable is not None:
            on_use(usable)
        elif correct is not None and clicked is correct and usable and change is not None:
            on_use_and_correct(usable, change)
        elif create is not None and clicked is create:
            on_create()
        else:
            on_cancel()

    box.finished.connect(closed)
    box.open()
    return box


def _order_line(order: OpenOrder) -> str:
    day = f"{order.placed:%Y-%m-%d}" if order.placed else ""
    if order.order_id and order.status == "Order placed":
        when = f"{order.status} on {day}" if day else order.status
    elif order.order_id:
        when = f"{order.status}, placed {day}" if day else order.status
    else:
        when = f"queued {day}" if day else "queued"
    return f"<b>{escape(order.name)}</b> ({escape(when)}): {escape(', '.join(order.shared))}"


def order_question_text(recipient: str, orders: Sequence[OpenOrder]) -> tuple[str, str]:
    """(text, informative text) of the duplicate-order question."""
    lines = "<br>".join(_order_line(o) for o in orders[:SHOWN]) + _more(len(orders), "order")
    which = "an open order" if len(orders) == 1 else "open orders"
    text = f"{escape(recipient)} already has {which} with some of the same things:<br><br>{lines}"
    return text, "Place this order anyway, or go back to change it."


def ask_order(
    parent: QWidget,
    recipient: str,
    orders: Sequence[OpenOrder],
    *,
    on_place: Callable[[], None],
    on_back: Callable[[], None],
) -> QMessageBox:
    """Ask once before placing an order that may repeat an open one."""
    text, informative = order_question_text(recipient, orders)
    box = _box(parent, "duplicateOrderQuestion", "Already ordered?", text, informative)
    place = _button(box, "Place it anyway", "placeAnywayButton", QMessageBox.ButtonRole.AcceptRole)
    back = _button(box, "Go back", "goBackButton", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(back)  # Enter must not ship the same things twice
    box.setEscapeButton(back)

    def closed(_result: int) -> None:
        if box.clickedButton() is place:
            on_place()
        else:
            on_back()

    box.finished.connect(closed)
    box.open()
    return box

"""Correcting a patient's address from an order in "Confirm address": the dialog, the
correction queued in the outbox (`OutboxController.corrections.queue`, sent to Impilo
exactly once), and the order's row saying where the correction is ("address correction
waiting to be sent", "... sent", "... waiting for you" when the outbox holds it)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog, QWidget

from impilo_desktop.api.models import Order, Patient
from impilo_desktop.store import PatientChangeEntry

from .actions import error_text
from .address_dialog import AddressDialog
from .model import OrderHistoryModel
from .notify import Say

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)

WAITING = "address correction waiting to be sent"
SENT = "address correction sent"
HELD = "address correction waiting for you (Drafts & outbox)"


class AddressCorrections(QObject):
    """Opens the address dialog for an order and queues what the coordinator corrected."""

    def __init__(
        self,
        page: QWidget,
        services: AppServices,
        model: OrderHistoryModel,
        say: Say,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._page = page
        self._services = services
        self._model = model
        self._say = say
        self.dialog: AddressDialog | None = None
        outbox = services.outbox
        outbox.corrections.applied.connect(lambda entry: self._on_entry(entry, SENT))
        outbox.corrections.held.connect(lambda entry: self._on_entry(entry, HELD))

    def open_for(self, order: Order, patient: Patient) -> None:
        """The dialog (window-modal, `open()`: a screen reader's Press gets its answer at
        once), prefilled with `patient` as Impilo holds it, or with what a correction of the
        patient not sent yet sets: a second correction starts from the first, and the outbox
        sends them one after the other."""
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return
        if patient.id is None:
            return

        def answer(found: object) -> None:
            if isinstance(found, BaseException):
                log.warning("Reading the outbox for a waiting correction failed: %r", found)
                self._say(
                    "The outbox could not be read, so the address cannot be corrected now."
                    " Try again.",
                    about=order.id,
                )
                return
            if self.dialog is not None and self.dialog.isVisible():
                self.dialog.raise_()
                return
            waiting = found.change.after if isinstance(found, PatientChangeEntry) else None
            dialog = AddressDialog(patient, order.id, self._page, on_the_way=waiting)
            dialog.finished.connect(lambda result: self._finished(dialog, result))
            self.dialog = dialog
            dialog.open()

        self._services.outbox.corrections.on_the_way(patient.id, answer)

    def _finished(self, dialog: AddressDialog, result: int) -> None:
        self.dialog = None
        dialog.deleteLater()
        change = dialog.change
        if result != QDialog.DialogCode.Accepted or change is None:
            return
        order_id = change.order_id
        name = change.patient_name or f"patient {change.patient_id}"

        def done(outcome: object) -> None:
            if isinstance(outcome, BaseException):
                self._say(
                    f"The address correction for {name} could not be queued: "
                    f"{error_text(outcome)}. Nothing was sent; try again.",
                    about=order_id,
                )
                return
            log.info("Address correction queued for order %s", order_id)
            if order_id is not None:
                self._model.set_status_note(order_id, WAITING)
            self._say(
                f"The address correction for {name} is queued and will be sent to Impilo.",
                about=order_id,
            )

        self._services.outbox.corrections.queue(change, done)

    def _on_entry(self, entry: object, note: str) -> None:
        change = getattr(entry, "change", None)
        order_id = getattr(change, "order_id", None)
        if isinstance(order_id, int):
            self._model.set_status_note(order_id, note)


__all__ = ["HELD", "SENT", "WAITING", "AddressCorrections"]

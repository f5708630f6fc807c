"""The checks a valid draft goes through on submit, before it is queued: a new patient is
looked for among known patients (`patient_matches`), an order for a known recipient is compared
with the recipient's open orders (`open_orders`). Both run on the bridge loop; only the
question (`duplicate_prompts`) is on the UI thread. The checks belong to the draft they were
asked about: should the draft change or leave the screen meanwhile, the answer is dropped
(`withdraw`) and nothing is sent."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from impilo_desktop.domain import OrderDraft
from impilo_desktop.domain.new_patient import NewPatient
from impilo_desktop.domain.patient_change import PatientChange
from impilo_desktop.ui.order_entry.duplicate_prompts import ask_order, ask_patient
from impilo_desktop.ui.order_entry.open_orders import OpenOrder, find_open_orders
from impilo_desktop.ui.order_entry.patient_matches import PatientCheck, check_new_patient
from impilo_desktop.ui.order_entry.records import PatientRecord
from impilo_desktop.ui.order_entry.submission import OFFLINE_STATES

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)

OFFLINE_NOTE = "Impilo will be checked for this patient before the order is sent."


def _content(draft: OrderDraft) -> str:
    return draft.model_dump_json(exclude={"updated_at"})


class SubmitChecks(QObject):
    """Runs the checks for one submit at a time. `finished()` when a check ended without
    sending (a question answered "no", the draft changed): the form is the coordinator's
    again."""

    finished = Signal()
    asking = Signal()  # a question is open: the coordinator's answer decides

    def __init__(self, services: AppServices, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._services = services
        self._parent = parent_widget
        self._draft: OrderDraft | None = None
        self._content = ""
        self._box: QMessageBox | None = None

    @property
    def busy(self) -> bool:
        """A check is running or its question is open."""
        return self._draft is not None

    @property
    def question(self) -> QMessageBox | None:
        return self._box

    def run(
        self,
        draft: OrderDraft,
        *,
        send: Callable[..., None],
        use_patient: Callable[[PatientRecord], None],
        use_and_correct: Callable[[PatientRecord, PatientChange], None],
    ) -> bool:
        """Check `draft`; `send(note)` when it may go (the note is for the banner; with
        `confirmed=True` when the coordinator chose a new patient beside what Impilo itself
        answered, so the sender need not ask again), or
        `use_patient(record)` when the coordinator takes a known patient instead
        (`use_and_correct(record, change)`: and corrects their address to the typed one). False
        when there is nothing to check (send it at once)."""
        services = self._services
        client, store = services.client, services.store
        # Known to be offline: do not make the coordinator wait for requests that will fail.
        online = services.outbox.state not in OFFLINE_STATES
        if draft.is_new_patient_order and draft.new_patient is not None:
            patient = draft.new_patient.model_copy(deep=True)
            self._start(draft)

            async def look_patient() -> PatientCheck:
                return await check_new_patient(client(), store, patient, ask_impilo=online)

            services.bridge.submit(
                look_patient(),
                on_result=lambda check: self._on_patient_check(
                    draft, check, send, use_patient, use_and_correct
                ),
                on_error=lambda error: self._failed(draft, error, lambda: send(OFFLINE_NOTE)),
            )
            return True
        if draft.recipient is None or not getattr(draft.recipient, "id", None):
            return False
        if not (draft.item_lines or draft.kit_lines):
            return False
        copy = draft.model_copy(deep=True)
        self._start(draft)

        async def look() -> list[OpenOrder]:
            return await find_open_orders(client(), store, copy, ask_impilo=online)

        services.bridge.submit(
            look(),
            on_result=lambda orders: self._on_open_orders(draft, orders, send),
            on_error=lambda error: self._failed(draft, error, lambda: send("")),
        )
        return True

    def withdraw(self) -> None:
        """Another draft came on screen: drop the check and close its question unanswered."""
        self._draft = None
        box, self._box = self._box, None
        if box is not None:
            box.blockSignals(True)  # its `finished` carries the answer
            box.close()

    # --- steps ---------------------------------------------------------------------------

    def _start(self, draft: OrderDraft) -> None:
        self._draft = draft
        self._content = _content(draft)

    def _current(self, draft: OrderDraft) -> bool:
        """Still the draft asked about, unchanged since the submit."""
        if self._draft is not draft:
            return False
        if _content(draft) != self._content:
            log.info("The order changed while it was being checked; not sent")
            self._end()
            return False
        return True

    def _end(self) -> None:
        self._draft = None
        self._box = None
        self.finished.emit()

    def _failed(self, draft: OrderDraft, error: BaseException, go_on: Callable[[], None]) -> None:
        # A check that cannot run does not keep an order back (the sender checks a new
        # patient again before sending).
        log.warning("Could not check the order for duplicates: %s", error)
        if self._current(draft):
            self._draft = None
            go_on()

    def _on_patient_check(
        self,
        draft: OrderDraft,
        check: PatientCheck,
        send: Callable[..., None],
        use_patient: Callable[[PatientRecord], None],
        use_and_correct: Callable[[PatientRecord, PatientChange], None],
    ) -> None:
        if not self._current(draft):
            return
        note = "" if check.asked_impilo else OFFLINE_NOTE
        if not check.matches:
            self._draft = None
            send(note)
            return

        def use(record: PatientRecord) -> None:
            self._end()
            use_patient(record)

        def use_corrected(record: PatientRecord, change: PatientChange) -> None:
            self._end()
            use_and_correct(record, change)

        def create() -> None:
            self._draft = None
            self._box = None
            # Only Impilo's own answer settles it; a cache-only check leaves it to the sender.
            send(note, confirmed=check.asked_impilo)

        typed = draft.new_patient or NewPatient()
        self._box = ask_patient(
            self._parent,
            check,
            typed,
            on_use=use,
            on_use_and_correct=use_corrected,
            on_create=create,
            on_cancel=self._end,
        )
        self.asking.emit()

    def _on_open_orders(
        self, draft: OrderDraft, orders: list[OpenOrder], send: Callable[[str], None]
    ) -> None:
        if not self._current(draft):
            return
        if not orders:
            self._draft = None
            send("")
            return
        recipient = draft.recipient.display_name if draft.recipient else "This recipient"

        def place() -> None:
            self._draft = None
            self._box = None
            send("")

        self._box = ask_order(self._parent, recipient, orders, on_place=place, on_back=self._end)
        self.asking.emit()

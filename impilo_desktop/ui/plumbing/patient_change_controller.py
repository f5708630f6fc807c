"""Address and phone corrections in the outbox, driven from the window: queueing one,
the coordinator's answers to a held or refused one, the correction on its way for a patient,
and the news of the sender's results as Qt signals. The outbox controller (outbox_controller.py)
sends them with the orders in one drain; this part only speaks for the corrections.

Every store call runs on the bridge's loop; results come back on the UI thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from impilo_desktop.domain.patient_change import PatientChange
from impilo_desktop.store import PatientChangeEntry, StoreError
from impilo_desktop.sync.drain_report import Outcome

if TYPE_CHECKING:
    from impilo_desktop.sync.patient_change_sender import ChangeResult
    from impilo_desktop.ui.plumbing.outbox_controller import OutboxController
    from impilo_desktop.ui.plumbing.services import AppServices

# Results after which a correction is applied or waits for the coordinator.
SETTLED_CHANGE = (Outcome.SENT, Outcome.ADOPTED, Outcome.HELD, Outcome.REJECTED)


class PatientChangeController(QObject):
    """The corrections' side of the outbox (`OutboxController.corrections`).

    Signals (on the UI thread), with a `PatientChangeEntry`: `applied(entry)` once Impilo
    holds the new values, `held(entry)` when one waits for the coordinator (changed in Impilo
    meanwhile, queued for another server, or refused by Impilo)."""

    applied = Signal(object)
    held = Signal(object)
    # From the sync thread to the UI thread (queued: this object lives on the UI thread).
    _result_hop = Signal(object, object)  # ChangeResult, PatientChangeEntry | None

    def __init__(self, outbox: OutboxController, services: AppServices) -> None:
        super().__init__(outbox)
        self._outbox = outbox
        self._services = services
        self._result_hop.connect(self._on_result)

    def queue(self, change: PatientChange, on_done: Callable[[object], None] | None = None) -> None:
        """Queue a correction (one transaction, on the bridge loop) and start sending it.
        `on_done` follows on the UI thread with the queued `PatientChangeEntry`, or with the
        exception when it could not be queued."""
        server = self._services.profile.base_url

        def queued(entry: object) -> None:
            self._outbox.drain(due_only=False)
            if on_done is not None:
                on_done(entry)
            self._outbox.changed()

        def failed(error: BaseException) -> None:
            self._outbox.store_problem(error)
            if on_done is not None:
                on_done(error)

        self._services.bridge.call(
            lambda: self._services.store.enqueue_patient_change(change, server=server),
            on_result=queued,
            on_error=failed,
        )

    def on_the_way(self, patient_id: int, answer: Callable[[object], None]) -> None:
        """`answer(entry)` on the UI thread: the patient's latest correction not sent yet
        (a `PatientChangeEntry`), None, or the exception when the outbox could not be read."""
        server = self._services.profile.base_url
        self._services.bridge.call(
            lambda: self._services.store.open_patient_change(patient_id, server=server),
            on_result=answer,
            on_error=answer,
        )

    def apply_anyway(self, change_id: int) -> None:
        """The coordinator wants a correction held as changed in Impilo meanwhile sent after
        all, over what Impilo holds now: the patient is re-read, then it is sent."""

        def released(_entry: object) -> None:
            self._outbox.changed()
            self._outbox.drain(due_only=False)

        self._services.bridge.call(
            self._services.store.apply_patient_change_anyway,
            change_id,
            on_result=released,
            on_error=self._outbox.store_problem,
        )

    def discard(self, change_id: int, on_done: Callable[[], None] | None = None) -> None:
        """Delete a held or refused correction the coordinator does not want sent."""

        def discarded(_none: object) -> None:
            self._outbox.changed()
            if on_done is not None:
                on_done()

        self._services.bridge.call(
            self._services.store.discard_patient_change,
            change_id,
            on_result=discarded,
            on_error=self._outbox.store_problem,
        )

    def sender_result(self, result: ChangeResult) -> None:
        """On the loop thread, from the drain: the entry a settled result is about is read
        here, and both go to the UI thread."""
        entry: PatientChangeEntry | None = None
        if result.outcome in SETTLED_CHANGE:
            try:
                entry = self._services.store.get_patient_change(result.change_id)
            except StoreError:
                entry = None
        self._result_hop.emit(result, entry)

    @Slot(object, object)
    def _on_result(self, result: ChangeResult, entry: PatientChangeEntry | None) -> None:
        self._outbox.changed()
        if entry is None:
            return
        if result.outcome in (Outcome.SENT, Outcome.ADOPTED):
            self.applied.emit(entry)
        else:
            self.held.emit(entry)

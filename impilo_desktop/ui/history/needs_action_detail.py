"""What to do about the order in the detail panel, when it needs the coordinator: the step in
their words, Impilo's notes in full, the tracking links and the shipping address, and for
"Confirm address" the way to correct it (`address_dialog`).

The shipping address of a patient order is read from Impilo (`get_patient`, on the bridge):
the order cache keeps no street and no phone (issue 13), and the coordinator needs the address
as Impilo holds it now. It is kept in memory only, for the order shown. A site order's
address is the site's, on the order."""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from impilo_desktop.api.models import Address, Order, OrderStatus, Patient
from impilo_desktop.domain.needs_action import can_correct_address, needs_action, next_step
from impilo_desktop.domain.status import parse_status

from .actions import error_text
from .carriers import tracking_url
from .detail import OrderDetailView

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)

_SHOWS_TRACKING = frozenset({OrderStatus.UNSUCCESSFUL_DELIVERY, OrderStatus.AVAILABLE_FOR_PICKUP})


def _lines(address: Address | None) -> list[str]:
    return address.lines() if address is not None else []


def lead_html(order: Order, address: list[str] | None, address_note: str = "") -> str:
    """The "What to do" block: the step, then what it needs (notes, tracking, address).
    `address` None with `address_note` says why there is none yet ("Reading…")."""
    status = parse_status(order.current_status)
    step = next_step(order.current_status)
    if step is None:
        return ""
    parts = [
        '<table width="100%" cellspacing="0" cellpadding="8" class="todo"><tr><td>',
        f"<b>What to do:</b> {escape(step)}.",
    ]
    if status is OrderStatus.PENDING_ADDITIONAL_INFORMATION:
        notes = [n for n in reversed(order.order_notes) if n.note]
        if notes:
            parts.append("<br><b>Notes on this order</b> (newest first):")
            parts += [f"<br>&bull; {escape(n.note or '')}" for n in notes]
        else:
            parts.append("<br>Impilo has left no note on this order yet.")
    if status in _SHOWS_TRACKING:
        links = []
        for t in order.tracking_numbers:
            url = tracking_url(t.carrier, t.value)
            number = escape(t.value or "")
            carrier = escape(t.carrier or "")
            links.append(f'{carrier} <a href="{escape(url)}">{number}</a>' if url else number)
        tracked = ", ".join(links) if links else "no tracking number yet"
        parts.append(f"<br><b>Tracking:</b> {tracked}")
    if status in _SHOWS_TRACKING or status is OrderStatus.RECONFIRM_ADDRESS:
        if address:
            shown = "<br>".join(escape(line) for line in address)
            parts.append(f"<br><b>Shipping address:</b><br>{shown}")
        elif address_note:
            parts.append(f'<br><span class="muted">{escape(address_note)}</span>')
    parts.append("</td></tr></table>")
    return "".join(parts)


class NeedsActionDetail(QObject):
    """Fills the detail panel's "What to do" block and its "Correct the address…" button, and
    reads the patient from Impilo for the address dialog."""

    def __init__(
        self,
        services: AppServices,
        detail: OrderDetailView,
        offline: Callable[[], bool],
        correct: Callable[[Order, Patient], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._detail = detail
        self._offline = offline
        self._correct = correct
        self._patient: Patient | None = None
        detail.order_changed.connect(self._on_order)
        detail.correct_address_clicked.connect(self._correct_clicked)

    @property
    def patient(self) -> Patient | None:
        """The shown order's patient as Impilo holds it (read when the order was shown)."""
        return self._patient

    def patient_changed(self, patient_id: int) -> None:
        """Impilo holds a new address for this patient (a correction was applied): the
        shown order's address is read again."""
        order = self._detail.order
        shown = order.patient.id if order is not None and order.patient is not None else None
        if order is not None and shown == patient_id and needs_action(order.current_status):
            self._read_patient(order)

    def _on_order(self, order: Order | None) -> None:
        self._patient = None
        if order is None or not needs_action(order.current_status):
            self._detail.set_correctable(False)
            self._detail.set_lead("")
            return
        self._detail.set_correctable(can_correct_address(order))
        if order.site is not None:
            self._detail.set_lead(lead_html(order, _lines(order.site.address)))
        elif order.patient is not None and order.patient.id is not None:
            self._read_patient(order)
        else:
            self._detail.set_lead(lead_html(order, None))

    def _read_patient(self, order: Order) -> None:
        patient_id = order.patient.id if order.patient is not None else None
        if patient_id is None:
            return
        if self._offline():
            note = "Offline: the shipping address is read from Impilo when it can be reached."
            self._detail.set_lead(lead_html(order, None, note))
            return
        self._detail.set_lead(lead_html(order, None, "Reading the shipping address from Impilo…"))

        def read(patient: Patient) -> None:
            if self._still_shown(order):
                self._patient = patient
                self._detail.set_lead(lead_html(order, _lines(patient.address)))

        def failed(error: BaseException) -> None:
            log.info("Patient of order %s not read: %s", order.id, type(error).__name__)
            if self._still_shown(order):
                note = f"The shipping address could not be read from Impilo: {error_text(error)}"
                self._detail.set_lead(lead_html(order, None, note))

        self._services.bridge.submit(
            _get_patient(self._services, patient_id), on_result=read, on_error=failed
        )

    def _still_shown(self, order: Order) -> bool:
        shown = self._detail.order
        return shown is not None and shown.id == order.id

    def _correct_clicked(self) -> None:
        order = self._detail.order
        if order is None or not can_correct_address(order):
            return
        if self._patient is not None:
            self._correct(order, self._patient)
            return
        # Not read yet (or it failed): read it now, then open the dialog.
        self._detail.set_correctable(True, busy=True)

        # Another order may be shown by the time the answer comes: its button and block are
        # its own, and this answer is not for them.
        def read(patient: Patient) -> None:
            if self._still_shown(order):
                self._detail.set_correctable(can_correct_address(order))
                self._patient = patient
                self._detail.set_lead(lead_html(order, _lines(patient.address)))
                self._correct(order, patient)

        def failed(error: BaseException) -> None:
            log.info("Patient of order %s not read to correct: %s", order.id, type(error).__name__)
            if self._still_shown(order):
                self._detail.set_correctable(can_correct_address(order))
                note = f"The patient could not be read from Impilo: {error_text(error)}"
                self._detail.set_lead(lead_html(order, None, note))

        patient_id = order.patient.id if order.patient is not None else None
        if patient_id is None:
            return
        self._services.bridge.submit(
            _get_patient(self._services, patient_id),
            on_result=read,
            on_error=failed,
        )


async def _get_patient(services: AppServices, patient_id: int) -> Patient:
    # On the bridge loop, where the shared client lives.
    return await services.client().get_patient(patient_id)


__all__ = ["NeedsActionDetail", "lead_html"]

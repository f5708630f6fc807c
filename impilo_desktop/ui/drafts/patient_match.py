"""The question for a new patient's order held because Impilo already has a patient like the
new one (sync/patient_check.py): use that patient or take the order back to drafts (to correct
the external ID or email, which Impilo keeps unique); "create a new one anyway" works only for a
hold without a match. Cancel (the default: Enter or Escape) leaves it waiting."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QMessageBox, QWidget

from impilo_desktop.api.errors import ImpiloError
from impilo_desktop.domain.new_patient import NewPatient
from impilo_desktop.domain.patient_change import PatientContact
from impilo_desktop.domain.patient_change_rules import contact_from_patient
from impilo_desktop.domain.patient_match import PatientMatch, can_create_anyway
from impilo_desktop.domain.typed_contact import correction_for, difference_lines
from impilo_desktop.store import OutboxEntry

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)

# How long the question waits for Impilo's addresses before it is asked without them.
CONTACT_WAIT = 5.0


def _facts(born: str | None, site: str | None, email: str | None, external_id: str | None) -> str:
    parts = [
        f"born {born}" if born else "",
        site or "",
        f"email {email}" if email else "",
        f"external ID {external_id}" if external_id else "",
    ]
    return "".join(f", {p}" for p in parts if p)


def _new_patient_line(patient: NewPatient) -> str:
    facts = _facts(
        patient.date_of_birth.strip(),
        patient.site_name.strip(),
        patient.email.strip(),
        patient.external_identifier.strip(),
    )
    name = patient.display_name.removesuffix(" (new patient)")
    return f"Typed in the order: {name}{facts}."


def _match_line(
    match: PatientMatch, typed: NewPatient, contact: PatientContact | None = None
) -> str:
    p = match.patient
    facts = _facts(p.date_of_birth, p.site_name, p.email, p.external_identifier)
    # An archived patient cannot receive orders: Impilo would refuse "use this patient".
    archived = ", archived" if p.archived else ""
    line = f"In Impilo: {match.who()}{facts}{archived} (same {match.how()})."
    # Their address in Impilo is where the order ships if this patient is used: a typed one
    # that differs is shown beside it (a patient who moved), never dropped unseen.
    change = correction_for(match.patient_id, "", contact, typed) if contact else None
    if change is not None:
        line += "\n" + "\n".join(difference_lines(change))
        line += (
            "\nUsing this patient ships to Impilo's address. To correct it first: Back to"
            " drafts, then submit the order again (the form offers the correction)."
        )
    return line


def ask_about_match(
    parent: QWidget,
    entry: OutboxEntry,
    *,
    use_patient: Callable[[int], None],
    create_anyway: Callable[[], None],
    back_to_drafts: Callable[[], None],
    contacts: dict[int, PatientContact] | None = None,
) -> QMessageBox:
    """Open the question (window-modal, `open()`); each answer calls its callback.
    `contacts`: the address and phone Impilo holds for each matched patient id, as far as
    known (compared with the typed ones)."""
    matches = entry.patient_matches
    new_patient = entry.draft.new_patient or NewPatient()
    box = QMessageBox(parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setObjectName("patientMatchQuestion")
    title = "Same patient?" if matches else "Create this patient?"
    box.setAccessibleName(title)
    box.setWindowTitle(title)
    box.setIcon(QMessageBox.Icon.Question)
    # Plain text: names and emails are shown as typed, never read as markup.
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(entry.last_error or "Impilo may already have this patient.")
    known = contacts or {}
    lines = [
        _new_patient_line(new_patient),
        *(_match_line(m, new_patient, known.get(m.patient_id)) for m in matches),
    ]
    box.setInformativeText("\n\n".join(lines))

    answers: dict[QAbstractButton, Callable[[], None]] = {}
    for match in matches:
        # One match: Alt+U. Several: no shared mnemonic. A "&" in a name is shown as typed.
        use = "&Use" if len(matches) == 1 else "Use"
        name = match.patient.display_name.replace("&", "&&")
        text = f"{use} {name} (#{match.patient_id})"
        button = box.addButton(text, QMessageBox.ButtonRole.AcceptRole)
        button.setObjectName(f"usePatient{match.patient_id}")
        answers[button] = lambda pid=match.patient_id: use_patient(pid)  # type: ignore[misc]
    create = box.addButton("&Create a new patient", QMessageBox.ButtonRole.ActionRole)
    create.setObjectName("createNewPatient")
    answers[create] = create_anyway
    if not can_create_anyway(matches):
        create.setEnabled(False)
        create.setToolTip("Impilo keeps one patient per external ID and per email")
    drafts = box.addButton("Back to &drafts", QMessageBox.ButtonRole.ResetRole)
    drafts.setObjectName("backToDrafts")
    answers[drafts] = back_to_drafts
    box.addButton(QMessageBox.StandardButton.Cancel)
    # Enter keeps it waiting: each answer changes the order, so it is chosen on purpose.
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)

    def decided(button: QAbstractButton) -> None:
        answer = answers.get(button)
        if answer is not None:
            answer()

    box.buttonClicked.connect(decided)
    box.open()
    return box


class MatchAnswers:
    """Carries out an answer on the bridge (one store transaction), then sends what it
    released at once."""

    def __init__(self, services: AppServices, on_error: Callable[[BaseException], None]) -> None:
        self._services = services
        self._on_error = on_error

    def ask(
        self,
        parent: QWidget,
        entry: OutboxEntry,
        *,
        use_patient: Callable[[int], None],
        create_anyway: Callable[[], None],
        back_to_drafts: Callable[[], None],
    ) -> None:
        """Read the matched patients' addresses from Impilo (on the bridge; the cache has no
        street), then ask. Without an answer in `CONTACT_WAIT` the question is asked without
        them."""
        client = self._services.client
        ids = [m.patient_id for m in entry.patient_matches]

        async def read() -> dict[int, PatientContact]:
            found: dict[int, PatientContact] = {}
            try:
                async with asyncio.timeout(CONTACT_WAIT):
                    for patient_id in ids:
                        found[patient_id] = contact_from_patient(
                            await client().get_patient(patient_id)
                        )
            except (ImpiloError, TimeoutError) as exc:
                log.info(
                    "Matched patients' addresses not read: %s", str(exc) or "no answer in time"
                )
            return found

        def open_question(contacts: object) -> None:
            ask_about_match(
                parent,
                entry,
                use_patient=use_patient,
                create_anyway=create_anyway,
                back_to_drafts=back_to_drafts,
                contacts=contacts if isinstance(contacts, dict) else None,
            )

        self._services.bridge.submit(read(), on_result=open_question, on_error=open_question)

    def use_patient(self, entry_id: int, patient_id: int) -> None:
        store = self._services.store
        self._release(lambda: store.use_matched_patient(entry_id, patient_id))

    def create_anyway(self, entry_id: int) -> None:
        store = self._services.store
        self._release(lambda: store.create_new_patient_anyway(entry_id))

    def _release(self, change: Callable[[], OutboxEntry]) -> None:
        outbox = self._services.outbox

        def released(_entry: OutboxEntry) -> None:
            outbox.changed()
            outbox.drain(due_only=False)

        self._services.bridge.call(change, on_result=released, on_error=self._on_error)

"""New patients' orders held because Impilo already has a patient like the new one, and the
coordinator's answers: use that patient, or create a new one anyway (back to drafts is
`return_to_drafts`). Each is one transaction (see sync/patient_check.py for the check)."""

from __future__ import annotations

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib API, encrypting: see cipher.py

from impilo_desktop.domain.patient_match import PatientMatch, can_create_anyway, matches_json
from impilo_desktop.store.drafts import draft_json
from impilo_desktop.store.entries import EntryState, OutboxEntry
from impilo_desktop.store.errors import EntryStateError
from impilo_desktop.store.outbox import OUTBOX, OutboxMixin

PATIENT_MATCH = "patient_match"


class PatientMatchMixin(OutboxMixin):
    """Holding a new patient's order for a match, and releasing it as the coordinator says."""

    def hold_for_patient_match(
        self, entry_id: int, matches: list[PatientMatch], reason: str
    ) -> OutboxEntry:
        """Impilo already has a patient like the entry's new patient (`matches`; none when
        Impilo refused to be asked): the entry waits for the coordinator, nothing is sent.
        For the sender (hold the sender lock)."""
        return self._mark_held(
            OUTBOX,
            entry_id,
            reason,
            held_for=PATIENT_MATCH,
            patient_matches=matches_json(matches),
        )

    def use_matched_patient(self, entry_id: int, patient_id: int) -> OutboxEntry:
        """The coordinator chose the patient Impilo has (one of the entry's matches): the
        order is now for that patient, under the same client reference, and goes back to the
        sender (to be looked up first if it was ever attempted). The patient typed is kept
        with the draft, set aside (`OrderDraft.set_aside_patient`): taken back to drafts, the
        order still has what was typed."""

        def use(conn: sqlite3.Connection) -> OutboxEntry:
            entry = _held_for_match(conn, entry_id)
            match = next((m for m in entry.patient_matches if m.patient_id == patient_id), None)
            if match is None:
                raise EntryStateError(
                    f"Patient #{patient_id} is not one of the patients found for entry #{entry_id}."
                )
            draft = entry.draft
            typed = draft.new_patient
            draft.set_patient(match.patient)
            draft.set_aside_patient = typed
            self._set(
                OUTBOX,
                conn,
                entry_id,
                body=draft_json(draft),
                **_released(entry),
            )
            self._record(
                OUTBOX, conn, entry_id, "released", f"for patient #{patient_id}, who matched"
            )
            return OUTBOX.fetch(conn, entry_id)

        return self._db.write(use)

    def create_new_patient_anyway(self, entry_id: int) -> OutboxEntry:
        """The coordinator says the new patient is someone else: the entry goes back to the
        sender and Impilo is not asked about this patient again. Refused for a match by
        external ID or email, which Impilo keeps unique (`can_create_anyway`)."""

        def create(conn: sqlite3.Connection) -> OutboxEntry:
            entry = _held_for_match(conn, entry_id)
            if not can_create_anyway(entry.patient_matches):
                raise EntryStateError(
                    f"Entry #{entry_id}: Impilo already has a patient with this external ID"
                    " or email, and keeps one patient per external ID and per email. Use that"
                    " patient, or open the order to correct the external ID or email."
                )
            self._set(OUTBOX, conn, entry_id, new_patient_confirmed=1, **_released(entry))
            self._record(
                OUTBOX, conn, entry_id, "released", "as a new patient, confirmed by the user"
            )
            return OUTBOX.fetch(conn, entry_id)

        return self._db.write(create)


def _held_for_match(conn: sqlite3.Connection, entry_id: int) -> OutboxEntry:
    entry = OUTBOX.fetch(conn, entry_id)
    if entry.state != EntryState.HELD or entry.held_for != PATIENT_MATCH:
        raise EntryStateError(
            f"Entry #{entry_id} is not held for a matching patient (it is {entry.state.value})."
        )
    return entry


def _released(entry: OutboxEntry) -> dict[str, object]:
    # An entry ever attempted is looked up by its reference before anything else is sent.
    state = EntryState.IN_DOUBT if entry.attempts else EntryState.QUEUED
    return {
        "state": state,
        "held_for": None,
        "patient_matches": None,
        "next_attempt_at": None,
        "last_error": None,
    }

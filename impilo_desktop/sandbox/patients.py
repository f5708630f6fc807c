"""The patients a sandbox knows: the seed's, plus the patients created with orders and the
seeded patients changed by `PUT`/`PATCH /patient/{id}`.

The seed is shared read-only between servers, so what changed lives here, as an overlay of
whole records that wins over the seed's record of the same id. Lookups by external identifier
and email see the overlay first: a seeded patient whose identifier was changed is no longer
found by the old one. Not locked itself: `SandboxState` holds its lock around every use.

Every `PUT`/`PATCH` is counted per patient, as one that changed something or one that changed
nothing (`GET /_sandbox/patients/{id}/changes`), so a test can prove a correction was applied
exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from impilo_desktop.sandbox.seed import JsonDict, PatientRecord, SeedData


@dataclass
class ChangeCount:
    """How many `PUT`/`PATCH` requests for one patient changed something, and how many
    changed nothing (the same values sent again)."""

    changed: int = 0
    unchanged: int = 0


class Patients:
    """The seed's patients with the changes since (see module doc)."""

    def __init__(self, seed: SeedData) -> None:
        self.seed = seed
        self._overlay: dict[int, PatientRecord] = {}
        self._by_identifier: dict[str, int] = {}  # of overlay records only
        self._by_email: dict[str, int] = {}
        self.changes: dict[int, ChangeCount] = {}
        self.next_id = max(seed.patients, default=0) + 1

    # --- reading ----------------------------------------------------------------------------

    def get(self, patient_id: int) -> PatientRecord | None:
        found = self._overlay.get(patient_id)
        return found if found is not None else self.seed.patients.get(patient_id)

    def all(self) -> list[PatientRecord]:
        """Every patient, in id order (the seed's ids come first and ascend)."""
        if not self._overlay:
            return list(self.seed.patients.values())
        overlay = self._overlay
        rows = [overlay.get(p.id, p) for p in self.seed.patients.values()]
        rows.extend(p for pid, p in sorted(overlay.items()) if pid not in self.seed.patients)
        return rows

    def with_identifier(self, identifier: str) -> PatientRecord | None:
        """The patient with this external identifier (exact), or None."""
        return self._find(identifier, self._by_identifier, self.seed.by_external_identifier)

    def with_email(self, email: str) -> PatientRecord | None:
        """The patient with this email (case-insensitive), or None."""
        return self._find(email.strip().lower(), self._by_email, self.seed.by_email)

    def _find(
        self, key: str, overlay_index: Mapping[str, int], seed_index: Mapping[str, int]
    ) -> PatientRecord | None:
        if not key:
            return None
        pid = overlay_index.get(key)
        if pid is not None:
            return self._overlay[pid]
        pid = seed_index.get(key)
        if pid is None or pid in self._overlay:
            return None  # changed since the seed: the overlay's values count
        return self.seed.patients[pid]

    def wire(self, record: PatientRecord) -> JsonDict:
        """The Patient JSON (with address and site)."""
        return self.seed.patient_wire(record)

    def changed_records(self) -> list[PatientRecord]:
        """The overlay: created patients and changed seeded ones (for the state file)."""
        return [self._overlay[pid] for pid in sorted(self._overlay)]

    # --- changing ---------------------------------------------------------------------------

    def create(self, record: PatientRecord) -> None:
        """Keep a patient created with an order (`record.id` is `next_id`)."""
        assert record.id == self.next_id
        self.next_id += 1
        self._put(record)

    def replace(self, record: PatientRecord) -> bool:
        """Keep the new values of an existing patient and count the request; returns whether
        anything changed."""
        before = self.get(record.id)
        changed = before != record
        count = self.changes.setdefault(record.id, ChangeCount())
        if changed:
            count.changed += 1
            self._put(record)
        else:
            count.unchanged += 1
        return changed

    def _put(self, record: PatientRecord) -> None:
        old = self._overlay.get(record.id)
        if old is not None:
            self._by_identifier.pop(old.external_identifier, None)
            if old.email:
                self._by_email.pop(old.email.lower(), None)
        self._overlay[record.id] = record
        if record.external_identifier:
            self._by_identifier[record.external_identifier] = record.id
        if record.email:
            self._by_email[record.email.lower()] = record.id

    def load(
        self, records: Iterable[PatientRecord], next_id: int, changes: Mapping[int, ChangeCount]
    ) -> None:
        """Take over what a state file kept."""
        self.forget()
        for record in records:
            self._put(record)
        self.next_id = max(next_id, self.next_id)
        self.changes = dict(changes)

    def forget(self) -> None:
        """Back to the seed; `next_id` is kept, so an id handed out never names another
        patient."""
        self._overlay.clear()
        self._by_identifier.clear()
        self._by_email.clear()
        self.changes.clear()

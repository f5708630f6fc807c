"""Is the new patient already known? Looked for before a new patient's order is queued.

The same patient ID (MRN), the same email (any case) or the same last name and date of birth,
in the patient cache on this computer; and, when Impilo can be reached, Impilo's own answer
for the MRN (`GET /patient/identifier/{id}`) and the email (`POST /patient/find-by-email`).
Runs on the bridge loop (no Qt here); the order form asks and shows the answer.

Offline only the cache is checked; the sender asks Impilo again before the order's POST
(branch npsend), so the answer says so instead of pretending Impilo was asked.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from impilo_desktop.api.errors import ImpiloError, NotFound, Unreachable
from impilo_desktop.domain.new_patient import NewPatient
from impilo_desktop.domain.patient_change import PatientContact
from impilo_desktop.domain.patient_change_rules import contact_from_patient
from impilo_desktop.store.cache import PatientSearchRow
from impilo_desktop.ui.order_entry.records import PatientRecord

if TYPE_CHECKING:
    from impilo_desktop.api.client import ImpiloClient
    from impilo_desktop.store import Store

log = logging.getLogger(__name__)

SAME_EMAIL = "Same email"
# How long a submit waits for Impilo's answer (a dead network can take a request's whole
# retry budget); past it the order goes on as if offline, and the sender checks again.
IMPILO_WAIT = 8.0
SAME_NAME_AND_BIRTH = "Same last name and date of birth"


MRN_REASON = "Same patient ID (MRN)"


def same_mrn(identifier: str) -> str:
    return f"{MRN_REASON} {identifier.strip()}"


@dataclass
class PatientMatch:
    """A known patient who may be the new one, and every way they matched."""

    record: PatientRecord
    reasons: list[str] = field(default_factory=list)

    def add(self, reason: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)


@dataclass(frozen=True)
class PatientCheck:
    """The answer: the matches (strongest first) and whether Impilo itself was asked."""

    matches: list[PatientMatch]
    asked_impilo: bool
    why_not: str = ""  # when Impilo was not asked: the plain reason
    # The address and phone Impilo holds for the patient "Use this patient" takes (the cache
    # has no street): None when Impilo was not asked or could not say.
    contact: PatientContact | None = None

    @property
    def usable(self) -> PatientRecord | None:
        """The match "Use this patient" takes: the first not archived (an archived patient
        cannot receive orders)."""
        return next((m.record for m in self.matches if not m.record.archived), None)


def _fold(text: str) -> str:
    return text.strip().casefold()


def _row_record(row: PatientSearchRow) -> PatientRecord:
    return PatientRecord(
        id=row.id,
        first_name=row.first_name,
        last_name=row.last_name,
        date_of_birth=row.date_of_birth,
        external_identifier=row.external_identifier,
        email=row.email,
        site_id=row.site_id,
        site_name=row.site_name,
        city=row.city,
        archived=row.archived,
    )


def reasons(record: PatientRecord, patient: NewPatient) -> list[str]:
    """How a known patient matches the new one ([] when not at all)."""
    mrn = _fold(patient.external_identifier)
    email = _fold(patient.email)
    last = _fold(patient.last_name)
    born = patient.date_of_birth.strip()
    found = []
    if mrn and _fold(record.external_identifier) == mrn:
        found.append(same_mrn(patient.external_identifier))
    if email and _fold(record.email) == email:
        found.append(SAME_EMAIL)
    if last and born and _fold(record.last_name) == last and record.date_of_birth == born:
        found.append(SAME_NAME_AND_BIRTH)
    return found


def cached_matches(rows: Iterable[PatientSearchRow], patient: NewPatient) -> list[PatientMatch]:
    """The cached patients who match `patient` in any of the three ways."""
    found = []
    for row in rows:
        record = _row_record(row)
        why = reasons(record, patient)
        if why:
            found.append(PatientMatch(record, why))
    return found


def _strength(match: PatientMatch) -> tuple[int, int, str]:
    # An MRN is the clinic's own key, then email, then name and birth; usable ones first.
    first = match.reasons[0] if match.reasons else ""
    rank = 0 if first.startswith(MRN_REASON) else 1 if first == SAME_EMAIL else 2
    return (int(match.record.archived), rank, match.record.display_name)


def merge(matches: Iterable[PatientMatch]) -> list[PatientMatch]:
    """One match per patient (their reasons joined, in the order MRN, email, name), strongest
    first."""
    order = {SAME_EMAIL: 1, SAME_NAME_AND_BIRTH: 2}
    by_id: dict[int, PatientMatch] = {}
    for match in matches:
        known = by_id.setdefault(match.record.id, PatientMatch(match.record))
        if not match.record.from_server:
            known.record = known.record if known.record.from_server else match.record
        else:
            known.record = match.record  # Impilo's copy is the newer one
        for reason in match.reasons:
            known.add(reason)
    for match in by_id.values():
        match.reasons.sort(key=lambda r: order.get(r, 0))
    return sorted(by_id.values(), key=_strength)


async def check_new_patient(
    client: ImpiloClient, store: Store, patient: NewPatient, *, ask_impilo: bool = True
) -> PatientCheck:
    """Look for `patient` in the cache, then on Impilo, unless the app already knows Impilo
    cannot be reached (`ask_impilo` False) or it does not answer within `IMPILO_WAIT`."""
    # Row by row as SQLite reads them: 100,000 cached patients are never all held at once.
    matches = await asyncio.to_thread(
        store.read_patient_rows, lambda rows: cached_matches(rows, patient)
    )
    if not (patient.external_identifier.strip() or patient.email.strip()):
        return PatientCheck(merge(matches), asked_impilo=True)  # nothing Impilo could say
    if not ask_impilo:
        return PatientCheck(merge(matches), asked_impilo=False, why_not="offline")
    try:
        async with asyncio.timeout(IMPILO_WAIT):
            matches += await _ask_impilo(client, patient)
            found = PatientCheck(merge(matches), asked_impilo=True)
            return replace(found, contact=await _contact(client, found.usable))
    except TimeoutError:
        return PatientCheck(merge(matches), asked_impilo=False, why_not="no answer in time")
    except Unreachable as exc:
        return PatientCheck(merge(matches), asked_impilo=False, why_not=exc.message)
    except ImpiloError as exc:
        log.warning("Could not look for the new patient on Impilo: %s", exc)
        return PatientCheck(merge(matches), asked_impilo=False, why_not=exc.message)


async def _contact(client: ImpiloClient, record: PatientRecord | None) -> PatientContact | None:
    """Impilo's address and phone for `record`, to compare with the typed ones; None when it
    cannot be read (the question is still asked, without the comparison)."""
    if record is None:
        return None
    try:
        return contact_from_patient(await client.get_patient(record.id))
    except ImpiloError as exc:
        log.info("Could not read the matching patient's address: %s", exc.detail or exc)
        return None


async def _ask_impilo(client: ImpiloClient, patient: NewPatient) -> list[PatientMatch]:
    found: list[PatientMatch] = []
    mrn = patient.external_identifier.strip()
    if mrn:
        try:
            by_mrn = await client.get_patient_by_external_identifier(mrn)
        except NotFound:
            pass
        else:
            if by_mrn.id:
                record = PatientRecord.from_patient(by_mrn, from_server=True)
                found.append(PatientMatch(record, [same_mrn(mrn), *reasons(record, patient)]))
    email = patient.email.strip()
    if email:
        by_email = await client.find_patient_by_email(email)
        if by_email is not None and by_email.id:
            record = PatientRecord.from_patient(by_email, from_server=True)
            found.append(PatientMatch(record, [SAME_EMAIL, *reasons(record, patient)]))
    return found

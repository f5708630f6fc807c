"""The patients and sites a spreadsheet names: from the store, then from Impilo.

The rows' patient ids, MRNs and site ids are looked up in the store in batches (never the
whole cache: `store/recipient_lookup.py`). A patient the cache does not know may have been
enrolled since the last refresh, so Impilo is asked (`GET /patient/{id}`, `GET
/patient/identifier/{mrn}`, a few at a time) before the row calls them unknown; what Impilo
finds is added to the patient cache. When Impilo cannot be asked, the rows say so instead of
"no such patient" (`ImpiloAsk.problem`, the preview's `server_problem`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Final

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import (
    AuthenticationError,
    ImpiloError,
    NotFound,
    RateLimited,
    ServerError,
    Unreachable,
)
from impilo_desktop.api.models import Patient
from impilo_desktop.domain.order_sheet.lookups import CachedRecipients
from impilo_desktop.domain.order_sheet.matching import whole_number
from impilo_desktop.domain.order_sheet.sheet import SheetRow
from impilo_desktop.store import ReferenceKind, Store

log = logging.getLogger(__name__)

ASK_AT_ONCE: Final = 6
"""Patients asked of Impilo at the same time: enough to ask 100 in a few seconds, few enough
not to crowd out the sender's requests on one connection pool (or look like a flood)."""

NOT_ASKED = "not on this computer's list; Impilo could not be asked"
LARGEST_ID: Final = 2**63 - 1

STOPS_ASKING: Final = (Unreachable, ServerError, AuthenticationError, RateLimited)
"""Failures to reach Impilo at all (no connection, a timeout, 5xx after the retries, the key
refused, "not now"): nothing more is asked. A 404 means "no such patient"; any other answer
about one patient is a problem on its rows only."""

AskProgress = Callable[[int, int], None]
"""`progress(done, total)`: patients asked of Impilo so far."""


@dataclass
class ImpiloAsk:
    """Asking Impilo during one preview: the client (None: this computer only) and, once a
    request failed, why. After the first failure nothing more is asked: a preview offline
    must not wait out every request's retries. Only a failure to reach Impilo counts
    (`STOPS_ASKING`); an answer about one patient does not."""

    client: ImpiloClient | None
    problem: str | None = None

    @property
    def can_ask(self) -> bool:
        return self.client is not None and self.problem is None

    def failed(self, error: ImpiloError, what: str) -> None:
        # The error's type and status only: its detail may name the patient (an MRN's path).
        log.warning(
            "Import preview: asking Impilo for %s failed (%s, status %s); asking no more",
            what,
            type(error).__name__,
            error.status,
        )
        if self.problem is None:
            self.problem = error.message


@dataclass
class FileRecipients(CachedRecipients):
    """The recipients one file names (a `RecipientLookup`): the cached lookups by id, MRN and
    site (`CachedRecipients`) over only what the file names, and for the patients nobody
    found whether Impilo was asked."""

    # (column, value) of patients Impilo said it does not have / could not be asked about.
    not_on_impilo: set[tuple[str, str]] = field(default_factory=set)
    not_asked: set[tuple[str, str]] = field(default_factory=set)
    # (column, value) of patients Impilo refused to answer about, with its reason.
    not_answered: dict[tuple[str, str], str] = field(default_factory=dict)

    def unknown(self, column: str, value: str) -> str | None:
        key = (column, value.strip())
        by = "the external id" if column == "patient_external_id" else "the id"
        if key in self.not_asked:
            return f"Patient with {by} {value.strip()}: {NOT_ASKED}"
        if key in self.not_answered:
            reason = self.not_answered[key].rstrip(".")
            return (
                f"Impilo could not say whether it has a patient with {by} {value.strip()}"
                f" ({reason}); check it"
            )
        if key in self.not_on_impilo:
            return f"Impilo has no patient with {by} {value.strip()}; check it"
        return None


@dataclass(frozen=True)
class NamedRecipients:
    """What the rows' recipient cells name."""

    patient_ids: set[int]
    external_ids: set[str]
    site_ids: set[int]

    @classmethod
    def of(cls, rows: Iterable[SheetRow]) -> NamedRecipients:
        named = cls(set(), set(), set())
        for row in rows:
            patient_id = whole_number(row.get("patient_id"))
            if patient_id is not None and patient_id > 0:
                named.patient_ids.add(patient_id)
            site_id = whole_number(row.get("site_id"))
            if site_id is not None and site_id > 0:
                named.site_ids.add(site_id)
            mrn = row.get("patient_external_id").strip()
            if mrn:
                named.external_ids.add(mrn)
        return named


async def file_recipients(
    store: Store,
    rows: Iterable[SheetRow],
    ask: ImpiloAsk,
    progress: AskProgress | None = None,
) -> FileRecipients:
    """The recipients the rows name, from the store and, for patients it does not have,
    from Impilo (added to the cache)."""
    named = NamedRecipients.of(rows)
    # An id past SQLite's integer cannot be in the cache (and would not bind): only Impilo is
    # asked about it, whose answer goes on its row.
    storable = {i for i in named.patient_ids if i <= LARGEST_ID}
    found = FileRecipients(
        patients=store.cached_patients_with_ids(storable),
        by_external_id=store.cached_patients_with_external_ids(named.external_ids),
        sites=store.cached_sites_with_ids({i for i in named.site_ids if i <= LARGEST_ID}),
    )
    missing_ids = sorted(named.patient_ids - found.patients.keys())
    missing_mrns = sorted(named.external_ids - found.by_external_id.keys())
    total = len(missing_ids) + len(missing_mrns)
    if not total:
        return found
    asked = _Asking(ask, found, total, progress)
    jobs = [asked.by_id(i) for i in missing_ids] + [asked.by_mrn(m) for m in missing_mrns]
    await asyncio.gather(*jobs)
    if asked.answers:
        store.store_reference_page(ReferenceKind.PATIENT, asked.answers)
    return found


@dataclass
class _Asking:
    ask: ImpiloAsk
    found: FileRecipients
    total: int
    progress: AskProgress | None
    done: int = 0
    answers: list[Patient] = field(default_factory=list)
    gate: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(ASK_AT_ONCE))

    async def by_id(self, patient_id: int) -> None:
        async def get(client: ImpiloClient) -> Patient:
            return await client.get_patient(patient_id)

        patient = await self._ask(("patient_id", str(patient_id)), get, "a patient by id")
        if patient is not None and patient.id == patient_id:
            self.found.patients[patient_id] = patient
            self.answers.append(patient)
        elif patient is not None:  # an answer about somebody else is no answer
            self.found.not_on_impilo.add(("patient_id", str(patient_id)))

    async def by_mrn(self, mrn: str) -> None:
        async def get(client: ImpiloClient) -> Patient:
            return await client.get_patient_by_external_identifier(mrn)

        patient = await self._ask(("patient_external_id", mrn), get, "a patient by MRN")
        same = patient is not None and (patient.external_identifier or "").strip() == mrn
        if patient is not None and same and patient.id is not None:
            self.found.by_external_id[mrn] = [patient]
            self.found.patients.setdefault(patient.id, patient)
            self.answers.append(patient)
        elif patient is not None:
            self.found.not_on_impilo.add(("patient_external_id", mrn))

    async def _ask(
        self,
        key: tuple[str, str],
        get: Callable[[ImpiloClient], Awaitable[Patient]],
        what: str,
    ) -> Patient | None:
        async with self.gate:
            client = self.ask.client
            try:
                if client is None or not self.ask.can_ask:
                    self.found.not_asked.add(key)
                    return None
                try:
                    return await get(client)
                except NotFound:
                    self.found.not_on_impilo.add(key)
                except STOPS_ASKING as error:
                    self.ask.failed(error, what)
                    self.found.not_asked.add(key)
                except ImpiloError as error:
                    # Impilo answered, about this patient only (a 400 on one odd id): a
                    # problem on the rows naming them; the other patients are still asked.
                    log.warning(
                        "Import preview: Impilo refused a question about %s (%s, status %s)",
                        what,
                        type(error).__name__,
                        error.status,
                    )
                    self.found.not_answered[key] = error.message
                return None
            finally:
                self.done += 1
                if self.progress is not None:
                    self.progress(self.done, self.total)

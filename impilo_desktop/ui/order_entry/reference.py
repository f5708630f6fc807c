"""What the order form needs from the reference cache and from Impilo, without Qt: loading
the cached patients, sites, items and kits into picker records (run off the UI thread), the
server lookups behind "not in the local list", and catalog answers for validation."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from impilo_desktop.api.errors import NotFound
from impilo_desktop.api.models import Patient
from impilo_desktop.memory import return_freed_memory
from impilo_desktop.store import ReferenceKind, Store
from impilo_desktop.ui.order_entry.patient_table import PatientTable
from impilo_desktop.ui.order_entry.picker_model import PreparedRecords
from impilo_desktop.ui.order_entry.records import ItemRecord, KitRecord, PatientRecord, SiteRecord
from impilo_desktop.ui.order_entry.search_index import parse_typed_date

if TYPE_CHECKING:
    from impilo_desktop.api.client import ImpiloClient

REMOTE_PAGE_SIZE = 25


@dataclass
class ReferenceData:
    """Picker-ready reference data (patients already sorted and indexed)."""

    patients: PreparedRecords[PatientRecord]
    sites: list[SiteRecord] = field(default_factory=list)
    items: list[ItemRecord] = field(default_factory=list)
    kits: list[KitRecord] = field(default_factory=list)  # archived included (for contents)


def load_patients(store: Store) -> PreparedRecords[PatientRecord]:
    """The cached patients for the patient picker: a compact `PatientTable` read row by row
    in display order, and its search index (docs/performance.md "Memory")."""
    table, index = store.read_patient_rows(PatientTable.from_rows)
    return PreparedRecords(table, index)


def load_reference(store: Store) -> ReferenceData:
    """Read the cache and build the pickers' records and index. Blocking (up to a few
    seconds for 100,000 patients): call it from a worker thread."""
    data = ReferenceData(
        patients=load_patients(store),
        sites=[SiteRecord.from_site(s) for s in store.cached_sites() if s.id],
        items=[ItemRecord.from_item(i) for i in store.cached_items() if i.id],
        kits=[KitRecord.from_kit(k) for k in store.cached_kits(include_archived=True) if k.id],
    )
    # SQLite's sorter and the rows read on the way are freed by now; this thread's page
    # cache, full of patient pages, is not needed until the next load (memory.py).
    store.shrink_memory()
    return_freed_memory("loading the pickers")
    return data


async def lookup_patients(client: ImpiloClient, query: str) -> list[Patient]:
    """Ask Impilo for patients matching `query`, the way a coordinator means it: digits may be
    an Impilo id or an external identifier, an address with @ an email, words a name (a
    typed date of birth narrows by birth date). Missing matches are simply absent."""
    text = query.strip()
    found: dict[int, Patient] = {}

    def keep(patient: Patient | None) -> None:
        if patient is not None and patient.id:
            found.setdefault(patient.id, patient)

    c = client
    if text.isdigit():
        with contextlib.suppress(NotFound):
            keep(await c.get_patient(int(text)))
    if " " not in text and "@" not in text:
        with contextlib.suppress(NotFound):
            keep(await c.get_patient_by_external_identifier(text))
    if "@" in text:
        keep(await c.find_patient_by_email(text))
    birth = parse_typed_date(text)
    if birth is not None:
        page = await c.list_patients(
            size=REMOTE_PAGE_SIZE, date_of_birth_min=birth, date_of_birth_max=birth
        )
        for patient in page.content:
            keep(patient)
    elif any(ch.isalpha() for ch in text) and "@" not in text:
        page = await c.list_patients(name=text, size=REMOTE_PAGE_SIZE)
        for patient in page.content:
            keep(patient)
        surname, others = _surname_and_others(text)
        if not page.content and others:
            # How Impilo reads two names in `name` is not published; "Doe, Jane" (the way the
            # app shows patients) and "Jane Doe" are also asked by the surname alone, then
            # narrowed here by the other names' beginnings.
            page = await c.list_patients(name=surname, size=REMOTE_PAGE_SIZE)
            for patient in page.content:
                if _names_begin_with(patient, others):
                    keep(patient)
    return list(found.values())


def _surname_and_others(text: str) -> tuple[str, list[str]]:
    """("Doe", ["Jane"]) for "Doe, Jane" and for "Jane Doe"; (text, []) for one name."""
    if "," in text:
        last, _, rest = text.partition(",")
        return last.strip(), rest.split()
    words = text.split()
    return (words[-1], words[:-1]) if len(words) > 1 else (text, [])


def _names_begin_with(patient: Patient, words: list[str]) -> bool:
    names = [(patient.first_name or "").casefold(), (patient.last_name or "").casefold()]
    return all(any(n.startswith(w.casefold()) for n in names) for w in words)


def remember_patients(store: Store, patients: list[Patient]) -> None:
    """Put patients found on the server into the cache, so the next search finds them."""
    if patients:
        store.store_reference_page(ReferenceKind.PATIENT, patients)

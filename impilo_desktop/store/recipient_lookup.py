"""The cached patients and sites a spreadsheet names, looked up by id and by MRN in batches.

An order spreadsheet names a few hundred recipients out of a cache of up to 100,000
patients: reading them all (`cached_patients`) took a second by itself, so the import asks
for exactly the ids and external identifiers (MRNs) its rows hold, a few hundred at a time,
through the primary key and the MRN index of schema v10. An MRN matches trimmed and exactly
(Impilo keeps it as given), as `domain/order_sheet/lookups.py` matches it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from typing import Final, TypeVar

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib API, encrypting: see cipher.py

from impilo_desktop.api.models import ApiModel, Patient, Site
from impilo_desktop.store.base import StoreBase

M = TypeVar("M", bound=ApiModel)
T = TypeVar("T")

LOOKUP_BATCH: Final = 500
"""Values per `IN (…)`: well under SQLite's limit of host parameters (32,766, and 999 on
old builds), and a batch each is still a handful of queries for a 1,000-row file."""

# The expression of the MRN index (schema.py V10): a query must use it as written there.
MRN_EXPRESSION: Final = "trim(json_extract(body, '$.externalIdentifier'))"


def batches(values: Collection[T], size: int = LOOKUP_BATCH) -> Iterator[list[T]]:
    """`values` in lists of at most `size`, in a stable order."""
    ordered = list(dict.fromkeys(values))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


class RecipientLookupMixin(StoreBase):
    """Cached patients by ids and by MRNs, cached sites by ids: only those asked for."""

    def cached_patients_with_ids(self, ids: Collection[int]) -> dict[int, Patient]:
        """The cached patients among `ids`, by id (ids not cached are left out)."""
        found: dict[int, Patient] = {}
        for batch in batches(ids):
            sql = (
                "SELECT body FROM reference_cache WHERE kind = 'patient'"
                f" AND id IN ({_marks(batch)})"
            )
            for patient in self._models(Patient, sql, batch):
                if patient.id is not None:
                    found[patient.id] = patient
        return found

    def cached_patients_with_external_ids(
        self, external_ids: Collection[str]
    ) -> dict[str, list[Patient]]:
        """The cached patients whose external identifier (MRN) is one of `external_ids`
        (trimmed, exact), by MRN; several patients may share one. MRNs not cached are left
        out."""
        wanted = {value.strip() for value in external_ids if value.strip()}
        found: dict[str, list[Patient]] = {}
        for batch in batches(sorted(wanted)):
            sql = (
                "SELECT body FROM reference_cache WHERE kind = 'patient'"
                f" AND {MRN_EXPRESSION} IN ({_marks(batch)})"
            )
            for patient in self._models(Patient, sql, batch):
                mrn = (patient.external_identifier or "").strip()
                if patient.id is not None and mrn in wanted:
                    found.setdefault(mrn, []).append(patient)
        # By id, as a list sorted in SQL would be: "ORDER BY id" made SQLite walk the
        # primary key instead of the MRN index (a hundred times slower on 100,000 patients).
        for same in found.values():
            same.sort(key=lambda patient: patient.id or 0)
        return found

    def cached_sites_with_ids(self, ids: Collection[int]) -> dict[int, Site]:
        """The cached sites among `ids`, by id."""
        found: dict[int, Site] = {}
        for batch in batches(ids):
            sql = (
                f"SELECT body FROM reference_cache WHERE kind = 'site' AND id IN ({_marks(batch)})"
            )
            for site in self._models(Site, sql, batch):
                if site.id is not None:
                    found[site.id] = site
        return found

    def _models(self, model: type[M], sql: str, params: Sequence[object]) -> list[M]:
        def query(conn: sqlite3.Connection) -> list[str]:
            return [str(row[0]) for row in conn.execute(sql, tuple(params)).fetchall()]

        return [model.model_validate(json.loads(body)) for body in self._db.read(query)]


def _marks(batch: Sequence[object]) -> str:
    return ", ".join("?" * len(batch))

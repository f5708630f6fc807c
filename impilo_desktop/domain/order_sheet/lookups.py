"""What the order spreadsheet is matched against: the catalog and the patients and sites this
computer has cached. Built once per import from the cache's lists, so matching 1,000 rows is
dictionary look-ups, not searches.

An id, SKU or name that is not here is reported on its row (the coordinator refreshes the lists
or corrects the cell): the preview shows what each row matched, so it must have matched
something. SKUs and kit names match as the order form's picker does: ignoring case (and, for a
kit name, extra spaces). An MRN matches exactly, trimmed: Impilo keeps it as given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from impilo_desktop.api.models import Item, Kit, Patient, Site
from impilo_desktop.domain.catalog import CatalogSnapshot
from impilo_desktop.domain.draft import PatientChoice, SiteChoice


def _name_key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass
class SheetCatalog:
    """Items by id and by SKU, kits by id and by name; `snapshot` answers validation."""

    items: dict[int, Item] = field(default_factory=dict)
    kits: dict[int, Kit] = field(default_factory=dict)
    by_sku: dict[str, list[Item]] = field(default_factory=dict)
    by_kit_name: dict[str, list[Kit]] = field(default_factory=dict)
    snapshot: CatalogSnapshot = field(default_factory=CatalogSnapshot)

    @classmethod
    def of(cls, items: Iterable[Item], kits: Iterable[Kit]) -> SheetCatalog:
        """The catalog of the cached items and kits (`Store.cached_items`, `cached_kits`)."""
        items = [item for item in items if item.id is not None]
        kits = [kit for kit in kits if kit.id is not None]
        catalog = cls(snapshot=CatalogSnapshot(items, kits))
        for item in items:
            assert item.id is not None
            catalog.items[item.id] = item
            if item.sku and item.sku.strip():
                catalog.by_sku.setdefault(item.sku.strip().casefold(), []).append(item)
        for kit in kits:
            assert kit.id is not None
            catalog.kits[kit.id] = kit
            if kit.name and kit.name.strip():
                catalog.by_kit_name.setdefault(_name_key(kit.name), []).append(kit)
        return catalog

    def items_with_sku(self, sku: str) -> list[Item]:
        """The items with this SKU; an orderable one first when some are not."""
        found = self.by_sku.get(sku.strip().casefold(), [])
        return sorted(found, key=lambda item: item.orderable is False)

    def kits_named(self, name: str) -> list[Kit]:
        """The kits with this name; archived kits only when no other has it (validation then
        says it is archived)."""
        found = self.by_kit_name.get(_name_key(name), [])
        current = [kit for kit in found if kit.archived is not True]
        return current or found


@dataclass
class CachedRecipients:
    """Patients by id and by external id (MRN), sites by id. A patient becomes the draft's
    snapshot only when a row names it: 100,000 cached patients are indexed in a blink, and
    converted all at once they took a second."""

    patients: dict[int, Patient] = field(default_factory=dict)
    by_external_id: dict[str, list[Patient]] = field(default_factory=dict)
    sites: dict[int, Site] = field(default_factory=dict)

    @classmethod
    def of(cls, patients: Iterable[Patient], sites: Iterable[Site]) -> CachedRecipients:
        """From the cache's lists (`Store.cached_patients`, `cached_sites`)."""
        recipients = cls()
        for patient in patients:
            if patient.id is None:
                continue
            recipients.patients[patient.id] = patient
            mrn = (patient.external_identifier or "").strip()
            if mrn:
                recipients.by_external_id.setdefault(mrn, []).append(patient)
        recipients.sites = {site.id: site for site in sites if site.id is not None}
        return recipients

    def patient(self, patient_id: int) -> PatientChoice | None:
        patient = self.patients.get(patient_id)
        return PatientChoice.from_patient(patient) if patient is not None else None

    def patients_with_external_id(self, external_id: str) -> list[PatientChoice]:
        found = self.by_external_id.get(external_id.strip(), [])
        return [PatientChoice.from_patient(patient) for patient in found]

    def site(self, site_id: int) -> SiteChoice | None:
        site = self.sites.get(site_id)
        return SiteChoice.from_site(site) if site is not None else None

    def unknown(self, column: str, value: str) -> str | None:
        """Only this computer's lists were looked at: the plain message says so."""
        return None

"""Light, immutable rows for the pickers: one per cached patient, site, catalog item or kit.

The pickers hold up to 100,000 of these, so they are slotted dataclasses with the display
strings already worked out, plus the lowercase search key each one contributes to the
`SearchIndex`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from impilo_desktop.api.models import Item, ItemDetailed, Kit, Patient, Site
from impilo_desktop.ui.order_entry.search_index import date_key_forms

if TYPE_CHECKING:
    from impilo_desktop.store import PatientSearchRow


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """A patient as the picker shows it: enough to tell two people of the same name apart."""

    id: int
    first_name: str
    last_name: str
    date_of_birth: str  # ISO yyyy-mm-dd, or "" when unknown
    external_identifier: str
    email: str
    site_id: int | None
    site_name: str
    city: str
    from_server: bool = False  # found by asking Impilo, not in the local cache
    archived: bool = False  # listed (so nobody wonders where they went) but not choosable

    @classmethod
    def from_patient(cls, patient: Patient, *, from_server: bool = False) -> PatientRecord:
        site = patient.site
        address = patient.address
        return cls(
            id=patient.id or 0,
            first_name=patient.first_name or "",
            last_name=patient.last_name or "",
            date_of_birth=(patient.date_of_birth or "")[:10],
            external_identifier=patient.external_identifier or "",
            email=patient.email or "",
            site_id=site.id if site else None,
            site_name=(site.name or "") if site else "",
            city=(address.city or "") if address else "",
            from_server=from_server,
            archived=patient.archived is True,
        )

    @property
    def display_name(self) -> str:
        """'Last, First' — the way coordinators scan a list of names."""
        if self.last_name and self.first_name:
            return f"{self.last_name}, {self.first_name}"
        return self.last_name or self.first_name or f"Patient {self.id}"

    def search_key(self) -> str:
        return PatientRecord.key_of(self)

    @staticmethod
    def key_of(patient: PatientRecord | PatientSearchRow) -> str:
        """The search key of a patient, from a record or straight from a cache row."""
        parts = (
            patient.first_name,
            patient.last_name,
            date_key_forms(patient.date_of_birth),
            patient.external_identifier,
            patient.email,
            f"#{patient.id}",
        )
        return " ".join(p for p in parts if p).lower()

    def sort_key(self) -> tuple[str, str, str]:
        # Store.read_patient_rows sorts the cache the same way, in SQLite.
        return (self.last_name.lower(), self.first_name.lower(), self.date_of_birth)


@dataclass(frozen=True, slots=True)
class SiteRecord:
    """A site in the site picker."""

    id: int
    name: str
    city: str
    state: str
    active: bool

    @classmethod
    def from_site(cls, site: Site) -> SiteRecord:
        address = site.address
        return cls(
            id=site.id or 0,
            name=site.name or f"Site {site.id}",
            city=(address.city or "") if address else "",
            state=(address.state or "") if address else "",
            # Missing means active: the API only ever says `false` to switch a site off.
            active=site.active is not False,
        )

    @property
    def display_name(self) -> str:
        return self.name

    def search_key(self) -> str:
        return f"{self.name} {self.city} {self.state} #{self.id}".lower()

    def sort_key(self) -> tuple[str, str, str]:
        return (self.name.lower(), self.city.lower(), "")


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """A catalog item; only orderable ones can be added to an order."""

    id: int
    name: str
    sku: str
    model: str
    manufacturer: str
    orderable: bool | None  # None: the catalog did not say (treated as not orderable)
    is_device: bool = False  # serialised (has a device identifier), from the detailed item

    @classmethod
    def from_item(cls, item: Item) -> ItemRecord:
        return cls(
            id=item.id or 0,
            name=item.name or f"Item {item.id}",
            sku=item.sku or "",
            model=item.model or "",
            manufacturer=(item.manufacturer.name or "") if item.manufacturer else "",
            orderable=item.orderable,
            is_device=isinstance(item, ItemDetailed) and item.is_device,
        )

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def can_order(self) -> bool:
        return self.orderable is True

    @property
    def unavailable_reason(self) -> str:
        """Why the item cannot be added ('' when it can)."""
        if self.orderable is True:
            return ""
        if self.orderable is False:
            return "Not orderable for your organisation (Impilo marks it unavailable)."
        return "Impilo has not confirmed this item is orderable."

    def search_key(self) -> str:
        return f"{self.name} {self.sku} {self.model} {self.manufacturer} #{self.id}".lower()

    def sort_key(self) -> tuple[str, str, str]:
        # Orderable items first, then by name.
        return ("0" if self.can_order else "1", self.name.lower(), self.sku.lower())


@dataclass(frozen=True, slots=True)
class KitContent:
    """One item inside a kit."""

    name: str
    sku: str
    count: int


@dataclass(frozen=True, slots=True)
class KitRecord:
    """A kit that can be ordered as one unit, with what it contains."""

    id: int
    name: str
    archived: bool
    contents: tuple[KitContent, ...]

    @classmethod
    def from_kit(cls, kit: Kit) -> KitRecord:
        contents = tuple(
            KitContent(
                name=(ki.item.name or "") if ki.item else "",
                sku=(ki.item.sku or "") if ki.item else "",
                count=ki.count or 1,
            )
            for ki in kit.kit_items
        )
        return cls(
            id=kit.id or 0,
            name=kit.name or f"Kit {kit.id}",
            archived=kit.archived is True,
            contents=contents,
        )

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def summary(self) -> str:
        """'2 x Scale (SKU-1), 1 x Hub (SKU-2)' — the kit's contents in one line."""
        if not self.contents:
            return "No contents listed"
        return ", ".join(
            f"{c.count} \N{MULTIPLICATION SIGN} {c.name}" + (f" ({c.sku})" if c.sku else "")
            for c in self.contents
        )

    def search_key(self) -> str:
        inner = " ".join(f"{c.name} {c.sku}" for c in self.contents)
        return f"{self.name} #{self.id} {inner}".lower()

    def sort_key(self) -> tuple[str, str, str]:
        return (self.name.lower(), "", "")

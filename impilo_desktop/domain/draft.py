"""The order draft: everything a coordinator has entered for one order, before it is sent.

A draft is saved on every change (store) and travels as JSON, so every field has a default:
a draft saved by an older version of the app still loads, and unknown fields written by a newer
version are ignored. The draft holds *display snapshots* of the chosen patient, site, items and
kits (names, SKUs) so that it can be shown offline; only the ids are ever sent to Impilo.

Recipient rule (decided here, relied on by the UI): a draft has one recipient kind, patient or
site. `set_patient` makes the draft a patient order and drops any chosen site; `set_site` does
the opposite. `set_recipient_kind` drops the other kind's choice only when the kind actually
changes. So a draft never carries a hidden second recipient that could be shown or sent by
mistake. Older or imported drafts may still hold both; only the one matching `recipient_kind`
counts (see `OrderDraft.recipient`).

A patient order's patient is either one chosen from Impilo (`patient`, with an id) or one typed
in the form (`new_patient`, created with the order). At most one of them is set: `set_patient`
drops a typed new patient and `set_new_patient` drops a chosen one (and any site).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from impilo_desktop.api.models import Patient, ShippingOption, Site
from impilo_desktop.domain.new_patient import NewPatient

RecipientKind = Literal["patient", "site"]

# A shipping option from a draft: a known option, or (from an old/foreign file) any string,
# which validation then reports instead of failing to load the draft.
DraftShippingOption = Annotated[ShippingOption | str | None, Field(union_mode="left_to_right")]


def _now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return str(uuid.uuid4())


def _label(name: str, kind: str, ident: int | None, *, unknown: str = "") -> str:
    """`name` when there is one, else "Item #7" (`kind` and the id), else `unknown`
    ("Unknown item" unless given)."""
    if name.strip():
        return name.strip()
    if ident is not None:
        return f"{kind} #{ident}"
    return unknown or f"Unknown {kind.lower()}"


class DraftModel(BaseModel):
    """Base for draft parts: lenient on load (unknown fields ignored), checked on assignment."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)


class PatientChoice(DraftModel):
    """The chosen patient, as shown in the form (a snapshot; only `id` is sent)."""

    id: int | None = None
    first_name: str = ""
    last_name: str = ""
    date_of_birth: str | None = None
    external_identifier: str | None = None
    email: str | None = None
    site_id: int | None = None
    site_name: str | None = None
    # None = not known (e.g. an old draft); the picker fills it so validation can warn.
    archived: bool | None = None

    @classmethod
    def from_patient(cls, patient: Patient) -> PatientChoice:
        """The snapshot of an API patient (the date of birth reduced to its date part)."""
        birth = patient.birth_date
        return cls(
            id=patient.id,
            first_name=(patient.first_name or "").strip(),
            last_name=(patient.last_name or "").strip(),
            date_of_birth=birth.isoformat() if birth else None,
            external_identifier=patient.external_identifier,
            email=patient.email,
            site_id=patient.site.id if patient.site else None,
            site_name=patient.site.name if patient.site else None,
            archived=patient.archived,
        )

    @property
    def display_name(self) -> str:
        """The patient's name ("Jane Doe"), or "Patient #12" when the names are unknown."""
        name = " ".join(p for p in (self.first_name.strip(), self.last_name.strip()) if p)
        return _label(name, "Patient", self.id, unknown="Unnamed patient")


class SiteChoice(DraftModel):
    """The chosen site, as shown in the form (a snapshot; only `id` is sent)."""

    id: int | None = None
    name: str = ""
    city: str | None = None
    state: str | None = None
    # None = not known; False means Impilo will refuse orders to this site.
    active: bool | None = None

    @classmethod
    def from_site(cls, site: Site) -> SiteChoice:
        """The snapshot of an API site."""
        address = site.address
        return cls(
            id=site.id,
            name=(site.name or "").strip(),
            city=address.city if address else None,
            state=address.state if address else None,
            active=site.active,
        )

    @property
    def display_name(self) -> str:
        """The site name, or "Site #7" when it is unknown."""
        return _label(self.name, "Site", self.id, unknown="Unnamed site")


class ItemLine(DraftModel):
    """One catalog item and how many of it. `item_id` is None while the line is unresolved
    (e.g. imported from a file that did not name the item)."""

    item_id: int | None = None
    count: int = 1
    name: str = ""
    sku: str | None = None
    manufacturer: str | None = None

    @property
    def label(self) -> str:
        """The name the coordinator knows the item by."""
        return _label(self.name, "Item", self.item_id)


class KitLine(DraftModel):
    """One kit (ordered as a unit) and how many of it."""

    kit_id: int | None = None
    count: int = 1
    name: str = ""

    @property
    def label(self) -> str:
        """The kit's name, or "Kit #3"."""
        return _label(self.name, "Kit", self.kit_id)


class ReturnItem(DraftModel):
    """Untracked items the recipient sends back with a two-way order."""

    item_id: int | None = None
    count: int = 1
    name: str = ""

    @property
    def label(self) -> str:
        """The item's name, or "Item #7"."""
        return _label(self.name, "Item", self.item_id)


class ReturnDevice(DraftModel):
    """A serialized device the recipient sends back."""

    device_id: int | None = None
    label: str = ""


class ReturnPackedKit(DraftModel):
    """A packed kit the recipient sends back."""

    packed_kit_id: int | None = None
    quantity: int = 1
    name: str = ""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class OrderDraft(DraftModel):
    """An order being prepared. Mutable; the editing helpers keep `updated_at` current."""

    draft_id: str = Field(default_factory=_new_id)
    created_at: datetime = Field(default_factory=_now)
    updated_at: datetime = Field(default_factory=_now)
    recipient_kind: RecipientKind = "patient"
    patient: PatientChoice | None = None
    new_patient: NewPatient | None = None
    # A new patient typed and then left (for the search, a site, or a matching patient from
    # Impilo): kept with the draft so "Back to new patient…" finds it after a restart. Never
    # sent (the order's recipient is `recipient`).
    set_aside_patient: NewPatient | None = None
    site: SiteChoice | None = None
    item_lines: list[ItemLine] = Field(default_factory=list)
    kit_lines: list[KitLine] = Field(default_factory=list)
    external_order_ids: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    shipping_option: DraftShippingOption = ShippingOption.STANDARD
    email_label: bool = False
    return_items: list[ReturnItem] = Field(default_factory=list)
    return_devices: list[ReturnDevice] = Field(default_factory=list)
    return_packed_kits: list[ReturnPackedKit] = Field(default_factory=list)

    @field_validator(
        "item_lines",
        "kit_lines",
        "external_order_ids",
        "notes",
        "return_items",
        "return_devices",
        "return_packed_kits",
        mode="before",
    )
    @classmethod
    def _null_list_is_empty(cls, value: Any) -> Any:
        # A draft written by hand or by an older tool may say null for "none".
        return [] if value is None else value

    @field_validator("recipient_kind", mode="before")
    @classmethod
    def _missing_kind_is_patient(cls, value: Any) -> Any:
        return "patient" if value is None else value

    # --- reading -------------------------------------------------------------------------

    @property
    def recipient(self) -> PatientChoice | NewPatient | SiteChoice | None:
        """The choice that counts: the patient (chosen, else typed as new) for a patient order,
        the site for a site order."""
        if self.recipient_kind == "site":
            return self.site
        return self.patient if self.patient is not None else self.new_patient

    @property
    def is_new_patient_order(self) -> bool:
        """A patient order for a patient typed in the form (created with the order)."""
        return (
            self.recipient_kind == "patient"
            and self.patient is None
            and self.new_patient is not None
        )

    @property
    def has_returns(self) -> bool:
        """True when the draft has any return line (a two-way order)."""
        return bool(self.return_items or self.return_devices or self.return_packed_kits)

    def is_empty(self) -> bool:
        """Nothing worth keeping has been entered (defaults such as shipping don't count)."""
        return not (
            self.patient
            or (self.new_patient is not None and not self.new_patient.is_empty())
            or self.set_aside_patient is not None
            or self.site
            or self.item_lines
            or self.kit_lines
            or any(s.strip() for s in self.external_order_ids)
            or any(s.strip() for s in self.notes)
            or self.has_returns
        )

    def summary(self) -> str:
        """A one-line description for lists: "Jane Doe — 2 items, 1 kit".

        Items and kits are counted in units (the sum of the line counts), as a coordinator
        would say them on the phone; lines with a non-positive count add nothing.
        """
        recipient = self.recipient
        who = recipient.display_name if recipient is not None else "No recipient"
        items = sum(max(line.count, 0) for line in self.item_lines)
        kits = sum(max(line.count, 0) for line in self.kit_lines)
        parts: list[str] = []
        if self.item_lines:
            parts.append(_plural(items, "item"))
        if self.kit_lines:
            parts.append(_plural(kits, "kit"))
        returns = len(self.return_items) + len(self.return_devices) + len(self.return_packed_kits)
        if returns:
            parts.append(_plural(returns, "return"))
        return f"{who} — {', '.join(parts) if parts else 'nothing added yet'}"

    # --- editing -------------------------------------------------------------------------

    def touch(self) -> None:
        """Mark the draft as changed now."""
        self.updated_at = _now()

    def set_patient(self, patient: PatientChoice | None) -> None:
        """Choose the patient; the draft becomes a patient order (a chosen site is dropped)."""
        self.recipient_kind = "patient"
        self.patient = patient
        self.new_patient = None
        self.site = None
        self.touch()

    def set_new_patient(self, patient: NewPatient | None) -> None:
        """Order for a patient typed in the form; a chosen patient or site is dropped."""
        self.recipient_kind = "patient"
        self.new_patient = patient
        self.patient = None
        self.site = None
        self.touch()

    def set_site(self, site: SiteChoice | None) -> None:
        """Choose the site; the draft becomes a site order (a chosen patient is dropped)."""
        self.recipient_kind = "site"
        self.site = site
        self.patient = None
        self.new_patient = None
        self.touch()

    def set_recipient_kind(self, kind: RecipientKind) -> None:
        """Switch between patient and site order; switching drops the other kind's choice."""
        if kind == self.recipient_kind:
            return
        self.recipient_kind = kind
        if kind == "patient":
            self.site = None
        else:
            self.patient = None
            self.new_patient = None
        self.touch()

    def find_item(self, item_id: int) -> int | None:
        """Index of the first line for this item, or None."""
        return next((i for i, ln in enumerate(self.item_lines) if ln.item_id == item_id), None)

    def find_kit(self, kit_id: int) -> int | None:
        """Index of the first line for this kit, or None."""
        return next((i for i, ln in enumerate(self.kit_lines) if ln.kit_id == kit_id), None)

    def add_item(
        self,
        item_id: int,
        count: int = 1,
        *,
        name: str = "",
        sku: str | None = None,
        manufacturer: str | None = None,
    ) -> ItemLine:
        """Add an item; if it is already on the draft its count goes up. Returns the line."""
        index = self.find_item(item_id)
        if index is not None:
            line = self.item_lines[index]
            line.count += count
            # Fill in a snapshot the existing line lacked (e.g. an imported line).
            if name and not line.name:
                line.name = name
            if sku and not line.sku:
                line.sku = sku
            if manufacturer and not line.manufacturer:
                line.manufacturer = manufacturer
        else:
            line = ItemLine(
                item_id=item_id, count=count, name=name, sku=sku, manufacturer=manufacturer
            )
            self.item_lines.append(line)
        self.touch()
        return line

    def set_item_count(self, item_id: int, count: int) -> None:
        """Set the count of an item's line (any value; validation judges it). KeyError if absent."""
        self._set_count(self.item_lines, self.find_item(item_id), item_id, count)

    def remove_item(self, item_id: int) -> bool:
        """Remove every line for this item. Returns whether anything was removed."""
        before = len(self.item_lines)
        self.item_lines = [ln for ln in self.item_lines if ln.item_id != item_id]
        self.touch()
        return len(self.item_lines) != before

    def add_kit(self, kit_id: int, count: int = 1, *, name: str = "") -> KitLine:
        """Add a kit; if it is already on the draft its count goes up instead. Returns the line."""
        index = self.find_kit(kit_id)
        if index is not None:
            line = self.kit_lines[index]
            line.count += count
            if name and not line.name:
                line.name = name
        else:
            line = KitLine(kit_id=kit_id, count=count, name=name)
            self.kit_lines.append(line)
        self.touch()
        return line

    def set_kit_count(self, kit_id: int, count: int) -> None:
        """Set the count of a kit's line (any value; validation judges it). KeyError if absent."""
        self._set_count(self.kit_lines, self.find_kit(kit_id), kit_id, count)

    def remove_kit(self, kit_id: int) -> bool:
        """Remove every line for this kit. Returns whether anything was removed."""
        before = len(self.kit_lines)
        self.kit_lines = [ln for ln in self.kit_lines if ln.kit_id != kit_id]
        self.touch()
        return len(self.kit_lines) != before

    def _set_count(
        self, lines: list[ItemLine] | list[KitLine], index: int | None, key: int, count: int
    ) -> None:
        if index is None:
            raise KeyError(key)
        lines[index].count = count
        self.touch()

    def copy_as_new(self) -> OrderDraft:
        """A deep copy with a fresh draft id and timestamps (e.g. "duplicate draft")."""
        now = _now()
        return self.model_copy(
            deep=True, update={"draft_id": _new_id(), "created_at": now, "updated_at": now}
        )

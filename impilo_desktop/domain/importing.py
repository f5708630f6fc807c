"""A JSON file in the create-order request shape becomes a draft (`impilo-desktop drafts import`).

Reading is forgiving: whatever can be understood becomes part of the draft, and whatever cannot
becomes a `Problem` (never an exception), keyed like validation problems so both read the same.
A line whose item or kit has no id is kept (with its count and any name the file gives), so the
coordinator sees which line needs an item chosen. Read-only and unknown fields are listed in
`DraftImport.ignored`. A file naming both a patient and a site keeps the patient. A patient
without an id is a new patient, created with the order (the shape of the spec's
`new-patient-order` example); its texts are kept as the file has them, and validation judges
them like the order form's (a missing address names the field). A missing
`shippingOption` reads as standard, except on a two-way order whose return label is shipped,
where the coordinator must choose (as Impilo requires).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from impilo_desktop.api.models import OrderCreate, ShippingOption, parse_date
from impilo_desktop.domain.draft import (
    ItemLine,
    KitLine,
    OrderDraft,
    PatientChoice,
    ReturnDevice,
    ReturnItem,
    ReturnPackedKit,
    SiteChoice,
)
from impilo_desktop.domain.new_patient import NewPatient, UsAddress
from impilo_desktop.domain.validation import Catalog, Problem, validate_draft

# The top-level fields of a create-order body, as the API spells them (the request model's
# aliases): anything else in a file is reported as ignored.
REQUEST_FIELDS: tuple[str, ...] = tuple(
    field.alias or name for name, field in OrderCreate.model_fields.items()
)


@dataclass
class DraftImport:
    """The result of reading a file: the draft, every problem, and the fields that were ignored.

    `problems` holds what the file itself got wrong followed by the draft's validation
    problems (one message per field: the file's own explanation wins).
    """

    draft: OrderDraft
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the imported draft can be sent as it is."""
        return not self.problems


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(key, message))

    def ident(self, value: Any, key: str, what: str) -> int | None:
        """An id from the file: an integer or a string of digits. Missing gives None quietly
        (validation names the line); anything else is reported."""
        if value is None:
            return None
        if isinstance(value, bool):
            self.problem(key, f"The {what} id must be a number")
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        if isinstance(value, float) and value.is_integer():
            return int(value)
        self.problem(key, f"The {what} id {_show(value)} is not a number")
        return None

    def count(self, value: Any, key: str, noun: str = "count") -> int:
        """A count; missing or unreadable counts become 0 and are reported."""
        if value is None:
            self.problem(key, f"This line has no {noun}")
            return 0
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        self.problem(key, f"The {noun} {_show(value)} is not a whole number")
        return 0

    def text(self, value: Any) -> str:
        return value.strip() if isinstance(value, str) else ""

    def typed(self, value: Any, key: str, label: str) -> str:
        """Text kept as the file has it (validation judges it); a number is taken as its
        digits (a ZIP or phone written as a number), anything else is reported."""
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        self.problem(key, f"{label} {_show(value)} is not text")
        return ""

    def obj(self, value: Any, key: str, what: str) -> dict[str, Any] | None:
        if value is None:
            return None
        if isinstance(value, dict):
            return value
        self.problem(key, f"{what} must be an object, not {_show(value)}")
        return None

    def array(self, value: Any, key: str, what: str) -> list[Any]:
        if value is None:
            return []
        if isinstance(value, list):
            return value
        self.problem(key, f"{what} must be a list, not {_show(value)}")
        return []


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _patient(reader: _Reader, data: dict[str, Any]) -> PatientChoice:
    site = data.get("site") if isinstance(data.get("site"), dict) else {}
    assert isinstance(site, dict)
    birth = parse_date(data["dateOfBirth"]) if isinstance(data.get("dateOfBirth"), str) else None
    return PatientChoice(
        id=reader.ident(data.get("id"), "recipient", "patient"),
        first_name=reader.text(data.get("firstName")),
        last_name=reader.text(data.get("lastName")),
        date_of_birth=birth.isoformat() if birth else None,
        external_identifier=reader.text(data.get("externalIdentifier")) or None,
        email=reader.text(data.get("email")) or None,
        site_id=reader.ident(site.get("id"), "recipient", "site") if site else None,
        site_name=reader.text(site.get("name")) or None,
    )


# A new patient's fields as the API spells them, and the texts they become.
_NEW_PATIENT_TEXTS = {
    "firstName": ("first_name", "First name"),
    "lastName": ("last_name", "Last name"),
    "dateOfBirth": ("date_of_birth", "Date of birth"),
    "sex": ("sex", "Sex"),
    "email": ("email", "Email"),
    "phoneNumber": ("phone_number", "Phone"),
    "externalIdentifier": ("external_identifier", "External id (MRN)"),
}
_ADDRESS_TEXTS = {
    "lineOne": ("line_one", "Street address"),
    "lineTwo": ("line_two", "Address line two"),
    "city": ("city", "City"),
    "state": ("state", "State"),
    "zipCode": ("zip_code", "ZIP code"),
    "country": ("country", "Country"),
}


def _new_patient(reader: _Reader, data: dict[str, Any], ignored: list[str]) -> NewPatient:
    key = "new_patient"
    texts = {
        attr: reader.typed(data.get(name), f"{key}.{attr}", label)
        for name, (attr, label) in _NEW_PATIENT_TEXTS.items()
    }
    birth = parse_date(texts["date_of_birth"])
    if birth is not None:  # an older payload's full timestamp keeps its date
        texts["date_of_birth"] = birth.isoformat()
    site = reader.obj(data.get("site"), f"{key}.site_id", "The patient's site") or {}
    address = reader.obj(data.get("address"), f"{key}.address", "The patient's address")
    ignored.extend(
        f"patient.{name}"
        for name in data
        if name not in {*_NEW_PATIENT_TEXTS, "id", "site", "address"}
    )
    if address is None:
        reader.problem(
            f"{key}.address",
            "The new patient has no address (street, city, state and ZIP); Impilo needs one"
            " to ship the order",
        )
        address = {}
    ignored.extend(f"patient.address.{name}" for name in address if name not in _ADDRESS_TEXTS)
    lines = {
        attr: reader.typed(address.get(name), f"{key}.address.{attr}", label)
        for name, (attr, label) in _ADDRESS_TEXTS.items()
        if address.get(name) is not None
    }
    return NewPatient(
        **texts,
        site_id=reader.ident(site.get("id"), f"{key}.site_id", "site") if site else None,
        site_name=reader.text(site.get("name")),
        address=UsAddress(**lines),
    )


def _site(reader: _Reader, data: dict[str, Any]) -> SiteChoice:
    address = data.get("address") if isinstance(data.get("address"), dict) else {}
    assert isinstance(address, dict)
    return SiteChoice(
        id=reader.ident(data.get("id"), "recipient", "site"),
        name=reader.text(data.get("name")),
        city=reader.text(address.get("city")) or None,
        state=reader.text(address.get("state")) or None,
    )


def _read(reader: _Reader, data: dict[str, Any], draft: OrderDraft, ignored: list[str]) -> None:
    patient = reader.obj(data.get("patient"), "recipient", "The patient")
    site = reader.obj(data.get("site"), "recipient", "The site")
    if patient is not None and patient.get("id") is None:
        draft.set_new_patient(_new_patient(reader, patient, ignored))
    elif patient is not None:
        draft.set_patient(_patient(reader, patient))
    elif site is not None:
        draft.set_site(_site(reader, site))
    if patient is not None and site is not None:
        reader.problem(
            "recipient",
            "The file names both a patient and a site; an order goes to one recipient, "
            "so the site was left out",
        )

    for i, entry in enumerate(reader.array(data.get("orderItems"), "item_lines", "orderItems")):
        key = f"item_lines[{i}]"
        line = reader.obj(entry, key, f"Line {i + 1}") or {}
        item = reader.obj(line.get("item"), f"{key}.item", f"Line {i + 1}'s item") or {}
        maker = item.get("manufacturer") if isinstance(item.get("manufacturer"), dict) else {}
        assert isinstance(maker, dict)
        draft.item_lines.append(
            ItemLine(
                item_id=reader.ident(item.get("id"), f"{key}.item", "item"),
                count=reader.count(line.get("count"), f"{key}.count"),
                name=reader.text(item.get("name")),
                sku=reader.text(item.get("sku")) or None,
                manufacturer=reader.text(maker.get("name")) or None,
            )
        )

    for i, entry in enumerate(reader.array(data.get("orderKits"), "kit_lines", "orderKits")):
        key = f"kit_lines[{i}]"
        line = reader.obj(entry, key, f"Line {i + 1}") or {}
        kit = reader.obj(line.get("kit"), f"{key}.kit", f"Line {i + 1}'s kit") or {}
        draft.kit_lines.append(
            KitLine(
                kit_id=reader.ident(kit.get("id"), f"{key}.kit", "kit"),
                count=reader.count(line.get("count"), f"{key}.count"),
                name=reader.text(kit.get("name")),
            )
        )

    ids = reader.array(data.get("externalOrderIds"), "external_order_ids", "externalOrderIds")
    for value in ids:
        if isinstance(value, str):
            draft.external_order_ids.append(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            draft.external_order_ids.append(str(value))  # the API's own example uses numbers
        else:
            reader.problem("external_order_ids", f"External order id {_show(value)} was left out")

    for entry in reader.array(data.get("orderNotes"), "notes", "orderNotes"):
        note = entry.get("note") if isinstance(entry, dict) else entry
        if isinstance(note, str):
            draft.notes.append(note)
        else:
            reader.problem("notes", f"Note {_show(entry)} was left out")

    email_label = data.get("emailLabel")
    if isinstance(email_label, bool):
        draft.email_label = email_label
    elif email_label is not None:
        reader.problem("email_label", "emailLabel must be true or false")

    _read_returns(reader, data, draft)

    shipping = data.get("shippingOption")
    if isinstance(shipping, str):
        known = shipping in tuple(ShippingOption)
        draft.shipping_option = ShippingOption(shipping) if known else shipping
    elif shipping is not None:
        reader.problem("shipping_option", f"Shipping option {_show(shipping)} is not understood")
    elif draft.has_returns and not draft.email_label:
        # Impilo needs an explicit choice when a return label is shipped; the draft asks the
        # coordinator instead of guessing. Otherwise a missing option means standard, as it
        # does on the server.
        draft.shipping_option = None


def _read_returns(reader: _Reader, data: dict[str, Any], draft: OrderDraft) -> None:
    entries = reader.array(data.get("returnItems"), "return_items", "returnItems")
    for i, entry in enumerate(entries):
        key = f"return_items[{i}]"
        line = reader.obj(entry, key, f"Return line {i + 1}") or {}
        # The flat `{id, count}` shape (returns endpoint) and the nested `{item: {id}}` shape.
        nested = line.get("item") if isinstance(line.get("item"), dict) else None
        source = nested if nested is not None else line
        draft.return_items.append(
            ReturnItem(
                item_id=reader.ident(source.get("id"), f"{key}.item", "item"),
                count=reader.count(line.get("count"), f"{key}.count"),
                name=reader.text(source.get("name")),
            )
        )
    entries = reader.array(data.get("returnDevices"), "return_devices", "returnDevices")
    for i, entry in enumerate(entries):
        key = f"return_devices[{i}]"
        line = reader.obj(entry, key, f"Returned device {i + 1}") or {}
        draft.return_devices.append(
            ReturnDevice(device_id=reader.ident(line.get("id"), f"{key}.device", "device"))
        )
    entries = reader.array(data.get("returnPackedKits"), "return_packed_kits", "returnPackedKits")
    for i, entry in enumerate(entries):
        key = f"return_packed_kits[{i}]"
        line = reader.obj(entry, key, f"Returned packed kit {i + 1}") or {}
        quantity = line.get("quantity", 1)  # the API's own default
        draft.return_packed_kits.append(
            ReturnPackedKit(
                packed_kit_id=reader.ident(line.get("id"), f"{key}.packed_kit", "packed kit"),
                quantity=reader.count(quantity, f"{key}.quantity", "quantity"),
            )
        )


def import_create_json(data: Any, catalog: Catalog | None = None) -> DraftImport:
    """Read a create-order request body (already parsed from JSON) into a new draft, with
    every problem of the file and of the resulting draft. Never raises."""
    draft = OrderDraft()
    reader = _Reader()
    ignored: list[str] = []
    if not isinstance(data, dict):
        reader.problem("file", "The file does not hold an order (expected a JSON object)")
    else:
        ignored = sorted(str(k) for k in data if k not in REQUEST_FIELDS)
        try:
            _read(reader, data, draft, ignored)
        except Exception:  # defence in depth: a reader bug must not lose the whole import
            reader.problem("file", "Part of the file could not be read")
    draft.touch()
    problems = list(reader.problems)
    explained = {p.field for p in problems}
    # The file's own explanation of a field is clearer than the generic rule's; a new
    # patient's missing address also explains each of its missing parts.
    whole = tuple(f"{key}." for key in explained if key.startswith("new_patient"))
    problems.extend(
        p
        for p in validate_draft(draft, catalog)
        if p.field not in explained and not p.field.startswith(whole)
    )
    return DraftImport(draft=draft, problems=problems, ignored=ignored)


def draft_from_create_json(data: Any) -> OrderDraft:
    """The draft a create-order request body describes; see `import_create_json` for the
    problems (this never raises; what cannot be read is left out or left unresolved)."""
    return import_create_json(data).draft

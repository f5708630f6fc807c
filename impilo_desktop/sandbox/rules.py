"""The create-order rules of `POST /order`: each broken rule is a 400 with a plain sentence and
a stable machine code. The decisions the published docs leave open are listed in README.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from impilo_desktop.sandbox.errors import bad_request
from impilo_desktop.sandbox.patient_rules import new_patient
from impilo_desktop.sandbox.patients import Patients
from impilo_desktop.sandbox.query import BOUNDS, out_of_range
from impilo_desktop.sandbox.seed import JsonDict, PatientRecord, SeedData

INT32_MAX = BOUNDS[32][1]
INT64_MAX = BOUNDS[64][1]
MAX_NOTE_LENGTH = 2000
MAX_EXTERNAL_ID_LENGTH = 200
SHIPPING_OPTIONS = ("standard", "overnight")
READ_ONLY_FIELDS = (
    "id",
    "currentStatus",
    "orderEvents",
    "trackingNumbers",
    "devices",
    "packedKits",
)
KNOWN_FIELDS = frozenset(
    {
        "patient",
        "site",
        "orderItems",
        "orderKits",
        "externalOrderIds",
        "orderNotes",
        "shippingOption",
        "emailLabel",
        "returnItems",
        "returnDevices",
        "returnPackedKits",
    }
)


@dataclass
class ValidOrder:
    """A create-order request that passed every rule. `new_patient` is the patient to create
    with the order (a patient without an id in the body); `patient_id` is then None."""

    patient_id: int | None
    site_id: int | None
    new_patient: PatientRecord | None = None
    item_lines: list[tuple[int, int]] = field(default_factory=list)
    kit_lines: list[tuple[int, int]] = field(default_factory=list)
    external_ids: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    shipping_option: str = "standard"
    email_label: bool = False
    return_items: list[tuple[int, int]] = field(default_factory=list)
    return_devices: list[int] = field(default_factory=list)
    return_packed_kits: list[tuple[int, int]] = field(default_factory=list)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _id(value: Any, where: str) -> int:
    """An id (int64 in the spec): a positive whole number, no larger than int64 allows."""
    if _is_int(value) and value > INT64_MAX:
        raise out_of_range(where, 64, negative=False, code="invalid_id")
    if not _is_int(value) or value < 1:
        raise bad_request("invalid_id", f"{where} must be a positive whole number.")
    return int(value)


def _count(value: Any, where: str) -> int:
    """A count or quantity (int32 in the spec), at least 1."""
    if value is None:
        raise bad_request("count_required", f"{where} is required.")
    if not _is_int(value):
        raise bad_request("invalid_count", f"{where} must be a whole number.")
    if value > INT32_MAX:
        raise out_of_range(where, 32, negative=False, code="invalid_count")
    if value < 1:
        raise bad_request("invalid_count", f"{where} must be at least 1.")
    return int(value)


def _list(body: JsonDict, key: str) -> list[Any]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad_request("invalid_field", f"{key} must be a list.")
    return value


def _object(value: Any, where: str) -> JsonDict:
    if not isinstance(value, dict):
        raise bad_request("invalid_field", f"{where} must be an object.")
    return value


def validate_order(
    body: Any,
    patients: Patients,
    today: date,
    find_device: Callable[[int], JsonDict | None],
    find_packed_kit: Callable[[int], JsonDict | None],
) -> ValidOrder:
    """Check a decoded JSON body against every create-order rule; raise `ApiError` on the first
    broken one (a new patient's problems all in one). Nothing is created here."""
    seed = patients.seed
    if not isinstance(body, dict):
        raise bad_request("invalid_body", "The request body must be a JSON object.")
    for key in READ_ONLY_FIELDS:
        if key in body:
            raise bad_request(
                "read_only_field",
                f"{key} is set by Impilo and must not be sent when creating an order.",
            )
    unknown = sorted(set(body) - KNOWN_FIELDS)
    if unknown:
        raise bad_request("unknown_field", f"Unknown field {unknown[0]} in the order request.")
    order = _recipient(body, patients, today)
    _lines(body, seed, order, find_device, find_packed_kit)
    _options(body, order)
    _loaner_rules(seed, order)
    return order


def _recipient(body: JsonDict, patients: Patients, today: date) -> ValidOrder:
    patient, site = body.get("patient"), body.get("site")
    if patient is not None and site is not None:
        raise bad_request(
            "patient_and_site", "An order goes to a patient or to a site, not to both."
        )
    if patient is not None and isinstance(patient, dict) and patient.get("id") is None:
        # A patient without an id is created with the order (the spec's new-patient example).
        return ValidOrder(None, None, new_patient(patient, patients, today))
    if patient is None and site is None:
        raise bad_request("patient_or_site_required", "patient or site required")
    kind = "patient" if patient is not None else "site"
    ref = _object(patient if patient is not None else site, kind)
    if ref.get("id") is None:
        # A site's name or address without its id does not identify it (sites exist first).
        raise bad_request("patient_or_site_required", "patient or site required")
    ident = _id(ref["id"], f"{kind}.id")
    if kind == "patient":
        record = patients.get(ident)
        if record is None:
            raise bad_request("patient_not_found", f"No patient with id {ident} exists.")
        if record.archived:
            raise bad_request(
                "patient_archived", f"Patient {ident} is archived and cannot receive orders."
            )
        return ValidOrder(ident, None)
    site_record = patients.seed.sites.get(ident)
    if site_record is None:
        raise bad_request("site_not_found", f"No site with id {ident} exists.")
    if not site_record.active:
        raise bad_request("site_inactive", f"Site {ident} is inactive and cannot receive orders.")
    return ValidOrder(None, ident)


def _each_line(body: JsonDict, key: str) -> Iterator[tuple[str, JsonDict]]:
    """`(where, line)` for every line of the list `key`: `("orderItems[2]", {...})`."""
    for n, line in enumerate(_list(body, key)):
        where = f"{key}[{n}]"
        yield where, _object(line, where)


def _ref_id(line: JsonDict, ref: str | None, where: str, code: str, message: str) -> int:
    """The id of the object `line[ref]` (of the line itself when `ref` is None); a 400 with
    `code` and "`message` (`where`)." when it has none."""
    holder = line.get(ref) if ref else line
    if not isinstance(holder, dict) or holder.get("id") is None:
        raise bad_request(code, f"{message} ({where}).")
    return _id(holder["id"], f"{where}.{ref}.id" if ref else f"{where}.id")


def _lines(
    body: JsonDict,
    seed: SeedData,
    order: ValidOrder,
    find_device: Callable[[int], JsonDict | None],
    find_packed_kit: Callable[[int], JsonDict | None],
) -> None:
    for where, line in _each_line(body, "orderItems"):
        iid = _ref_id(line, "item", where, "item_id_required", "Every item line needs an item id")
        item = seed.items.get(iid)
        if item is None:
            raise bad_request("item_not_found", f"No item with id {iid} exists ({where}).")
        count = _count(line.get("count"), f"{where}.count")
        if not item.orderable:
            raise bad_request("item_not_orderable", f"Item {iid} ({item.name}) cannot be ordered.")
        if any(existing == iid for existing, _ in order.item_lines):
            raise bad_request(
                "duplicate_line",
                f"Item {iid} appears on more than one line; put the total on one line.",
            )
        if count > seed.stock(iid):
            raise bad_request(
                "insufficient_inventory",
                f"Not enough stock of item {iid} ({item.name}) to fill this order.",
            )
        order.item_lines.append((iid, count))
    for where, line in _each_line(body, "orderKits"):
        kid = _ref_id(line, "kit", where, "kit_id_required", "Every kit line needs a kit id")
        kit = seed.kits.get(kid)
        if kit is None:
            raise bad_request("kit_not_found", f"No kit with id {kid} exists ({where}).")
        count = _count(line.get("count"), f"{where}.count")
        if kit.archived:
            raise bad_request("kit_archived", f"Kit {kid} ({kit.name}) is archived.")
        # Two lines of a loaner kit are two loaner kits: `max_one_loaner_kit` says so better.
        if not kit.loaner and any(existing == kid for existing, _ in order.kit_lines):
            raise bad_request(
                "duplicate_line",
                f"Kit {kid} appears on more than one line; put the total on one line.",
            )
        order.kit_lines.append((kid, count))
    for where, line in _each_line(body, "returnItems"):
        iid = _ref_id(line, None, where, "item_id_required", "Every return item line needs an id")
        if iid not in seed.items:
            raise bad_request("item_not_found", f"No item with id {iid} exists ({where}).")
        order.return_items.append((iid, _count(line.get("count"), f"{where}.count")))
    for where, line in _each_line(body, "returnDevices"):
        did = _ref_id(line, None, where, "device_id_required", "Every returned device needs an id")
        if find_device(did) is None:
            raise bad_request("device_not_found", f"No device with id {did} exists ({where}).")
        order.return_devices.append(did)
    packed_devices: set[int] = set()
    for where, line in _each_line(body, "returnPackedKits"):
        pid = _ref_id(
            line, None, where, "packed_kit_id_required", "Every returned packed kit needs an id"
        )
        packed = find_packed_kit(pid)
        if packed is None:
            raise bad_request(
                "packed_kit_not_found", f"No packed kit with id {pid} exists ({where})."
            )
        quantity = (
            1 if line.get("quantity") is None else _count(line["quantity"], f"{where}.quantity")
        )
        packed_devices.update(d["id"] for d in packed["devices"])
        order.return_packed_kits.append((pid, quantity))
    for did in order.return_devices:
        if did in packed_devices:
            raise bad_request(
                "device_in_returned_packed_kit",
                f"Device {did} is already returned inside a packed kit; list it only once.",
            )
    if not (
        order.item_lines
        or order.kit_lines
        or order.return_items
        or order.return_devices
        or order.return_packed_kits
    ):
        raise bad_request(
            "no_lines",
            "An order needs at least one line: orderItems, orderKits or a return line.",
        )


def _options(body: JsonDict, order: ValidOrder) -> None:
    email_label = body.get("emailLabel")
    if email_label is not None and not isinstance(email_label, bool):
        raise bad_request("invalid_email_label", "emailLabel must be true or false.")
    order.email_label = bool(email_label)
    option = body.get("shippingOption")
    has_returns = bool(order.return_items or order.return_devices or order.return_packed_kits)
    if option is None:
        if has_returns and not order.email_label:
            raise bad_request(
                "shipping_option_required",
                "shippingOption is required when the order has return lines and emailLabel is"
                " false.",
            )
        option = "standard"
    if option not in SHIPPING_OPTIONS:
        raise bad_request(
            "invalid_shipping_option", "shippingOption must be 'standard' or 'overnight'."
        )
    order.shipping_option = str(option)
    for n, ref in enumerate(_list(body, "externalOrderIds")):
        if not isinstance(ref, str) or not ref.strip():
            raise bad_request(
                "invalid_external_order_id", f"externalOrderIds[{n}] must be a non-empty string."
            )
        if len(ref) > MAX_EXTERNAL_ID_LENGTH:
            raise bad_request(
                "invalid_external_order_id",
                f"externalOrderIds[{n}] is longer than {MAX_EXTERNAL_ID_LENGTH} characters.",
            )
        order.external_ids.append(ref)
    for n, note in enumerate(_list(body, "orderNotes")):
        text = _object(note, f"orderNotes[{n}]").get("note")
        if not isinstance(text, str) or not text.strip():
            raise bad_request("invalid_note", f"orderNotes[{n}].note must be a non-empty string.")
        if len(text) > MAX_NOTE_LENGTH:
            raise bad_request(
                "invalid_note", f"orderNotes[{n}].note is longer than {MAX_NOTE_LENGTH} characters."
            )
        order.notes.append(text)


def _loaner_rules(seed: SeedData, order: ValidOrder) -> None:
    loaners = [(kid, count) for kid, count in order.kit_lines if seed.kits[kid].loaner]
    if not loaners:
        return
    if len(loaners) > 1:
        raise bad_request("max_one_loaner_kit", "An order may hold at most one loaner kit.")
    if loaners[0][1] > 1:
        raise bad_request("qty_over_one_loaner_kit", "A loaner kit can only be ordered once.")
    if order.site_id is not None:
        raise bad_request("no_loaner_kit_to_site", "Loaner kits ship only to patients.")
    if order.return_items or order.return_devices or order.return_packed_kits:
        raise bad_request(
            "no_returns_with_loaner_kit", "Loaner kits cannot be combined with return lines."
        )

"""Read-only list and fetch endpoints: patients (the seed's and those created or changed
since, `Patients`), and over the seed sites, items, kits, manufacturers and inventory. Pure
functions from a query to a JSON page.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TypeVar

from impilo_desktop.sandbox.errors import bad_request, not_found
from impilo_desktop.sandbox.patients import Patients
from impilo_desktop.sandbox.query import (
    Query,
    enum_list,
    int_list,
    optional_bool,
    optional_date,
    optional_enum,
    optional_int,
    optional_str,
    page_envelope,
    page_of,
    paging,
    str_list,
)
from impilo_desktop.sandbox.seed import ItemRecord, JsonDict, PatientRecord, SeedData

PATIENT_SORTS = ("firstName", "lastName", "patientId")
ITEM_SORTS = ("itemId", "itemName", "itemModel", "itemSku")
ITEM_SIZES = ("standard", "small", "medium", "large", "extraLarge")
ITEM_CLASSES = (
    "wearable", "glucose", "miscellaneous", "circulatory", "packaging", "lab", "body",
    "familyPlanning", "cpap", "connectivity", "generalHealth", "service", "thermometer", "power",
    "respiratory", "info",
)  # fmt: skip
READING_TYPES = (
    "bloodPressure", "bloodGlucose", "continuousBloodGlucose", "spo2", "heartRate",
    "heartRateVariability", "temperature", "weight", "peakFlow", "sleepMatActivity",
    "sleepMatDuration",
)  # fmt: skip


V = TypeVar("V")


def _found(table: Mapping[int, V], key: int, what: str) -> V:
    """`table[key]`, or the API's 404 for a missing `what`."""
    value = table.get(key)
    if value is None:
        raise not_found(what, key)
    return value


def _page(rows: Sequence[JsonDict], page: int, size: int) -> JsonDict:
    """The asked-for page of `rows` (already filtered and ordered) in the page envelope."""
    return page_envelope(list(page_of(rows, page, size)), page, size, len(rows))


def _items(seed: SeedData, item_id: int | None) -> Iterator[ItemRecord]:
    """Every catalog item, or only the one with `item_id` when given."""
    return (item for item in seed.items.values() if item_id is None or item.id == item_id)


def list_patients(patients: Patients, query: Query) -> JsonDict:
    """`GET /patient`: every documented filter, ANDed; see README.md for their semantics."""
    page, size = paging(query)
    ids = set(int_list(query, "id"))
    site_ids = set(int_list(query, "siteId"))
    external = set(str_list(query, "externalIdentifier"))
    email = (optional_str(query, "email") or "").strip().lower()
    name = " ".join((optional_str(query, "name") or "").lower().split())
    archived = optional_bool(query, "archived")
    enrolled = optional_bool(query, "enrolled")
    dob_min = optional_date(query, "dateOfBirthMin")
    dob_max = optional_date(query, "dateOfBirthMax")
    postal = (optional_str(query, "postalCode") or "").strip()
    country = (optional_str(query, "country") or "").strip().lower()
    sort = optional_enum(query, "sort", PATIENT_SORTS) or "patientId"
    descending = optional_bool(query, "sortDescending") or False

    rows: list[PatientRecord]
    if ids:
        rows = [p for p in map(patients.get, sorted(ids)) if p is not None]
    elif external:
        found = (patients.with_identifier(e) for e in external)
        rows = sorted((p for p in found if p is not None), key=lambda p: p.id)
    else:
        rows = patients.all()

    def keep(p: PatientRecord) -> bool:
        return (
            (not ids or p.id in ids)
            and (not external or p.external_identifier in external)
            and (not site_ids or p.site_id in site_ids)
            and (not email or (p.email is not None and p.email.lower() == email))
            and (not name or name in p.search_name)
            and (archived is None or p.archived == archived)
            and (enrolled is None or p.enrolled == enrolled)
            # A patient without a date of birth ("") matches no date range.
            and (dob_min is None or (p.date_of_birth != "" and p.date_of_birth >= dob_min))
            and (dob_max is None or (p.date_of_birth != "" and p.date_of_birth <= dob_max))
            and (not postal or p.zip_code == postal)
            and (not country or p.country.lower() == country)
        )

    rows = [p for p in rows if keep(p)]
    if sort == "firstName":
        rows.sort(key=lambda p: (p.first_name.lower(), p.last_name.lower(), p.id))
    elif sort == "lastName":
        rows.sort(key=lambda p: (p.last_name.lower(), p.first_name.lower(), p.id))
    if descending:
        rows.reverse()
    content = [patients.wire(p) for p in page_of(rows, page, size)]
    return page_envelope(content, page, size, len(rows))


def patient_by_identifier(patients: Patients, identifier: str) -> JsonDict:
    found = patients.with_identifier(identifier)
    if found is None:
        raise not_found("patient", f"external identifier {identifier!r}")
    return patients.wire(found)


def patient_by_email(patients: Patients, body: object) -> JsonDict:
    email = body.get("email") if isinstance(body, dict) else None
    if not isinstance(email, str) or "@" not in email:
        raise bad_request("email_required", 'Send {"email": "<address>"} to find a patient.')
    found = patients.with_email(email)
    if found is None:
        raise not_found("patient", f"email {email!r}")
    return patients.wire(found)


def list_sites(seed: SeedData, query: Query) -> JsonDict:
    page, size = paging(query)
    rows = [s.wire for s in seed.sites.values()]
    return _page(rows, page, size)


def get_site(seed: SeedData, site_id: int) -> JsonDict:
    return _found(seed.sites, site_id, "site").wire


def list_items(seed: SeedData, query: Query) -> JsonDict:
    """`GET /item`: name/model/sku are case-insensitive substring matches; arrays match any."""
    page, size = paging(query)
    ids = set(int_list(query, "id"))
    name = (optional_str(query, "name") or "").lower()
    model = (optional_str(query, "model") or "").lower()
    sku = (optional_str(query, "sku") or "").lower()
    sizes = set(enum_list(query, "itemSize", ITEM_SIZES))
    classes = set(enum_list(query, "itemClass", ITEM_CLASSES))
    readings = set(enum_list(query, "readingType", READING_TYPES))
    manufacturers = set(int_list(query, "manufacturerId"))
    sort = optional_enum(query, "sort", ITEM_SORTS) or "itemId"
    descending = optional_bool(query, "sortDescending") or False
    rows = [
        i
        for i in seed.items.values()
        if (not ids or i.id in ids)
        and (not name or name in i.name.lower())
        and (not model or model in i.model.lower())
        and (not sku or sku in i.sku.lower())
        and (not sizes or i.size in sizes)
        and (not classes or i.item_class in classes)
        and (not readings or i.reading_type in readings)
        and (not manufacturers or i.manufacturer_id in manufacturers)
    ]
    key = {
        "itemId": lambda i: (i.id, ""),
        "itemName": lambda i: (0, i.name.lower()),
        "itemModel": lambda i: (0, i.model.lower()),
        "itemSku": lambda i: (0, i.sku.lower()),
    }[sort]
    rows.sort(key=key, reverse=descending)
    content = [i.detailed for i in page_of(rows, page, size)]
    return page_envelope(content, page, size, len(rows))


def get_item(seed: SeedData, item_id: int) -> JsonDict:
    return _found(seed.items, item_id, "item").detailed


def list_kits(seed: SeedData, query: Query) -> JsonDict:
    page, size = paging(query)
    item_id = optional_int(query, "itemId")
    archived = optional_bool(query, "archived")
    rows = [
        k.wire
        for k in seed.kits.values()
        if (archived is None or k.archived == archived)
        and (item_id is None or any(iid == item_id for iid, _ in k.lines))
    ]
    return _page(rows, page, size)


def get_kit(seed: SeedData, kit_id: int) -> JsonDict:
    return _found(seed.kits, kit_id, "kit").wire


def list_manufacturers(seed: SeedData, query: Query) -> JsonDict:
    page, size = paging(query)
    rows = list(seed.manufacturers.values())
    return _page(rows, page, size)


def get_manufacturer(seed: SeedData, manufacturer_id: int) -> JsonDict:
    return _found(seed.manufacturers, manufacturer_id, "manufacturer")


def inventory_summary(seed: SeedData, query: Query) -> JsonDict:
    """`GET /inventory`: one record per item across every location."""
    page, size = paging(query)
    item_id = optional_int(query, "itemId")
    rows: list[JsonDict] = []
    for item in _items(seed, item_id):
        new = seed.stock(item.id)
        used = sum(seed.warehouse_stock(item.id, w)[1] for w in seed.warehouses)
        for site_id in seed.sites:
            held = seed.site_stock(item.id, site_id)
            if held:
                new += held[0]
                used += held[1]
        rows.append({"item": item.wire, "newCount": new, "usedCount": used})
    return _page(rows, page, size)


def inventory_impilo(seed: SeedData, query: Query) -> JsonDict:
    """`GET /inventory/impilo`: per item per Impilo warehouse."""
    page, size = paging(query)
    item_id = optional_int(query, "itemId")
    rows: list[JsonDict] = []
    for item in _items(seed, item_id):
        for wid, warehouse in seed.warehouses.items():
            new, used = seed.warehouse_stock(item.id, wid)
            rows.append(
                {"item": item.wire, "newCount": new, "usedCount": used, "site": warehouse.wire}
            )
    return _page(rows, page, size)


def inventory_sites(seed: SeedData, query: Query) -> JsonDict:
    """`GET /inventory/site`: per item per customer site that holds it."""
    page, size = paging(query)
    item_id = optional_int(query, "itemId")
    site_id = optional_int(query, "siteId")
    rows: list[JsonDict] = []
    for item in _items(seed, item_id):
        for sid, site in seed.sites.items():
            if site_id is not None and sid != site_id:
                continue
            held = seed.site_stock(item.id, sid)
            if held:
                rows.append(
                    {
                        "item": item.wire,
                        "newCount": held[0],
                        "usedCount": held[1],
                        "site": site.wire,
                    }
                )
    return _page(rows, page, size)

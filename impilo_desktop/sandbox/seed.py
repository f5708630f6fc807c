"""Deterministic seed data for the sandbox: sites, catalog, kits, patients and the compact
skeleton of the order history.

Everything derives from one `random_seed`. Patients are generated eagerly (filters scan them);
historical orders are kept as a few parallel arrays (recipient, status, time) and expanded into
full orders only when read (see `history.py`), so the large seed stays fast and small.
"""

from __future__ import annotations

import bisect
import itertools
import random
from array import array
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from impilo_desktop.sandbox import catalog

JsonDict = dict[str, Any]

STATUSES: tuple[str, ...] = (
    "orderPlaced",
    "awaitingShipment",
    "pendingInventory",
    "onHold",
    "pendingAdditionalInformation",
    "reconfirmAddress",
    "shipped",
    "availableForPickup",
    "unsuccessfulDelivery",
    "delivered",
    "returnIssued",
    "unableToFulfill",
    "voided",
)
STATUS_INDEX = {name: i for i, name in enumerate(STATUSES)}

FIRST_SITE_ID = 101
FIRST_WAREHOUSE_ID = 901
FIRST_ITEM_ID = 1001
FIRST_KIT_ID = 501
FIRST_PATIENT_ID = 10001
FIRST_ORDER_ID = 100001
# Historical patients with ids below this are never archived, so "the first patient" of an
# unfiltered list is always a valid order recipient.
ALWAYS_ACTIVE_PATIENTS = 50


@dataclass(frozen=True)
class SeedSize:
    """How much data to generate. `history_days` is the span the historical orders cover."""

    patients: int = 2000
    orders: int = 600
    sites: int = 25
    history_days: int = 180

    @classmethod
    def named(cls, name: Literal["standard", "large"] | SeedSize) -> SeedSize:
        if isinstance(name, SeedSize):
            return name
        if name == "standard":
            return cls()
        if name == "large":
            return cls(patients=100_000, orders=100_000, history_days=730)
        raise ValueError(f"unknown seed size {name!r} (expected 'standard' or 'large')")


@dataclass(slots=True)
class PatientRecord:
    """One patient; `search_name` is the lower-cased full name the `name` filter matches.

    Seeded patients have every field; a patient created with an order may lack some: an empty
    text (or a None email, line two or site) is "not given" and left out of its JSON."""

    id: int
    external_identifier: str
    first_name: str
    last_name: str
    date_of_birth: str
    email: str | None
    phone_number: str
    archived: bool
    enrolled: bool
    sex: str
    line_one: str
    line_two: str | None
    city: str
    state: str
    zip_code: str
    country: str
    site_id: int | None
    search_name: str


@dataclass(frozen=True, slots=True)
class SiteRecord:
    id: int
    name: str
    active: bool
    wire: JsonDict


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """A catalog item with its compact (`wire`) and detailed (`detailed`) JSON forms."""

    id: int
    name: str
    model: str
    sku: str
    manufacturer_id: int
    orderable: bool
    identifier_type: str | None
    item_class: str
    size: str
    reading_type: str | None
    wire: JsonDict
    detailed: JsonDict


@dataclass(frozen=True, slots=True)
class KitRecord:
    id: int
    name: str
    archived: bool
    loaner: bool
    lines: tuple[tuple[int, int], ...]  # (item id, count)
    wire: JsonDict


def iso(ts: float) -> str:
    """Epoch seconds as the API's UTC timestamp (`2025-06-30T14:15:30.345Z`)."""
    moment = datetime.fromtimestamp(ts, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class SeedData:
    """The seeded world. Read-only after construction; the server keeps changes elsewhere."""

    def __init__(
        self, size: SeedSize, random_seed: int = 1, history_end: datetime | None = None
    ) -> None:
        self.size = size
        self.random_seed = random_seed
        end = history_end or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.history_end = end.timestamp()
        rng = random.Random(random_seed)
        self.manufacturers: dict[int, JsonDict] = {
            mid: {"id": mid, "name": name} for mid, name in catalog.MANUFACTURERS
        }
        self.sites: dict[int, SiteRecord] = {}
        self.warehouses: dict[int, SiteRecord] = {}
        self._make_sites(rng)
        self.items: dict[int, ItemRecord] = {}
        self._make_items()
        self.kits: dict[int, KitRecord] = {}
        self._make_kits()
        self.patients: dict[int, PatientRecord] = {}
        self._make_patients(rng)
        self.by_external_identifier = {p.external_identifier: p.id for p in self.patients.values()}
        self.by_email = {p.email.lower(): p.id for p in self.patients.values() if p.email}
        self._make_order_skeleton(rng)

    # --- sites ------------------------------------------------------------------------------

    def _make_sites(self, rng: random.Random) -> None:
        cities = rng.sample(catalog.CITIES, min(self.size.sites, len(catalog.CITIES)))
        inactive = {self.size.sites - 3, self.size.sites - 8} if self.size.sites >= 10 else set()
        for n in range(self.size.sites):
            city, state, zip3, area = cities[n % len(cities)]
            prefix = catalog.SITE_PREFIXES[n % len(catalog.SITE_PREFIXES)]
            kind = catalog.SITE_KINDS[rng.randrange(len(catalog.SITE_KINDS))]
            sid = FIRST_SITE_ID + n
            active = n not in inactive
            name = f"{prefix} {kind}"
            address: JsonDict = {
                "lineOne": f"{rng.randint(100, 9800)} {rng.choice(catalog.STREETS)}",
                "lineTwo": f"Suite {rng.randint(100, 450)}",
                "city": city,
                "state": state,
                "zipCode": f"{zip3}{rng.randint(0, 99):02d}",
                "country": "USA",
            }
            wire: JsonDict = {
                "id": sid,
                "name": name,
                "active": active,
                "phoneNumber": f"{area}-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}",
                "address": address,
            }
            self.sites[sid] = SiteRecord(sid, name, active, wire)
        for n, (name, street, city, state, zip_code) in enumerate(catalog.WAREHOUSES):
            wid = FIRST_WAREHOUSE_ID + n
            wire = {
                "id": wid,
                "name": name,
                "active": True,
                "phoneNumber": f"800-555-01{n:02d}",
                "address": {
                    "lineOne": street,
                    "city": city,
                    "state": state,
                    "zipCode": zip_code,
                    "country": "USA",
                },
            }
            self.warehouses[wid] = SiteRecord(wid, name, True, wire)

    # --- catalog ----------------------------------------------------------------------------

    def _make_items(self) -> None:
        for pos, spec in enumerate(catalog.ITEMS):
            iid = FIRST_ITEM_ID + pos
            sku = f"IMP-{spec.item_class[:3].upper()}-{iid}"
            orderable = pos not in catalog.NON_ORDERABLE
            wire: JsonDict = {
                "id": iid,
                "manufacturer": self.manufacturers[spec.manufacturer_id],
                "name": spec.name,
                "model": spec.model,
                "sku": sku,
                "orderable": orderable,
            }
            length, width, height = spec.dimensions
            detailed: JsonDict = dict(wire)
            if spec.identifier:
                detailed["deviceIdentifierType"] = spec.identifier
            detailed.update(
                itemClass=spec.item_class,
                itemClassType=spec.class_type,
                size=spec.size,
                dimensions={"length": length, "width": width, "height": height, "unit": "in"},
                certifications=[],
                itemCertifications=[],
            )
            if spec.reading_type:
                detailed["readingType"] = spec.reading_type
            self.items[iid] = ItemRecord(
                iid,
                spec.name,
                spec.model,
                sku,
                spec.manufacturer_id,
                orderable,
                spec.identifier,
                spec.item_class,
                spec.size,
                spec.reading_type,
                wire,
                detailed,
            )

    def _make_kits(self) -> None:
        for n, spec in enumerate(catalog.KITS):
            kid = FIRST_KIT_ID + n
            lines = tuple((FIRST_ITEM_ID + pos, count) for pos, count in spec.lines)
            wire: JsonDict = {
                "id": kid,
                "name": spec.name,
                "archived": spec.archived,
                "kitItems": [
                    {
                        "item": self.items[iid].wire,
                        "count": count,
                        "drivesExternalIdentifier": i == 0,
                    }
                    for i, (iid, count) in enumerate(lines)
                ],
            }
            loaner = spec.name.startswith(catalog.LOANER_PREFIX)
            self.kits[kid] = KitRecord(kid, spec.name, spec.archived, loaner, lines, wire)

    def stock(self, item_id: int) -> int:
        """New units across all Impilo warehouses (deterministic; orders do not consume it)."""
        if item_id - FIRST_ITEM_ID in catalog.OUT_OF_STOCK:
            return 0
        return sum(self.warehouse_stock(item_id, wid)[0] for wid in self.warehouses)

    def warehouse_stock(self, item_id: int, warehouse_id: int) -> tuple[int, int]:
        """(new, used) units of an item at one warehouse."""
        if item_id - FIRST_ITEM_ID in catalog.OUT_OF_STOCK:
            return 0, 0
        h = (item_id * 7919 + warehouse_id * 104729 + self.random_seed * 31) % 100_003
        return 40 + h % 1800, h % 37

    def site_stock(self, item_id: int, site_id: int) -> tuple[int, int] | None:
        """(new, used) units of an item held at a customer site, or None when it holds none."""
        h = (item_id * 2654435761 + site_id * 40503 + self.random_seed) % 1_000_003
        if h % 5:  # each site keeps a small shelf of about a fifth of the catalog
            return None
        return h % 25, h % 4

    # --- patients ---------------------------------------------------------------------------

    def _make_patients(self, rng: random.Random) -> None:
        count = self.size.patients
        site_ids = list(self.sites)
        # Uneven site sizes: a few big clinics, many small ones.
        weights = [1.0 + 9.0 * rng.random() ** 3 for _ in site_ids]
        chosen_sites = rng.choices(site_ids, weights=weights, k=count)
        mrns = rng.sample(range(1, 1_000_000), count)
        today = date.fromtimestamp(self.history_end)
        dob_low = date(1928, 1, 1).toordinal()
        dob_high = (today - timedelta(days=18 * 366)).toordinal()
        used_emails: set[str] = set()
        rand = rng.random

        def randint(low: int, high: int) -> int:
            # random.randint is several times slower; this matters for the large seed.
            return low + int(rand() * (high - low + 1))

        first_f, first_m, lasts = catalog.FIRST_NAMES_F, catalog.FIRST_NAMES_M, catalog.LAST_NAMES
        streets, domains = catalog.STREETS, catalog.EMAIL_DOMAINS
        for n in range(count):
            pid = FIRST_PATIENT_ID + n
            site = self.sites[chosen_sites[n]].wire["address"]
            roll = rand()
            sex = (
                "female"
                if roll < 0.5
                else "male"
                if roll < 0.98
                else "other"
                if roll < 0.99
                else "unknown"
            )
            names = first_f if sex == "female" or (sex != "male" and roll < 0.985) else first_m
            first = names[int(rand() * len(names))]
            last = lasts[int(rand() * len(lasts))]
            if n % 200 == 7 and n >= 4:
                # Same name as an earlier patient, different birthday: the picker must show DOBs.
                twin = self.patients[pid - 4]
                first, last = twin.first_name, twin.last_name
            # Skew ages older: remote monitoring patients are mostly over 50.
            dob = date.fromordinal(dob_high - int((dob_high - dob_low) * (rand() ** 0.7)))
            email: str | None = None
            if rand() > 0.04:
                local = f"{first}.{last}".lower().replace("'", "").replace(" ", "")
                email = f"{local}{randint(1, 99)}@{domains[int(rand() * len(domains))]}"
                while email in used_emails:
                    email = f"{local}{randint(100, 9999)}@{domains[int(rand() * len(domains))]}"
                used_emails.add(email)
            if rand() < 0.8:
                city, state, zip3 = site["city"], site["state"], site["zipCode"][:3]
                area = self.sites[chosen_sites[n]].wire["phoneNumber"][:3]
            else:
                city, state, zip3, area = catalog.CITIES[int(rand() * len(catalog.CITIES))]
            archived = n >= ALWAYS_ACTIVE_PATIENTS and rand() < 0.04
            enrolled = not archived and rand() > 0.05
            line_two = f"Apt {randint(1, 40)}{'ABCD'[randint(0, 3)]}" if rand() < 0.25 else None
            self.patients[pid] = PatientRecord(
                id=pid,
                external_identifier=f"MRN-{mrns[n]:06d}",
                first_name=first,
                last_name=last,
                date_of_birth=dob.isoformat(),
                email=email,
                phone_number=f"{area}-{randint(200, 999)}-{randint(0, 9999):04d}",
                archived=archived,
                enrolled=enrolled,
                sex=sex,
                line_one=f"{randint(1, 9999)} {streets[int(rand() * len(streets))]}",
                line_two=line_two,
                city=city,
                state=state,
                zip_code=f"{zip3}{randint(0, 99):02d}",
                country="USA",
                site_id=chosen_sites[n],
                search_name=f"{first} {last}".lower(),
            )

    def add_patient(self, patient: PatientRecord) -> None:
        """One more patient (a test's canary, whose values it looks for in every log). Call
        it before a server serves this seed: the seed is read-only once serving."""
        if patient.site_id is not None and patient.site_id not in self.sites:
            raise ValueError(f"no site {patient.site_id} in the seed")
        self.patients[patient.id] = patient
        self.by_external_identifier[patient.external_identifier] = patient.id
        if patient.email:
            self.by_email[patient.email.lower()] = patient.id

    def patient_wire(self, p: PatientRecord) -> JsonDict:
        """The Patient JSON, with its address and full site."""
        address: JsonDict = {"lineOne": p.line_one}
        if p.line_two:
            address["lineTwo"] = p.line_two
        address.update(city=p.city, state=p.state, zipCode=p.zip_code, country=p.country)
        wire: JsonDict = {"id": p.id}
        if p.external_identifier:
            wire["externalIdentifier"] = p.external_identifier
        wire.update(firstName=p.first_name, lastName=p.last_name)
        if p.date_of_birth:
            wire["dateOfBirth"] = p.date_of_birth
        if p.email:
            wire["email"] = p.email
        if p.phone_number:
            wire["phoneNumber"] = p.phone_number
        wire.update(archived=p.archived, address=address)
        if p.site_id is not None:
            wire["site"] = self.sites[p.site_id].wire
        wire["enrolled"] = p.enrolled
        if p.sex:
            wire["sex"] = p.sex
        return wire

    # --- order history skeleton -------------------------------------------------------------

    def _make_order_skeleton(self, rng: random.Random) -> None:
        """Recipient, status and placement time of every historical order, in compact arrays."""
        count = self.size.orders
        span = self.size.history_days * 86400.0
        start = self.history_end - span
        patient_ids = list(self.patients)
        active_sites = [s.id for s in self.sites.values() if s.active]
        all_sites = list(self.sites)
        self.order_patient = array("q", bytes(8 * count))
        self.order_site = array("q", bytes(8 * count))
        self.order_status = bytearray(count)
        self.order_time = array("d", bytes(8 * count))
        self.orders_by_patient: dict[int, list[int]] = {}
        self.order_external_ids: dict[int, list[str]] = {}
        self.orders_by_external_id: dict[str, list[int]] = {}
        recent = _weights(
            orderPlaced=40, awaitingShipment=30, pendingInventory=10, onHold=5,
            pendingAdditionalInformation=5, reconfirmAddress=5, voided=5,
        )  # fmt: skip
        week = _weights(
            shipped=40, awaitingShipment=8, pendingInventory=8, onHold=5, reconfirmAddress=5,
            pendingAdditionalInformation=4, availableForPickup=5, unsuccessfulDelivery=3,
            delivered=15, voided=5,
        )  # fmt: skip
        old = _weights(
            delivered=80, returnIssued=4, unableToFulfill=3, voided=6, unsuccessfulDelivery=2,
            availableForPickup=1, shipped=1, onHold=1, pendingInventory=1, reconfirmAddress=1,
        )  # fmt: skip
        tables = [list(itertools.accumulate(t)) for t in (recent, week, old)]
        rand = rng.random
        for n in range(count):
            oid = FIRST_ORDER_ID + n
            placed = start + span * (n + rand() * 0.9) / count
            self.order_time[n] = placed
            age_days = (self.history_end - placed) / 86400.0
            cumulative = tables[0] if age_days < 2 else tables[1] if age_days < 7 else tables[2]
            self.order_status[n] = bisect.bisect_right(cumulative, rand() * cumulative[-1])
            if rand() < 0.85:
                pid = patient_ids[int(rand() * len(patient_ids))]
                self.order_patient[n] = pid
                self.orders_by_patient.setdefault(pid, []).append(oid)
            else:
                pool = all_sites if age_days > 60 else active_sites
                self.order_site[n] = pool[int(rand() * len(pool))]
            if rand() < 0.3:
                ext = [f"EHR-{rng.randint(100000, 999999)}-{n % 97:02d}"]
                if rand() < 0.2:
                    ext.append(f"PO-{2024 + n % 2}-{rng.randint(1000, 9999)}")
                self.order_external_ids[oid] = ext
                for ref in ext:
                    self.orders_by_external_id.setdefault(ref, []).append(oid)
        # Every status appears among the newest orders, so the first history page shows them all.
        for k in range(len(STATUSES)):
            n = count - 2 - 3 * k
            if n >= 0:
                self.order_status[n] = k

    @property
    def last_order_id(self) -> int:
        return FIRST_ORDER_ID + self.size.orders - 1


def _weights(**weights: int) -> list[int]:
    return [weights.get(name, 0) for name in STATUSES]

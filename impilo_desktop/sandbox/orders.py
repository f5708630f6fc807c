"""Orders in the sandbox: the record kept per order, how a historical order is expanded from
the compact seed skeleton, how status follows the server clock, and the Order JSON.

Everything here is deterministic: the lines, tracking numbers and devices of an order come
from a random generator seeded with the order id, so a re-read always gives the same order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from impilo_desktop.sandbox import catalog
from impilo_desktop.sandbox.detours import IMPILO_STAFF, Detour, walk
from impilo_desktop.sandbox.patients import Patients
from impilo_desktop.sandbox.seed import (
    FIRST_ORDER_ID,
    STATUSES,
    JsonDict,
    SeedData,
    iso,
)

# Created orders walk this path, one step per `progress_seconds` of server time.
PROGRESSION: tuple[str, ...] = ("orderPlaced", "awaitingShipment", "shipped", "delivered")
# Statuses from which DELETE /order/{id} may still void an order (nothing has left the warehouse).
VOIDABLE: frozenset[str] = frozenset(
    {
        "orderPlaced",
        "awaitingShipment",
        "pendingInventory",
        "onHold",
        "pendingAdditionalInformation",
        "reconfirmAddress",
    }
)
# The event path that leads to each historical status.
_PATHS: dict[str, tuple[str, ...]] = {
    "orderPlaced": ("orderPlaced",),
    "awaitingShipment": ("orderPlaced", "awaitingShipment"),
    "pendingInventory": ("orderPlaced", "pendingInventory"),
    "onHold": ("orderPlaced", "onHold"),
    "pendingAdditionalInformation": ("orderPlaced", "pendingAdditionalInformation"),
    "reconfirmAddress": ("orderPlaced", "awaitingShipment", "reconfirmAddress"),
    "shipped": ("orderPlaced", "awaitingShipment", "shipped"),
    "availableForPickup": ("orderPlaced", "awaitingShipment", "shipped", "availableForPickup"),
    "unsuccessfulDelivery": ("orderPlaced", "awaitingShipment", "shipped", "unsuccessfulDelivery"),
    "delivered": ("orderPlaced", "awaitingShipment", "shipped", "delivered"),
    "returnIssued": ("orderPlaced", "awaitingShipment", "shipped", "delivered", "returnIssued"),
    "unableToFulfill": ("orderPlaced", "pendingInventory", "unableToFulfill"),
    "voided": ("orderPlaced", "voided"),
}
# Hours between consecutive events of a historical order: (low, high).
_GAPS: dict[str, tuple[float, float]] = {
    "awaitingShipment": (1, 20),
    "pendingInventory": (2, 30),
    "onHold": (2, 48),
    "pendingAdditionalInformation": (2, 48),
    "reconfirmAddress": (4, 30),
    "shipped": (10, 48),
    "availableForPickup": (30, 90),
    "unsuccessfulDelivery": (30, 90),
    "delivered": (30, 100),
    "returnIssued": (72, 400),
    "unableToFulfill": (48, 200),
    "voided": (0.2, 30),
}
DEVICES_PER_LINE_CAP = 20
PACKED_KITS_PER_LINE_CAP = 10
# Device ids are `order id * DEVICE_BASE + n`; packed kits use n >= PACKED_KIT_OFFSET.
DEVICE_BASE = 1000
PACKED_KIT_OFFSET = 500


@dataclass(slots=True)
class OrderRecord:
    """One order as the server keeps it. `timeline` is fixed for historical orders; created
    orders have none and derive their events from the clock (see `events`)."""

    id: int
    patient_id: int | None
    site_id: int | None
    item_lines: list[tuple[int, int]]
    kit_lines: list[tuple[int, int]]
    external_ids: list[str]
    notes: list[tuple[str, float, tuple[int, str, str, str] | None]]
    shipping_option: str
    email_label: bool
    placed_at: float
    timeline: list[tuple[str, float]] | None = None
    voided_at: float | None = None
    return_items: list[tuple[int, int]] = field(default_factory=list)
    return_devices: list[int] = field(default_factory=list)
    return_packed_kits: list[tuple[int, int]] = field(default_factory=list)
    # A created order's stays in needs-action statuses, oldest first (sandbox/detours.py).
    detours: list[Detour] = field(default_factory=list)

    def events(self, now: float, progress_seconds: float) -> list[tuple[str, float]]:
        """(status, epoch seconds) events up to `now`, oldest first."""
        if self.timeline is not None:
            events = list(self.timeline)
        elif self.detours:
            planned = walk(PROGRESSION, self.placed_at, progress_seconds, self.detours)
            events = [e for e in planned if e[1] <= now] or planned[:1]
        else:
            steps = int(max(0.0, now - self.placed_at) // progress_seconds)
            last = min(steps, len(PROGRESSION) - 1)
            events = [
                (PROGRESSION[k], self.placed_at + k * progress_seconds) for k in range(last + 1)
            ]
        if self.voided_at is not None:
            events = [e for e in events if e[1] <= self.voided_at]
            events.append(("voided", self.voided_at))
        return events

    def status(self, now: float, progress_seconds: float) -> str:
        return self.events(now, progress_seconds)[-1][0]

    def notes_at(self, now: float) -> list[tuple[str, float, tuple[int, str, str, str] | None]]:
        """The notes, with Impilo's own from each detour that has started by `now`."""
        asked = [(d.note, d.at, IMPILO_STAFF) for d in self.detours if d.note and d.at <= now]
        return sorted([*self.notes, *asked], key=lambda note: note[1])


def expand_historical(seed: SeedData, order_id: int) -> OrderRecord:
    """The full record of a seeded order, regenerated from its id."""
    n = order_id - FIRST_ORDER_ID
    rng = random.Random(seed.random_seed * 1_000_003 + order_id)
    patient_id = seed.order_patient[n] or None
    site_id = seed.order_site[n] or None
    placed = seed.order_time[n]
    status = STATUSES[seed.order_status[n]]
    orderable = [i for i in seed.items.values() if i.orderable and i.item_class != "info"]
    usable_kits = [k for k in seed.kits.values() if not k.archived and (patient_id or not k.loaner)]
    old_kits = [k for k in seed.kits.values() if not k.loaner]
    item_lines: list[tuple[int, int]] = []
    kit_lines: list[tuple[int, int]] = []
    if rng.random() < 0.6:
        pool = old_kits if (seed.history_end - placed) > 200 * 86400 else usable_kits
        kit = pool[int(rng.random() * len(pool))]
        kit_lines.append((kit.id, 1 if kit.loaner or rng.random() < 0.85 else 2))
    if not kit_lines or rng.random() < 0.4:
        for item in rng.sample(orderable, rng.randint(1, 3)):
            count = 1 if item.identifier_type else rng.randint(1, 4)
            item_lines.append((item.id, count))
    timeline: list[tuple[str, float]] = []
    when = placed
    for step in _PATHS[status]:
        if step != "orderPlaced":
            low, high = _GAPS[step]
            when += 3600.0 * (low + (high - low) * rng.random())
        timeline.append((step, when))
    overshoot = timeline[-1][1] - (seed.history_end - 60.0)
    if overshoot > 0 and len(timeline) > 1:
        # Squeeze the events of very recent orders so that none lies in the future.
        room = max(1.0, timeline[-1][1] - placed)
        scale = max(0.0, (room - overshoot) / room)
        timeline = [(name, placed + (t - placed) * scale) for name, t in timeline]
    notes: list[tuple[str, float, tuple[int, str, str, str] | None]] = []
    if rng.random() < 0.15:
        for k, text in enumerate(rng.sample(catalog.NOTES, rng.randint(1, 2))):
            author = catalog.COORDINATORS[int(rng.random() * len(catalog.COORDINATORS))]
            notes.append((text, placed + 60.0 * (k + 1), author if rng.random() < 0.9 else None))
    return OrderRecord(
        id=order_id,
        patient_id=patient_id,
        site_id=site_id,
        item_lines=item_lines,
        kit_lines=kit_lines,
        external_ids=list(seed.order_external_ids.get(order_id, ())),
        notes=notes,
        shipping_option="overnight" if rng.random() < 0.12 else "standard",
        email_label=False,
        placed_at=placed,
        timeline=timeline,
    )


# --- JSON -----------------------------------------------------------------------------------


def order_wire(
    seed: SeedData,
    order: OrderRecord,
    now: float,
    progress_seconds: float,
    patients: Patients | None = None,
) -> JsonDict:
    """The Order JSON as `GET /order/{id}` returns it; the patient as `patients` holds it now
    (created with an order, changed since the seed), else as seeded."""
    events = order.events(now, progress_seconds)
    wire: JsonDict = {"id": order.id, "externalOrderIds": list(order.external_ids)}
    if order.patient_id is not None:
        record = patients.get(order.patient_id) if patients else seed.patients.get(order.patient_id)
        assert record is not None  # orders only name patients that exist
        wire["patient"] = seed.patient_wire(record)
    if order.site_id is not None:
        wire["site"] = seed.sites[order.site_id].wire
    wire["currentStatus"] = events[-1][0]
    wire["orderItems"] = [
        {"item": seed.items[iid].wire, "count": count} for iid, count in order.item_lines
    ]
    wire["orderKits"] = [
        {"kit": seed.kits[kid].wire, "count": count} for kid, count in order.kit_lines
    ]
    wire["orderEvents"] = [{"name": name, "eventTimestamp": iso(t)} for name, t in events]
    wire["orderNotes"] = [_note_wire(text, at, by) for text, at, by in order.notes_at(now)]
    shipped = {name: t for name, t in events}
    tracking, devices, packed = shipment(seed, order, shipped, wire.get("patient"))
    wire["trackingNumbers"] = tracking
    wire["devices"] = devices
    wire["packedKits"] = packed
    wire["shippingOption"] = order.shipping_option
    wire["emailLabel"] = order.email_label
    wire["returnItems"] = [{"id": iid, "count": count} for iid, count in order.return_items]
    wire["returnDevices"] = [{"id": did} for did in order.return_devices]
    wire["returnPackedKits"] = [{"id": pid, "quantity": q} for pid, q in order.return_packed_kits]
    return wire


def _note_wire(text: str, at: float, by: tuple[int, str, str, str] | None) -> JsonDict:
    note: JsonDict = {"note": text, "createdAt": iso(at)}
    if by is not None:
        uid, first, last, email = by
        note["createdBy"] = {"id": uid, "firstName": first, "lastName": last, "email": email}
    return note


def shipment(
    seed: SeedData,
    order: OrderRecord,
    event_times: dict[str, float],
    patient: JsonDict | None,
) -> tuple[list[JsonDict], list[JsonDict], list[JsonDict]]:
    """Tracking numbers, item devices and packed kits; all empty until the order has shipped."""
    shipped_at = event_times.get("shipped")
    if shipped_at is None:
        return [], [], []
    rng = random.Random(seed.random_seed * 7_368_787 + order.id)
    if order.shipping_option == "overnight":
        carrier = "UPS" if rng.random() < 0.5 else "FedEx"
    else:
        carrier = ("USPS", "USPS", "UPS", "FedEx")[int(rng.random() * 4)]
    tracking = [{"carrier": carrier, "value": _tracking_number(carrier, rng)}]
    delivered_at = event_times.get("delivered")
    # A patient created with an order may have no site: its devices then name none.
    site = patient.get("site") if patient else seed.sites[order.site_id or 0].wire
    serial = 0

    def device(item_id: int) -> JsonDict:
        nonlocal serial
        item = seed.items[item_id]
        did = order.id * DEVICE_BASE + serial
        serial += 1
        dev_events = [{"type": "shipped", "eventTimestamp": iso(shipped_at)}]
        dev: JsonDict = {"id": did, "item": item.wire, "used": False}
        if delivered_at is not None:
            dev_events.append({"type": "delivered", "eventTimestamp": iso(delivered_at)})
            if patient is not None:
                dev["currentStatus"] = "withPatient"
                dev["currentPatient"] = patient
                dev_events.append(
                    {"type": "withPatient", "eventTimestamp": iso(delivered_at + 60.0)}
                )
                dev["lastHealthCheck"] = iso(delivered_at + 3600.0 * (2 + rng.random() * 40))
            else:
                dev["currentStatus"] = "availableAtSite"
        else:
            dev["currentStatus"] = "shipped"
        if site is not None:
            dev["site"] = site
        kind = item.identifier_type or "serial"
        dev["deviceIdentifiers"] = [{"type": kind, "value": _identifier(kind, item.model, rng)}]
        dev["deviceEvents"] = dev_events
        dev["externalIdentifier"] = f"DEV-{did}"
        dev["disabledReadings"] = False
        return dev

    devices = [
        device(iid)
        for iid, count in order.item_lines
        if seed.items[iid].identifier_type
        for _ in range(min(count, DEVICES_PER_LINE_CAP))
    ]
    packed: list[JsonDict] = []
    for kid, count in order.kit_lines:
        kit = seed.kits[kid]
        for _ in range(min(count, PACKED_KITS_PER_LINE_CAP)):
            pk_id = order.id * DEVICE_BASE + PACKED_KIT_OFFSET + len(packed)
            kit_devices = [
                device(iid)
                for iid, n in kit.lines
                if seed.items[iid].identifier_type
                for _ in range(n)
            ]
            packed.append(
                {
                    "id": pk_id,
                    "externalIdentifier": f"PK-{pk_id}",
                    "kit": kit.wire,
                    "devices": kit_devices,
                }
            )
    return tracking, devices, packed


def _tracking_number(carrier: str, rng: random.Random) -> str:
    if carrier == "USPS":
        return "9400" + "".join(str(rng.randrange(10)) for _ in range(18))
    if carrier == "UPS":
        alphabet = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
        return "1Z" + "".join(alphabet[rng.randrange(len(alphabet))] for _ in range(16))
    return "".join(str(rng.randrange(10)) for _ in range(12))


def _identifier(kind: str, model: str, rng: random.Random) -> str:
    def digits(k: int) -> str:
        return "".join(str(rng.randrange(10)) for _ in range(k))

    if kind == "imei":
        return "35" + digits(13)
    if kind == "iccid":
        return "8901260" + digits(12)
    if kind == "macAddress":
        return ":".join(f"{rng.randrange(256):02X}" for _ in range(6))
    if kind == "simCardNumber":
        return "89" + digits(18)
    prefix = "".join(c for c in model.upper() if c.isalnum())[:4]
    return f"{prefix}{digits(8)}"

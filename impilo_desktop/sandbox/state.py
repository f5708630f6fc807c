"""The sandbox's mutable world: the seed, the orders created or voided since start, and the
server clock that moves orders along. Shared between the server thread and test threads, so
every access takes the lock. With a `StateFile` attached, every change is saved before the
request that made it is answered, so an order a client heard about survives a restart.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from impilo_desktop.sandbox import catalog
from impilo_desktop.sandbox.detours import (
    NEEDS_ACTION,
    RECONFIRM_ADDRESS,
    AddressKey,
    address_key,
    new_detour,
    planned_detour,
)
from impilo_desktop.sandbox.errors import ApiError, bad_request, not_found
from impilo_desktop.sandbox.orders import (
    DEVICE_BASE,
    PACKED_KIT_OFFSET,
    VOIDABLE,
    OrderRecord,
    expand_historical,
    order_wire,
)
from impilo_desktop.sandbox.patient_rules import changed_patient
from impilo_desktop.sandbox.patients import ChangeCount, Patients
from impilo_desktop.sandbox.persist import SavedState, StateFile
from impilo_desktop.sandbox.rules import validate_order
from impilo_desktop.sandbox.seed import FIRST_ORDER_ID, JsonDict, SeedData

DEFAULT_PROGRESS_SECONDS = 45.0
_CACHE_SIZE = 2048
# Where an order may be put into a needs-action status by hand (`put_in_needs_action`): the
# ones before shipping need a parcel not yet shipped, the others one not yet delivered.
_NOT_SHIPPED = frozenset({"orderPlaced", "awaitingShipment", *NEEDS_ACTION[:2]})
_NOT_DELIVERED = _NOT_SHIPPED | {"shipped", *NEEDS_ACTION}


class SandboxState:
    """Orders and clock of one sandbox server; survives stop()/start() of the listener."""

    def __init__(self, seed: SeedData, progress_seconds: float = DEFAULT_PROGRESS_SECONDS) -> None:
        if progress_seconds <= 0:
            raise ValueError("progress_seconds must be positive")
        self.seed = seed
        # The seed's patients, and those created with orders or changed since.
        self.patients = Patients(seed)
        self.progress_seconds = float(progress_seconds)
        self._lock = threading.RLock()
        self._offset = 0.0
        # Orders created through the API, and seeded orders changed since start (voided).
        self._orders: dict[int, OrderRecord] = {}
        self._created_ids: list[int] = []  # ascending; after a reset ids need not be contiguous
        self._created_by_external_id: dict[str, list[int]] = {}
        self._created_by_patient: dict[int, list[int]] = {}
        # Orders in (or heading for) "Confirm address", waiting for their patient's address
        # to change.
        self._waiting: set[int] = set()
        self._next_id = seed.last_order_id + 1
        self._expanded: OrderedDict[int, OrderRecord] = OrderedDict()
        self._file: StateFile | None = None

    # --- memory across restarts -------------------------------------------------------------

    def attach(self, file: StateFile) -> None:
        """Take over what `file` holds (if anything usable), then save every change to it."""
        with self._lock:
            saved = file.load(self.seed)
            self._file = file
            if saved is None:
                return
            self._forget_changes()
            self._next_id = saved.next_order_id
            self._offset = saved.clock_offset
            self.patients.load(saved.patients, saved.next_patient_id, saved.patient_changes)
            for record in sorted(saved.orders, key=lambda r: r.id):
                self._orders[record.id] = record
                if record.id > self.seed.last_order_id:
                    self._index_created(record)

    def reset(self) -> None:
        """Back to the seed: created and voided orders, created and changed patients and the
        clock offset are forgotten. The id counters are kept, so an id handed out before never
        names a different order or patient."""
        with self._lock:
            self._forget_changes()
            self._offset = 0.0
            self._saved()

    def _forget_changes(self) -> None:
        self._orders.clear()
        self._created_ids.clear()
        self._created_by_external_id.clear()
        self._created_by_patient.clear()
        self._waiting.clear()
        self._expanded.clear()
        self.patients.forget()

    def _index_created(self, record: OrderRecord) -> None:
        self._created_ids.append(record.id)
        for ref in set(record.external_ids):
            self._created_by_external_id.setdefault(ref, []).append(record.id)
        if record.patient_id is not None:
            self._created_by_patient.setdefault(record.patient_id, []).append(record.id)
        if _waits_for_address(record):
            self._waiting.add(record.id)

    def _saved(self) -> None:
        """Write the changes since the seed to the attached file (called with the lock held)."""
        if self._file is not None:
            patients = self.patients
            snapshot = SavedState(
                self._next_id,
                self._offset,
                list(self._orders.values()),
                next_patient_id=patients.next_id,
                patients=patients.changed_records(),
                patient_changes=dict(patients.changes),
            )
            self._file.save(self.seed, snapshot)

    # --- clock ------------------------------------------------------------------------------

    def now(self) -> float:
        """Server time in epoch seconds: the wall clock plus every `advance_time`."""
        with self._lock:
            return time.time() + self._offset

    def advance_time(self, seconds: float) -> None:
        """Move the server clock forward (orders progress one step per `progress_seconds`)."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        with self._lock:
            # An address changed before the clock jumps was changed at the time it was.
            self._notice_addresses()
            self._offset += seconds
            self._saved()

    # --- orders -----------------------------------------------------------------------------

    @property
    def order_count(self) -> int:
        """Every order there is: the seeded history and the orders created since."""
        with self._lock:
            return self.seed.size.orders + len(self._created_ids)

    def record(self, order_id: int) -> OrderRecord | None:
        with self._lock:
            found = self._orders.get(order_id)
            if found is not None:
                return found
            if not FIRST_ORDER_ID <= order_id <= self.seed.last_order_id:
                return None
            cached = self._expanded.get(order_id)
            if cached is None:
                cached = expand_historical(self.seed, order_id)
                self._expanded[order_id] = cached
                if len(self._expanded) > _CACHE_SIZE:
                    self._expanded.popitem(last=False)
            else:
                self._expanded.move_to_end(order_id)
            return cached

    def order(self, order_id: int) -> JsonDict:
        """The Order JSON, or a 404 `ApiError`."""
        with self._lock:
            self._notice_addresses()
            record = self.record(order_id)
            if record is None:
                raise not_found("order", order_id)
            return self._wire(record, self.now())

    def _wire(self, record: OrderRecord, now: float) -> JsonDict:
        return order_wire(self.seed, record, now, self.progress_seconds, self.patients)

    def order_ids(
        self, patient_id: int | None, external_ids: Sequence[str]
    ) -> tuple[int, list[int] | None]:
        """(total, ids newest first) matching the filters; ids is None for "every order", which
        the caller pages by arithmetic instead of building a list of them all."""
        with self._lock:
            if patient_id is None and not external_ids:
                return self.order_count, None
            chosen: set[int] = set()
            if external_ids:
                for ref in external_ids:
                    chosen.update(self.seed.orders_by_external_id.get(ref, ()))
                    chosen.update(self._created_by_external_id.get(ref, ()))
                if patient_id is not None:
                    chosen = {oid for oid in chosen if self._patient_of(oid) == patient_id}
            else:
                assert patient_id is not None
                chosen.update(self.seed.orders_by_patient.get(patient_id, ()))
                chosen.update(self._created_by_patient.get(patient_id, ()))
            ids = sorted(chosen, reverse=True)
            return len(ids), ids

    def _patient_of(self, order_id: int) -> int | None:
        record = self._orders.get(order_id)
        if record is not None:
            return record.patient_id
        return self.seed.order_patient[order_id - FIRST_ORDER_ID] or None

    def orders_page(self, page: int, size: int, ids: list[int] | None) -> list[JsonDict]:
        """The Order JSON of one page (1-based) of `ids`, or of every order newest first."""
        with self._lock:
            start = (page - 1) * size
            if ids is None:
                # Created orders newest first, then the seeded history (contiguous ids).
                created = self._created_ids
                newest_seeded = self.seed.last_order_id + len(created)
                chosen = [
                    created[-1 - k] if k < len(created) else newest_seeded - k
                    for k in range(start, start + size)
                    if newest_seeded - k >= FIRST_ORDER_ID
                ]
            else:
                chosen = ids[start : start + size]
            return [self.order(oid) for oid in chosen]

    def create_order(self, body: object) -> JsonDict:
        """Validate and place an order; returns its JSON (status orderPlaced)."""
        with self._lock:
            now = self.now()
            valid = validate_order(
                body, self.patients, _day(now), self.find_device, self.find_packed_kit
            )
            if valid.new_patient is not None:
                # Created together with the order, after every rule passed, saved with it.
                self.patients.create(valid.new_patient)
                valid.patient_id = valid.new_patient.id
            oid = self._next_id
            self._next_id += 1
            detour = planned_detour(
                oid - self.seed.last_order_id,
                now,
                self.progress_seconds,
                self._address(valid.patient_id),
            )
            record = OrderRecord(
                id=oid,
                patient_id=valid.patient_id,
                site_id=valid.site_id,
                item_lines=valid.item_lines,
                kit_lines=valid.kit_lines,
                external_ids=valid.external_ids,
                notes=[(text, now, catalog.API_USER) for text in valid.notes],
                shipping_option=valid.shipping_option,
                email_label=valid.email_label,
                placed_at=now,
                return_items=valid.return_items,
                return_devices=valid.return_devices,
                return_packed_kits=valid.return_packed_kits,
                detours=[detour] if detour is not None else [],
            )
            self._orders[oid] = record
            self._index_created(record)
            self._saved()
            return self._wire(record, now)

    def void_order(self, order_id: int) -> None:
        """Void an order that has not shipped yet; 400 otherwise."""
        with self._lock:
            record = self.record(order_id)
            if record is None:
                raise not_found("order", order_id)
            now = self.now()
            status = record.status(now, self.progress_seconds)
            if status not in VOIDABLE:
                raise bad_request(
                    "order_not_voidable",
                    f"Order {order_id} is {status} and can no longer be voided.",
                )
            record.voided_at = now
            self._orders[order_id] = record  # a voided seeded order is now kept, not regenerated
            self._expanded.pop(order_id, None)
            self._saved()

    # --- needing the coordinator (sandbox/detours.py) ----------------------------------------

    def put_in_needs_action(self, order_id: int, status: str, note: str | None = None) -> JsonDict:
        """Put a created order into a needs-action `status` now (for tests and demos); its
        JSON. A 400 for a seeded order, an unknown status, or an order past that point."""
        with self._lock:
            if status not in NEEDS_ACTION:
                raise bad_request(
                    "invalid_parameter", f"status must be one of {', '.join(NEEDS_ACTION)}."
                )
            record = self.record(order_id)
            if record is None:
                raise not_found("order", order_id)
            if record.timeline is not None:
                raise bad_request(
                    "not_created_here", "Only orders created in this sandbox can be moved."
                )
            self._notice_addresses()
            now = self.now()
            current = record.status(now, self.progress_seconds)
            allowed = _NOT_SHIPPED if status in NEEDS_ACTION[:2] else _NOT_DELIVERED
            address = self._address(record.patient_id)
            if current not in allowed or (status == RECONFIRM_ADDRESS and address is None):
                message = f"Order {order_id} is {current} and cannot go to {status}."
                raise bad_request("invalid_transition", message)
            # Planned detours are dropped; one under way ends where this one begins.
            record.detours = [d for d in record.detours if d.at <= now]
            for detour in record.detours:
                if detour.until is None or detour.until > now:
                    detour.until = now
            record.detours.append(new_detour(status, now, self.progress_seconds, address, note))
            self._waiting.discard(order_id)
            if _waits_for_address(record):
                self._waiting.add(order_id)
            self._saved()
            return self._wire(record, now)

    def _address(self, patient_id: int | None) -> AddressKey | None:
        patient = self.patients.get(patient_id) if patient_id is not None else None
        return address_key(patient) if patient is not None else None

    def _notice_addresses(self) -> None:
        """Orders waiting in "Confirm address" whose patient's address has changed move on
        one step from now (called with the lock held, before every read and clock jump)."""
        if not self._waiting:
            return
        now = self.now()
        changed = False
        for order_id in sorted(self._waiting):
            record = self._orders[order_id]
            detour = record.detours[-1]
            if record.voided_at is not None:
                self._waiting.discard(order_id)
                continue
            if detour.at > now or self._address(record.patient_id) == detour.address:
                continue
            detour.until = now + self.progress_seconds
            self._waiting.discard(order_id)
            changed = True
        if changed:
            self._saved()

    # --- patients ---------------------------------------------------------------------------

    def read_patients(self, read: Callable[[Patients], JsonDict]) -> JsonDict:
        """`read(patients)` under the lock (the list and lookup endpoints)."""
        with self._lock:
            return read(self.patients)

    def patient_json(self, patient_id: int) -> JsonDict:
        """The Patient JSON, or a 404 `ApiError`."""
        with self._lock:
            record = self.patients.get(patient_id)
            if record is None:
                raise not_found("patient", patient_id)
            return self.patients.wire(record)

    def change_patient(self, patient_id: int, body: object, *, partial: bool) -> JsonDict:
        """`PUT` (`partial=False`) or `PATCH` a patient; returns the Patient JSON. Every field
        is checked before anything changes; the request is counted (see `patient_changes`)."""
        with self._lock:
            current = self.patients.get(patient_id)
            if current is None:
                raise not_found("patient", patient_id)
            record = changed_patient(
                body, current, self.patients, _day(self.now()), partial=partial
            )
            self.patients.replace(record)
            self._saved()  # the counts too, whether or not anything changed
            return self.patients.wire(record)

    def patient_changes(self, patient_id: int) -> ChangeCount:
        """How many PUT/PATCH requests changed this patient, and how many changed nothing;
        a 404 `ApiError` for an unknown patient."""
        with self._lock:
            if self.patients.get(patient_id) is None:
                raise not_found("patient", patient_id)
            count = self.patients.changes.get(patient_id, ChangeCount())
            return ChangeCount(count.changed, count.unchanged)

    # --- devices and packed kits (for return lines) -------------------------------------------

    def find_device(self, device_id: int) -> JsonDict | None:
        """A device shipped on some order (item devices and packed-kit devices)."""
        wire = self._shipped_order(device_id)
        if wire is None:
            return None
        for dev in wire["devices"]:
            if dev["id"] == device_id:
                return dict(dev)
        for packed in wire["packedKits"]:
            for dev in packed["devices"]:
                if dev["id"] == device_id:
                    return dict(dev)
        return None

    def find_packed_kit(self, packed_kit_id: int) -> JsonDict | None:
        if packed_kit_id % DEVICE_BASE < PACKED_KIT_OFFSET:
            return None
        wire = self._shipped_order(packed_kit_id)
        if wire is None:
            return None
        for packed in wire["packedKits"]:
            if packed["id"] == packed_kit_id:
                return dict(packed)
        return None

    def _shipped_order(self, thing_id: int) -> JsonDict | None:
        try:
            return self.order(thing_id // DEVICE_BASE)
        except ApiError:
            return None


def _waits_for_address(record: OrderRecord) -> bool:
    last = record.detours[-1] if record.detours else None
    return last is not None and last.status == RECONFIRM_ADDRESS and last.until is None


def _day(now: float) -> date:
    """The server's calendar day (UTC) at epoch seconds `now`."""
    return datetime.fromtimestamp(now, UTC).date()

"""A sandbox's memory across restarts: the orders created or voided since the seed, the
patients created with orders or changed since (with their PUT/PATCH counts), the next order
and patient ids and the clock offset, in one small JSON file. The seed is deterministic, so
nothing else needs keeping.

Format 2 added the patients; a format 1 file (orders only) is read as having none.

The file is rewritten whole after each change (a temporary file, fsync, `os.replace`), so a
crash or a power cut leaves either the old state or the new one, never half of one. A file
that cannot be read, is damaged or was made for another seed is moved aside (kept, renamed),
and the sandbox starts from its seed: practice data must never stop the app.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from impilo_desktop.sandbox.detours import NEEDS_ACTION, AddressKey, Detour
from impilo_desktop.sandbox.orders import OrderRecord
from impilo_desktop.sandbox.patients import ChangeCount
from impilo_desktop.sandbox.seed import FIRST_ORDER_ID, JsonDict, PatientRecord, SeedData

log = logging.getLogger(__name__)

STATE_FILE_NAME = "sandbox-state.json"
FORMAT = 2
READABLE_FORMATS = (1, 2)


@dataclass
class SavedState:
    """What a sandbox changed since its seed."""

    next_order_id: int
    clock_offset: float
    orders: list[OrderRecord]
    # 0: the seed's next patient id (a format 1 file kept none).
    next_patient_id: int = 0
    patients: list[PatientRecord] = field(default_factory=list)
    patient_changes: dict[int, ChangeCount] = field(default_factory=dict)


class StateFile:
    """The file one sandbox keeps its changes in. `problem` says why an existing file was set
    aside when it was loaded (None when it was fine or absent)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.problem: str | None = None
        self._failing = False

    def load(self, seed: SeedData) -> SavedState | None:
        """The saved changes, or None to start from the seed (no file, or an unusable one,
        which is then moved aside)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as error:
            self._set_aside(f"it cannot be read ({error.strerror or error})")
            return None
        try:
            return _decode(json.loads(raw), seed)
        except Exception as error:
            # Whatever is wrong inside (bad JSON, a wrong shape or type, absurd nesting), the
            # file is unusable, and practice data must never keep the app from starting.
            self._set_aside(f"it is damaged ({type(error).__name__}: {error})")
            return None

    def save(self, seed: SeedData, state: SavedState) -> None:
        """Replace the file with `state`. A failure is logged, not raised: the sandbox keeps
        serving from memory, and the next change tries again."""
        data = json.dumps(_encode(seed, state), separators=(",", ":")).encode()
        tmp = self.path.with_name(f"{self.path.name}.tmp")
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())  # the bytes are on disk before the name points at them
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            if not self._failing:  # once per run of failures, not once per order
                log.exception("Could not save the sandbox's orders to %s", self.path)
            self._failing = True
            return
        if self._failing:
            log.info("The sandbox's orders are saved to %s again", self.path)
        self._failing = False

    def _set_aside(self, why: str) -> None:
        """Move an unusable file out of the way (it may still matter to someone) and say why
        in `problem`; the front end reports it (the app's log, the command line's stderr)."""
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.path.with_name(f"{self.path.name}.damaged-{stamp}-{n}")
        try:
            os.replace(self.path, target)
        except OSError as error:
            self.problem = (
                f"The sandbox's saved orders in {self.path} were not used: {why}. Moving the"
                f" file aside failed too ({error.strerror or error}); the sandbox starts again"
                " from its demo data."
            )
            return
        self.problem = (
            f"The sandbox's saved orders in {self.path} were not used: {why}. The file is kept"
            f" as {target.name}; the sandbox starts again from its demo data."
        )


# --- JSON ------------------------------------------------------------------------------------


def _seed_identity(seed: SeedData) -> JsonDict:
    size = seed.size
    return {
        "randomSeed": seed.random_seed,
        "patients": size.patients,
        "orders": size.orders,
        "sites": size.sites,
        "historyDays": size.history_days,
    }


def _encode(seed: SeedData, state: SavedState) -> JsonDict:
    return {
        "format": FORMAT,
        "seed": _seed_identity(seed),
        "nextOrderId": state.next_order_id,
        "clockOffset": state.clock_offset,
        "orders": [_encode_order(r) for r in sorted(state.orders, key=lambda r: r.id)],
        "nextPatientId": state.next_patient_id,
        "patients": [_encode_patient(p) for p in sorted(state.patients, key=lambda p: p.id)],
        "patientChanges": [
            [pid, count.changed, count.unchanged]
            for pid, count in sorted(state.patient_changes.items())
        ],
    }


_PATIENT_TEXTS = (
    "external_identifier", "first_name", "last_name", "date_of_birth", "phone_number", "sex",
    "line_one", "city", "state", "zip_code", "country",
)  # fmt: skip


def _encode_patient(p: PatientRecord) -> JsonDict:
    return {
        "id": p.id,
        **{name: getattr(p, name) for name in _PATIENT_TEXTS},
        "email": p.email,
        "line_two": p.line_two,
        "archived": p.archived,
        "enrolled": p.enrolled,
        "site_id": p.site_id,
    }


def _decode_patient(raw: Any, seed: SeedData) -> PatientRecord:
    texts = {name: _str(raw[name]) for name in _PATIENT_TEXTS}
    record = PatientRecord(
        id=_int(raw["id"]),
        email=_optional_str(raw["email"]),
        line_two=_optional_str(raw["line_two"]),
        archived=_bool(raw["archived"]),
        enrolled=_bool(raw["enrolled"]),
        site_id=_optional_int(raw["site_id"]),
        search_name=f"{texts['first_name']} {texts['last_name']}".lower(),
        **texts,
    )
    if record.site_id is not None and record.site_id not in seed.sites:
        raise ValueError(f"patient {record.id} names an unknown site")
    return record


def _encode_order(r: OrderRecord) -> JsonDict:
    return {
        "id": r.id,
        "patientId": r.patient_id,
        "siteId": r.site_id,
        "itemLines": r.item_lines,
        "kitLines": r.kit_lines,
        "externalIds": r.external_ids,
        "notes": r.notes,
        "shippingOption": r.shipping_option,
        "emailLabel": r.email_label,
        "placedAt": r.placed_at,
        "timeline": r.timeline,
        "voidedAt": r.voided_at,
        "returnItems": r.return_items,
        "returnDevices": r.return_devices,
        "returnPackedKits": r.return_packed_kits,
        "detours": [_encode_detour(d) for d in r.detours],
    }


def _encode_detour(d: Detour) -> JsonDict:
    return {"status": d.status, "at": d.at, "until": d.until, "address": d.address, "note": d.note}


def _decode(doc: Any, seed: SeedData) -> SavedState:
    if not isinstance(doc, dict) or doc.get("format") not in READABLE_FORMATS:
        raise ValueError(f"not a sandbox state file of format {FORMAT}")
    if doc.get("seed") != _seed_identity(seed):
        raise ValueError("it was made for other seed settings")
    first_patient_id = max(seed.patients, default=0) + 1
    if doc["format"] == 1:  # before patients were kept: none created or changed
        doc = {**doc, "nextPatientId": first_patient_id, "patients": [], "patientChanges": []}
    next_patient_id = _int(doc["nextPatientId"])
    if next_patient_id < first_patient_id:
        raise ValueError("its next patient id is inside the seeded patients")
    patients = [_decode_patient(raw, seed) for raw in doc["patients"]]
    known = {p.id for p in patients}
    if len(known) != len(patients):
        raise ValueError("a patient appears twice")
    if any(p.id not in seed.patients and p.id >= next_patient_id for p in patients):
        raise ValueError("a created patient's id is not below the next patient id")
    known.update(seed.patients)
    changes = {
        _int(pid): ChangeCount(_int(changed), _int(unchanged))
        for pid, changed, unchanged in doc["patientChanges"]
    }
    if not changes.keys() <= known:
        raise ValueError("changes are counted for an unknown patient")
    next_id = _int(doc["nextOrderId"])
    if next_id <= seed.last_order_id:
        raise ValueError("its next order id is inside the seeded history")
    orders = [_decode_order(raw, seed, next_id, known) for raw in doc["orders"]]
    if len({r.id for r in orders}) != len(orders):
        raise ValueError("an order appears twice")
    return SavedState(
        next_id, _number(doc["clockOffset"]), orders, next_patient_id, patients, changes
    )


def _decode_order(raw: Any, seed: SeedData, next_id: int, patients: set[int]) -> OrderRecord:
    timeline = raw["timeline"]
    record = OrderRecord(
        id=_int(raw["id"]),
        patient_id=_optional_int(raw["patientId"]),
        site_id=_optional_int(raw["siteId"]),
        item_lines=_pairs(raw["itemLines"]),
        kit_lines=_pairs(raw["kitLines"]),
        external_ids=[_str(ref) for ref in raw["externalIds"]],
        notes=[_note(note) for note in raw["notes"]],
        shipping_option=_str(raw["shippingOption"]),
        email_label=_bool(raw["emailLabel"]),
        placed_at=_number(raw["placedAt"]),
        timeline=None if timeline is None else [(_str(n), _number(t)) for n, t in timeline],
        voided_at=None if raw["voidedAt"] is None else _number(raw["voidedAt"]),
        return_items=_pairs(raw["returnItems"]),
        return_devices=[_int(did) for did in raw["returnDevices"]],
        return_packed_kits=_pairs(raw["returnPackedKits"]),
        # Files from before detours have none.
        detours=[_decode_detour(d) for d in raw.get("detours", [])],
    )
    seeded = FIRST_ORDER_ID <= record.id <= seed.last_order_id
    # A seeded order is kept only once voided, with the timeline it had; a created one has none.
    if seeded != (record.timeline is not None) or not (seeded or record.id < next_id):
        raise ValueError(f"order {record.id} does not fit the seed")
    if seeded and record.detours:
        raise ValueError(f"seeded order {record.id} has a detour")
    if seeded and record.voided_at is None:
        raise ValueError(f"seeded order {record.id} is kept but was not voided")
    # Everything it names must exist, or reading the order would fail later.
    if (record.patient_id is None) == (record.site_id is None):
        raise ValueError(f"order {record.id} needs a patient or a site")
    if record.patient_id is not None and record.patient_id not in patients:
        raise ValueError(f"order {record.id} names an unknown patient")
    if record.site_id is not None and record.site_id not in seed.sites:
        raise ValueError(f"order {record.id} names an unknown site")
    lines = [*record.item_lines, *record.return_items]
    if any(iid not in seed.items for iid, _ in lines):
        raise ValueError(f"order {record.id} names an unknown item")
    if any(kid not in seed.kits for kid, _ in record.kit_lines):
        raise ValueError(f"order {record.id} names an unknown kit")
    return record


def _decode_detour(raw: Any) -> Detour:
    status = _str(raw["status"])
    if status not in NEEDS_ACTION:
        raise ValueError(f"{status!r} is not a needs-action status")
    until, address, note = raw["until"], raw["address"], raw["note"]
    return Detour(
        status=status,
        at=_number(raw["at"]),
        until=None if until is None else _number(until),
        address=None if address is None else _address(address),
        note=None if note is None else _str(note),
    )


def _address(value: Any) -> AddressKey:
    one, two, city, state, zip_code, country = (_str(part) for part in value)
    return one, two, city, state, zip_code, country


def _int(value: Any) -> int:
    if type(value) is not int:
        raise TypeError(f"expected a whole number, found {type(value).__name__}")
    return value


def _optional_int(value: Any) -> int | None:
    return None if value is None else _int(value)


def _optional_str(value: Any) -> str | None:
    return None if value is None else _str(value)


def _number(value: Any) -> float:
    if type(value) not in (int, float) or not math.isfinite(value):
        raise TypeError("expected a finite number")
    return float(value)


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {type(value).__name__}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, found {type(value).__name__}")
    return value


def _pairs(value: Any) -> list[tuple[int, int]]:
    return [(_int(a), _int(b)) for a, b in value]


def _note(value: Any) -> tuple[str, float, tuple[int, str, str, str] | None]:
    text, at, by = value
    if by is None:
        return _str(text), _number(at), None
    uid, first, last, email = by
    return _str(text), _number(at), (_int(uid), _str(first), _str(last), _str(email))

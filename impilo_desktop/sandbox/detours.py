"""Orders that need the coordinator: a created order's detour through a needs-action status
("Confirm address", "Needs more information", "Delivery failed", "Ready for pickup") on the
server clock.

Which created orders take one is decided by their place in the line of created orders (every
fifth, see `planned_detour`), so a run is repeatable. A detour starts at a time on the server
clock and ends by itself a few steps later, except "Confirm address": that one waits until the
patient's address differs from the one the order was placed with (`AddressKey`), and moves on
one step after the sandbox saw the change. Tests put any created order into any of these
states at once (`forced_detour`, `POST /_sandbox/needs-action`).
"""

from __future__ import annotations

from dataclasses import dataclass

from impilo_desktop.sandbox.seed import PatientRecord

RECONFIRM_ADDRESS = "reconfirmAddress"
MORE_INFORMATION = "pendingAdditionalInformation"
DELIVERY_FAILED = "unsuccessfulDelivery"
PICKUP = "availableForPickup"
NEEDS_ACTION: tuple[str, ...] = (RECONFIRM_ADDRESS, MORE_INFORMATION, DELIVERY_FAILED, PICKUP)
BEFORE_SHIPPING = frozenset({RECONFIRM_ADDRESS, MORE_INFORMATION})
"""Detours before the parcel leaves: they go back to awaitingShipment. The others happen to a
shipped parcel and end delivered."""

EVERY = 5
"""Every fifth created order takes a detour (the 5th, 10th, 15th ... since the seed)."""
STEPS_AWAY = 2
"""How many clock steps a detour other than "Confirm address" lasts."""
# When each planned detour starts, in steps after the order was placed.
_START_STEP = {RECONFIRM_ADDRESS: 2, MORE_INFORMATION: 1, DELIVERY_FAILED: 3, PICKUP: 3}

IMPILO_STAFF: tuple[int, str, str, str] = (6900, "Fulfilment", "Desk", "fulfilment@sandbox.invalid")
"""Who Impilo's own notes on an order are from (the sandbox's made-up fulfilment desk)."""
QUESTIONS: tuple[str, ...] = (
    "Which cuff size does the patient need (arm circumference in cm)? We hold the order until "
    "we hear from you.",
    "The patient's date of birth on file does not match the insurer's record. Please confirm "
    "it in a note on this order.",
    "Please confirm a daytime phone number for the carrier: the one on file does not answer.",
)

AddressKey = tuple[str, str, str, str, str, str]
"""A patient's shipping address as compared: line one, line two, city, state, ZIP, country."""


def address_key(patient: PatientRecord) -> AddressKey:
    return (
        patient.line_one,
        patient.line_two or "",
        patient.city,
        patient.state,
        patient.zip_code,
        patient.country,
    )


@dataclass(slots=True)
class Detour:
    """One stay in a needs-action status. `until` is when the order leaves it (None while a
    "Confirm address" waits for the address to change); `address` is the address it waits to
    see changed; `note` is Impilo's note, added when the detour starts."""

    status: str
    at: float
    until: float | None = None
    address: AddressKey | None = None
    note: str | None = None


def planned_detour(
    created_number: int,
    placed_at: float,
    step: float,
    address: AddressKey | None,
) -> Detour | None:
    """The detour the `created_number`-th created order takes (1 is the first), if any. The
    kinds take turns: Confirm address, Needs more information, Delivery failed, Ready for
    pickup. A site order has no patient address to confirm, so it gets no "Confirm address"."""
    if created_number <= 0 or created_number % EVERY:
        return None
    status = NEEDS_ACTION[(created_number // EVERY - 1) % len(NEEDS_ACTION)]
    if status == RECONFIRM_ADDRESS and address is None:
        return None
    return new_detour(status, placed_at + _START_STEP[status] * step, step, address, None)


def new_detour(
    status: str, at: float, step: float, address: AddressKey | None, note: str | None
) -> Detour:
    """A detour into `status` from `at` (see `Detour`)."""
    if status == RECONFIRM_ADDRESS:
        return Detour(status, at, None, address)
    if status == MORE_INFORMATION and note is None:
        note = QUESTIONS[int(at) % len(QUESTIONS)]
    return Detour(status, at, at + STEPS_AWAY * step, None, note)


def walk(
    progression: tuple[str, ...], placed_at: float, step: float, detours: list[Detour]
) -> list[tuple[str, float]]:
    """Every event of a created order, past and planned, oldest first: the normal path one
    step apart, with each detour spliced in. A detour still waiting (no `until`) ends the
    walk: nothing comes after it until the address changes."""
    delivered = len(progression) - 1
    shipped = progression.index("shipped")
    events = [(progression[0], placed_at)]
    position, last = 0, placed_at
    resting = False  # in a detour the next one cut short: no normal steps in between
    for k, detour in enumerate(detours):
        while not resting and position < delivered and last + step < detour.at:
            position += 1
            last += step
            events.append((progression[position], last))
        if detour.status not in BEFORE_SHIPPING and position < shipped:
            position = shipped  # a failed delivery or a pickup needs a parcel on its way
            events.append((progression[position], max(last, detour.at - 1.0)))
        events.append((detour.status, detour.at))
        last = detour.at
        if detour.until is None:
            return events
        following = detours[k + 1].at if k + 1 < len(detours) else None
        resting = following is not None and following <= detour.until
        if resting:
            continue  # the next detour takes over before this one ends
        position = 1 if detour.status in BEFORE_SHIPPING else delivered
        events.append((progression[position], detour.until))
        last = detour.until
    while position < delivered:
        position += 1
        last += step
        events.append((progression[position], last))
    return events


__all__ = [
    "EVERY",
    "IMPILO_STAFF",
    "NEEDS_ACTION",
    "RECONFIRM_ADDRESS",
    "AddressKey",
    "Detour",
    "address_key",
    "new_detour",
    "planned_detour",
    "walk",
]

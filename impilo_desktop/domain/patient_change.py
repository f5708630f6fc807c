"""A change to an existing patient's shipping address or phone, made from the app.

Impilo fixes an order in "Confirm address" once the patient's address is corrected
(`PATCH /api/v3/patient/{id}`). Such a change goes through the outbox like an order: queued in
one transaction, sent exactly once. PATCH carries no reference of ours, so exactly once rests
on `before`: the sender re-reads the patient first and sends only while Impilo still holds
`before`; a patient that already holds `after` was changed (by us, before a crash); anything
else was changed by someone else meanwhile and waits for the coordinator.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from impilo_desktop.domain.new_patient import UsAddress


class PatientContact(BaseModel):
    """What the change is about: the shipping address and the phone number."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    address: UsAddress = Field(default_factory=UsAddress)
    phone_number: str = ""


class PatientChange(BaseModel):
    """One change the coordinator asked for: from `before` (as read from Impilo when the
    dialog opened) to `after`. `order_id` is the order that asked for it, if any (shown only)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    patient_id: int
    patient_name: str = ""
    order_id: int | None = None
    before: PatientContact
    after: PatientContact

"""Whether an order found by its order_ref is for the same recipient as a spreadsheet's order:
one comparison for the sender (sync/order_ref_check.py) and the preview
(sync/order_import/standing.py), so both say the same of the same order.

A patient or site chosen by id is compared by id. A new patient has no id yet: the same name
(Unicode-normalised, case and runs of spaces ignored: an EHR export and Impilo may spell
"José  de la Cruz" apart only so), and the date of birth, the MRN (external identifier) and the
email each only when both sides have one. The date of birth is optional in a spreadsheet: a
patient queued without one must still be recognised when the file is imported again.
"""

from __future__ import annotations

import unicodedata

from impilo_desktop.api.models import Order, Patient, parse_date
from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.domain.new_patient import NewPatient


def same_text(a: str | None, b: str | None) -> bool:
    """Equal once NFC-normalised, casefolded and with whitespace collapsed."""
    return _text(a) == _text(b)


def _text(value: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", value or "").casefold().split())


def _birth(value: str | None) -> str:
    """A date of birth as YYYY-MM-DD (or its trimmed text when it is not a date); '' if none."""
    parsed = parse_date(value)
    return parsed.isoformat() if parsed is not None else (value or "").strip()


def _agree(a: str, b: str) -> bool:
    """Equal, or one of them is not known (blank)."""
    return not a or not b or a == b


def _same_person(
    first: tuple[str | None, str | None, str | None, str | None, str | None],
    other: tuple[str | None, str | None, str | None, str | None, str | None],
) -> bool:
    """(first name, last name, date of birth, MRN, email) against another such tuple."""
    return (
        same_text(first[0], other[0])
        and same_text(first[1], other[1])
        and _agree(_birth(first[2]), _birth(other[2]))
        and _agree((first[3] or "").strip(), (other[3] or "").strip())
        and _agree(_text(first[4]), _text(other[4]))
    )


def _new_patient_facts(
    new: NewPatient,
) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    return (new.first_name, new.last_name, new.date_of_birth, new.external_identifier, new.email)


def _patient_facts(
    patient: Patient,
) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    return (
        patient.first_name,
        patient.last_name,
        patient.date_of_birth,
        patient.external_identifier,
        patient.email,
    )


def same_recipient(draft: OrderDraft, order: Order) -> bool:
    """Whether `order` is for the draft's recipient: the same patient id or site id; for a
    new patient (who has no id yet), the same person as the module says."""
    if draft.recipient_kind == "site":
        site_id = draft.site.id if draft.site is not None else None
        return site_id is not None and order.site is not None and order.site.id == site_id
    patient = order.patient
    if patient is None:
        return False
    if draft.patient is not None:
        return draft.patient.id is not None and patient.id == draft.patient.id
    new = draft.new_patient
    return new is not None and _same_person(_new_patient_facts(new), _patient_facts(patient))


def same_draft_recipient(draft: OrderDraft, other: OrderDraft) -> bool:
    """Whether two drafts are for the same recipient, as `same_recipient` compares a draft
    with an order (an outbox entry's draft against a file's order)."""
    if draft.recipient_kind != other.recipient_kind:
        return False
    if draft.recipient_kind == "site":
        return draft.site is not None and other.site is not None and draft.site.id == other.site.id
    if draft.patient is not None or other.patient is not None:
        return (
            draft.patient is not None
            and other.patient is not None
            and draft.patient.id == other.patient.id
        )
    new, other_new = draft.new_patient, other.new_patient
    return (
        new is not None
        and other_new is not None
        and _same_person(_new_patient_facts(new), _new_patient_facts(other_new))
    )

"""The duplicate-patient check the sender runs before a new patient's order leaves.

The order form checks what it can when the order is queued, but offline it can only look at
the cache, and Impilo may have gained the patient since (another coordinator, another app).
So before every create of a new patient's order (the first, and any resend after a lookup
by client reference found no order) the sender asks Impilo for a patient with the same
external ID (MRN) and the same email. A match holds the entry for the coordinator
(`Store.hold_for_patient_match`); they use that patient or create a new one anyway.

Never before that lookup by reference: an order we created may have created its patient,
and that patient must be found through the order (adopted), not taken for a duplicate.
Once the coordinator said "create a new patient anyway" the entry is not checked again.

A lookup that fails is a failed send (the sender retries later), never "no match": a
duplicate patient cannot be undone by the coordinator, a late order can.
"""

from __future__ import annotations

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import NotFound, RequestRejected
from impilo_desktop.domain.draft import PatientChoice
from impilo_desktop.domain.new_patient import NewPatient
from impilo_desktop.domain.patient_match import MatchedBy, PatientMatch, merge_matches

# The entry's history line when Impilo has nobody like the new patient (then it is sent).
NO_PATIENT_MATCH = "no patient like the new one in Impilo"


async def find_matching_patients(client: ImpiloClient, patient: NewPatient) -> list[PatientMatch]:
    """The patients Impilo already has with the new patient's external ID or email (none
    when neither was given). Raises the `ImpiloError` of a lookup that failed; a 404 is
    "no such patient"."""
    found: list[tuple[MatchedBy, PatientChoice]] = []
    identifier = patient.external_identifier.strip()
    if identifier:
        try:
            same_id = await client.get_patient_by_external_identifier(identifier)
        except NotFound:
            pass
        else:
            found.append(("external_identifier", PatientChoice.from_patient(same_id)))
    email = patient.email.strip()
    if email:
        same_email = await client.find_patient_by_email(email)
        if same_email is not None:
            found.append(("email", PatientChoice.from_patient(same_email)))
    return merge_matches(found)


def could_not_check(error: RequestRejected) -> str:
    """Why an entry is held when Impilo refused the lookup itself (a 4xx other than 404):
    asking again would be refused again, so the coordinator decides."""
    said = error.server_message or error.message
    return (
        f"Impilo would not say whether it already has this patient ({said}). Check the"
        " patient's email and external ID, then create the patient anyway or open the order"
        " to correct it."
    )

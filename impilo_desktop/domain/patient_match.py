"""A patient Impilo already has who looks like the new patient of an order.

Before a new patient's order leaves, the sender asks Impilo for a patient with the same
external ID (MRN) and the same email (sync/patient_check.py). A match holds the order for the
coordinator, who either uses that patient (the order is then for them) or takes the order back
to drafts to correct the external ID or email: Impilo keeps both unique (find-by-email answers
with one patient), so a match by either is never created again. "Create a new patient anyway"
is left for a hold without a match (Impilo refused the lookup itself). The matches are kept
with the held entry, as JSON, so the question can be asked offline and answered without
another lookup.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from impilo_desktop.domain.draft import PatientChoice

MatchedBy = Literal["external_identifier", "email"]

# How each way of matching is said to the coordinator ("... with this email").
MATCHED_BY_TEXT: dict[str, str] = {
    "external_identifier": "external ID (MRN)",
    "email": "email",
}


class PatientMatch(BaseModel):
    """One patient in Impilo, and how it matched the new patient (one or both ways)."""

    model_config = ConfigDict(extra="ignore")

    patient: PatientChoice
    matched_by: list[MatchedBy] = Field(default_factory=list)

    @property
    def patient_id(self) -> int:
        assert self.patient.id is not None  # only patients with an id are recorded
        return self.patient.id

    def how(self) -> str:
        """ "email", "external ID (MRN)" or "external ID (MRN) and email"."""
        return " and ".join(MATCHED_BY_TEXT[way] for way in self.matched_by)

    def who(self) -> str:
        """ "Jane Doe, patient #123"."""
        return f"{self.patient.display_name}, patient #{self.patient_id}"


_MATCHES = TypeAdapter(list[PatientMatch])


def merge_matches(found: list[tuple[MatchedBy, PatientChoice]]) -> list[PatientMatch]:
    """One `PatientMatch` per patient, in the order first found (a patient that matched by
    external ID and by email is one match with both ways)."""
    matches: dict[int, PatientMatch] = {}
    for way, patient in found:
        if patient.id is None:
            continue
        match = matches.setdefault(patient.id, PatientMatch(patient=patient))
        if way not in match.matched_by:
            match.matched_by.append(way)
    return list(matches.values())


# Impilo keeps one patient per external ID (the customer's key) and per email (find-by-email
# answers with one patient): a new patient matching either way cannot be created beside it.
UNIQUE_KEYS: frozenset[str] = frozenset({"external_identifier", "email"})


def can_create_anyway(matches: list[PatientMatch]) -> bool:
    """Whether "create a new patient anyway" can work: only without a match by a key Impilo
    keeps unique (external ID, email); otherwise the order must be for that patient, or its
    external ID or email corrected in the draft."""
    return not any(UNIQUE_KEYS.intersection(m.matched_by) for m in matches)


def _what_to_correct(matches: list[PatientMatch]) -> str:
    ways = [w for w in ("external_identifier", "email") if any(w in m.matched_by for m in matches)]
    return " or ".join(MATCHED_BY_TEXT[w].replace(" (MRN)", "") for w in ways)


def matches_message(matches: list[PatientMatch]) -> str:
    """What the coordinator reads on the held order, e.g. "Impilo already has a patient with
    this email: Jane Doe, patient #123. Use this patient, or open the order to correct the
    email."."""
    if len(matches) == 1:
        [match] = matches
        head = f"Impilo already has a patient with this {match.how()}: {match.who()}."
        use = "Use this patient"
    else:
        each = "; ".join(f"{m.who()} (same {m.how()})" for m in matches)
        head = f"Impilo already has patients like this one: {each}."
        use = "Use one of them"
    if can_create_anyway(matches):
        return f"{head} {use}, or create a new one anyway."
    return f"{head} {use}, or open the order to correct the {_what_to_correct(matches)}."


def matches_json(matches: list[PatientMatch]) -> str:
    return _MATCHES.dump_json(matches).decode()


def load_matches(text: str | None) -> list[PatientMatch]:
    """The matches stored with a held entry (none for a missing or unreadable value)."""
    if not text:
        return []
    try:
        return _MATCHES.validate_json(text)
    except ValueError:
        return []

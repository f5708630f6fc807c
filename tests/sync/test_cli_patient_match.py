"""`impilo-desktop outbox` answers a new patient's order held for a matching patient: use
that patient, create a new one anyway, or back to drafts."""

from __future__ import annotations

import pytest

from impilo_desktop.cli import main
from impilo_desktop.config import Profile
from impilo_desktop.domain import PatientChoice
from impilo_desktop.domain.patient_match import PatientMatch, matches_message
from impilo_desktop.store import EntryState, OutboxEntry
from tests.store.samples import new_patient_draft
from tests.sync.conftest import open_profile_store

SERVER = "http://127.0.0.1:9"  # never contacted: these commands only change the store
ACCOUNT = ["--profile", "sandbox", "--base-url", SERVER]
SAME_EMAIL = PatientMatch(
    patient=PatientChoice(id=501, first_name="Lindiwe", last_name="Mokoena"),
    matched_by=["email"],
)
SAME_MRN = PatientMatch(
    patient=PatientChoice(id=502, first_name="Lindi", last_name="Mokoena"),
    matched_by=["external_identifier"],
)


def held(*matches: PatientMatch) -> int:
    with open_profile_store(Profile("sandbox", SERVER)) as store:
        entry = store.enqueue(new_patient_draft(), server=SERVER, validate=False)
        # No match: held because Impilo refused the lookup (the only hold "anyway" answers).
        message = matches_message(list(matches)) if matches else "Impilo refused the lookup."
        store.hold_for_patient_match(entry.entry_id, list(matches), message)
    return entry.entry_id


def stored(entry_id: int) -> OutboxEntry:
    with open_profile_store(Profile("sandbox", SERVER)) as store:
        return store.get_entry(entry_id)


def test_the_listing_says_who_matched(capsys: pytest.CaptureFixture[str]) -> None:
    entry_id = held(SAME_EMAIL)
    assert main(["outbox", *ACCOUNT]) == 0
    out = capsys.readouterr().out
    assert f"#{entry_id} held" in out
    assert "Impilo already has a patient with this email: Lindiwe Mokoena, patient #501." in out


def test_use_patient_makes_it_that_patients_order(capsys: pytest.CaptureFixture[str]) -> None:
    entry_id = held(SAME_EMAIL)
    assert main(["outbox", "--use-patient", str(entry_id), *ACCOUNT]) == 0
    assert (
        f"Released #{entry_id}: the next sync sends it as an order for Lindiwe Mokoena."
        in capsys.readouterr().out
    )
    entry = stored(entry_id)
    assert entry.state == EntryState.QUEUED
    assert entry.draft.patient is not None
    assert entry.draft.patient.id == 501


def test_use_patient_with_several_matches_asks_which(capsys: pytest.CaptureFixture[str]) -> None:
    entry_id = held(SAME_MRN, SAME_EMAIL)
    assert main(["outbox", "--use-patient", str(entry_id), *ACCOUNT]) == 2
    err = capsys.readouterr().err
    assert "--patient-id 502 (Lindi Mokoena, patient #502)" in err
    assert "--patient-id 501 (Lindiwe Mokoena, patient #501)" in err
    assert stored(entry_id).state == EntryState.HELD

    assert main(["outbox", "--patient-id", "501", *ACCOUNT]) == 2  # with --use-patient only
    assert "give both" in capsys.readouterr().err
    command = ["outbox", "--use-patient", str(entry_id), "--patient-id", "501", *ACCOUNT]
    assert main(command) == 0
    chosen = stored(entry_id).draft.patient
    assert chosen is not None
    assert chosen.id == 501


def test_new_patient_anyway_and_back_to_drafts(capsys: pytest.CaptureFixture[str]) -> None:
    anyway, back = held(), held(SAME_MRN)

    assert main(["outbox", "--new-patient", str(anyway), *ACCOUNT]) == 0
    assert main(["outbox", "--to-drafts", str(back), *ACCOUNT]) == 0

    out = capsys.readouterr().out
    assert f"Released #{anyway}: the next sync creates the new patient with the order." in out
    assert f"Entry #{back} is a draft again: Lindiwe Mokoena (new patient)" in out
    released = stored(anyway)
    assert released.state == EntryState.QUEUED
    assert released.new_patient_confirmed
    with open_profile_store(Profile("sandbox", SERVER)) as store:
        assert [e.entry_id for e in store.list_outbox()] == [anyway]
        [draft] = store.list_drafts()
    assert draft.is_new_patient_order


def test_new_patient_anyway_is_refused_for_a_match_by_email(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Impilo keeps one patient per email, like the external ID: use that patient or correct
    the email."""
    entry_id = held(SAME_EMAIL)
    assert main(["outbox", "--new-patient", str(entry_id), *ACCOUNT]) == 2
    assert "correct the external ID or email" in capsys.readouterr().err
    assert stored(entry_id).state == EntryState.HELD


def test_a_plain_release_does_not_answer_a_match(capsys: pytest.CaptureFixture[str]) -> None:
    entry_id = held(SAME_EMAIL)
    assert main(["outbox", "--release", str(entry_id), *ACCOUNT]) == 2
    assert "waits for a choice" in capsys.readouterr().err
    assert stored(entry_id).state == EntryState.HELD

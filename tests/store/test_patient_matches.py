"""New patients' orders held for a matching patient: the v7 upgrade that allows the hold, and
the coordinator's answers, each one transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from impilo_desktop.domain import PatientChoice
from impilo_desktop.domain.patient_match import PatientMatch, matches_message
from impilo_desktop.store import PATIENT_MATCH, EntryState, EntryStateError, Store
from impilo_desktop.store.schema import MIGRATIONS
from tests.store.samples import SERVER, new_patient_draft, valid_draft

MATCH = PatientMatch(
    patient=PatientChoice(id=4321, first_name="Lindiwe", last_name="Mokoena", site_id=7),
    matched_by=["email"],
)


def held_entry(store: Store) -> int:
    entry = store.enqueue(new_patient_draft(), server=SERVER, validate=False)
    held = store.hold_for_patient_match(entry.entry_id, [MATCH], matches_message([MATCH]))
    assert (held.state, held.held_for) == (EntryState.HELD, PATIENT_MATCH)
    return entry.entry_id


def test_held_entry_keeps_who_matched_and_says_it(store: Store) -> None:
    entry = store.get_entry(held_entry(store))

    assert [m.patient_id for m in entry.patient_matches] == [4321]
    assert entry.last_error == (
        "Impilo already has a patient with this email: Lindiwe Mokoena, patient #4321."
        " Use this patient, or open the order to correct the email."
    )
    assert store.outbox_summary().attention == 1
    assert store.due_entries(due_only=False) == []


def test_use_this_patient_makes_it_their_order_under_the_same_reference(store: Store) -> None:
    entry_id = held_entry(store)
    before = store.get_entry(entry_id)

    used = store.use_matched_patient(entry_id, 4321)

    assert (used.state, used.held_for, used.patient_matches) == (EntryState.QUEUED, None, [])
    assert used.client_reference == before.client_reference
    assert used.draft.patient is not None
    assert used.draft.patient.id == 4321
    assert used.draft.new_patient is None
    assert not used.draft.is_new_patient_order
    assert used.draft.set_aside_patient == before.draft.new_patient  # kept, not dropped
    assert [line.item_id for line in used.draft.item_lines] == [2001]
    assert used.draft.draft_id == before.draft.draft_id
    assert store.entry_history(entry_id)[-1].detail == "for patient #4321, who matched"


def test_use_this_patient_refuses_a_patient_that_did_not_match(store: Store) -> None:
    entry_id = held_entry(store)
    with pytest.raises(EntryStateError, match="not one of the patients"):
        store.use_matched_patient(entry_id, 999)
    assert store.get_entry(entry_id).state == EntryState.HELD  # nothing changed


def held_without_match(store: Store) -> int:
    """Held with nobody named: Impilo refused the lookup (the hold "anyway" answers)."""
    entry = store.enqueue(new_patient_draft(), server=SERVER, validate=False)
    store.hold_for_patient_match(entry.entry_id, [], "Impilo refused the lookup.")
    return entry.entry_id


def test_create_anyway_releases_and_remembers_the_answer(store: Store) -> None:
    entry_id = held_without_match(store)

    released = store.create_new_patient_anyway(entry_id)

    assert (released.state, released.held_for) == (EntryState.QUEUED, None)
    assert released.new_patient_confirmed
    assert released.draft.is_new_patient_order
    assert store.due_entries(due_only=False) == [released]


def test_a_match_by_email_cannot_be_created_again(store: Store) -> None:
    """Impilo keeps one patient per email (find-by-email answers with one patient)."""
    entry_id = held_entry(store)
    with pytest.raises(EntryStateError, match="one patient per external ID and per email"):
        store.create_new_patient_anyway(entry_id)
    assert store.get_entry(entry_id).state == EntryState.HELD


def test_a_match_by_external_id_cannot_be_created_again(store: Store) -> None:
    same_id = PatientMatch(patient=MATCH.patient, matched_by=["external_identifier", "email"])
    entry = store.enqueue(new_patient_draft(), server=SERVER, validate=False)
    store.hold_for_patient_match(entry.entry_id, [same_id], matches_message([same_id]))
    assert store.get_entry(entry.entry_id).last_error == (
        "Impilo already has a patient with this external ID (MRN) and email: Lindiwe Mokoena,"
        " patient #4321. Use this patient, or open the order to correct the external ID or"
        " email."
    )

    with pytest.raises(EntryStateError, match="one patient per external ID and per email"):
        store.create_new_patient_anyway(entry.entry_id)

    assert store.get_entry(entry.entry_id).state == EntryState.HELD
    assert store.use_matched_patient(entry.entry_id, 4321).state == EntryState.QUEUED


def test_an_entry_sent_before_is_looked_up_first_after_either_answer(store: Store) -> None:
    for answer in ("use", "create"):
        entry = store.enqueue(new_patient_draft(), server=SERVER, validate=False)
        store.mark_sending(entry.entry_id)
        store.mark_in_doubt(entry.entry_id, "timed out")
        matches = [MATCH] if answer == "use" else []  # "create" only answers a hold without one
        store.hold_for_patient_match(entry.entry_id, matches, "matched")
        if answer == "use":
            released = store.use_matched_patient(entry.entry_id, 4321)
        else:
            released = store.create_new_patient_anyway(entry.entry_id)
        assert released.state == EntryState.IN_DOUBT, answer


def test_back_to_drafts_gives_the_new_patient_back(store: Store) -> None:
    entry_id = held_entry(store)
    draft = store.return_to_drafts(entry_id)
    assert draft.is_new_patient_order
    assert store.list_outbox() == []
    assert store.get_draft(draft.draft_id) == draft


def test_answers_only_for_entries_held_for_a_match(store: Store) -> None:
    entry = store.enqueue(valid_draft(), server=SERVER)
    store.mark_held(entry.entry_id, "too old")
    with pytest.raises(EntryStateError, match="not held for a matching patient"):
        store.create_new_patient_anyway(entry.entry_id)
    with pytest.raises(EntryStateError, match="not held for a matching patient"):
        store.use_matched_patient(entry.entry_id, 4321)
    # ...and the plain release does not answer a match for the coordinator.
    entry_id = held_entry(store)
    with pytest.raises(EntryStateError, match="waits for a choice"):
        store.release_held(entry_id, server=SERVER)


# -- the upgrade from version 6 ------------------------------------------------------------


def _write_v6_file(path: Path) -> None:
    """A version-6 file: a held entry, a queued one with its history, and a discarded entry
    that used the highest number so far."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    for version in range(6):
        MIGRATIONS[version](conn)  # type: ignore[arg-type]
    conn.execute("PRAGMA user_version = 6")
    rows = [
        ("impilo-desktop-aaaaaaaaaaaaaaaaaaaa", "held", "age"),
        ("impilo-desktop-bbbbbbbbbbbbbbbbbbbb", "queued", None),
        ("impilo-desktop-cccccccccccccccccccc", "rejected", None),
    ]
    for reference, state, held_for in rows:
        draft = valid_draft()
        conn.execute(
            "INSERT INTO outbox (client_reference, draft_id, body, state, held_for, server,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1.0, 2.0)",
            (reference, draft.draft_id, draft.model_dump_json(), state, held_for, SERVER),
        )
    for entry_id, outcome in ((1, "queued"), (1, "held"), (2, "queued"), (3, "rejected")):
        conn.execute(
            "INSERT INTO outbox_attempts (entry_id, at, outcome, detail) VALUES (?, 1.5, ?, '')",
            (entry_id, outcome),
        )
    conn.execute("DELETE FROM outbox WHERE entry_id = 3")  # its attempts go with it
    conn.close()


def test_v6_file_upgrades_with_its_entries_history_and_numbers(db_path: Path) -> None:
    _write_v6_file(db_path)

    with Store(db_path) as store:
        held, queued = store.list_outbox()
        assert (held.entry_id, held.state, held.held_for) == (1, EntryState.HELD, "age")
        assert (queued.entry_id, queued.state) == (2, EntryState.QUEUED)
        assert not queued.new_patient_confirmed
        assert queued.patient_matches == []
        assert [a.outcome for a in store.entry_history(1)] == ["queued", "held"]
        assert [a.outcome for a in store.entry_history(2)] == ["queued"]
        # Number 3 was given before: the next entry gets 4, never 3 again.
        assert store.enqueue(valid_draft(), server=SERVER).entry_id == 4
        # The wider hold is allowed, anything else still refused by the database.
        store.hold_for_patient_match(2, [MATCH], "matched")
        assert store.get_entry(2).held_for == PATIENT_MATCH
        store.discard_entry(1)  # the history still goes with its entry
        assert store.entry_history(1) == []

    conn = sqlite3.connect(db_path)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE outbox SET held_for = 'whim' WHERE entry_id = 2")
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        leftovers = conn.execute(
            "SELECT name FROM sqlite_master WHERE name LIKE '%\\_v_' ESCAPE '\\'"
        ).fetchall()
        assert leftovers == []
    finally:
        conn.close()

"""Drafts & outbox: a new patient's order held because Impilo already has a patient like the
new one, and the coordinator's three answers, through the real page against a sandbox."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from impilo_desktop.domain import PatientChoice
from impilo_desktop.domain.patient_match import MatchedBy, PatientMatch, matches_message
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState
from impilo_desktop.ui.shell.main_window import MainWindow
from tests.store.samples import new_patient_draft

from .conftest import MakeWindow, shown_entry, visible_child

SEED_PATIENT = PatientChoice(
    id=10001, first_name="Jacqueline", last_name="Seed", date_of_birth="1950-02-03"
)


def held_window(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    argv: list[str],
    keys: object,
    matched_by: MatchedBy | None = "email",
) -> tuple[MainWindow, int]:
    """The app with one new patient's order held for a match with a seeded patient (as the
    sender holds it; with no match when `matched_by` is None, as after Impilo refused the
    lookup), on the Drafts page with that order selected."""
    keys.set_key("custom", sandbox.api_key)  # type: ignore[attr-defined]
    window = make_window(*argv, start=False)
    store = window.services.store
    entry = store.enqueue(
        new_patient_draft(item_id=1001), server=window.services.profile.base_url, validate=False
    )
    matches = [PatientMatch(patient=SEED_PATIENT, matched_by=[matched_by])] if matched_by else []
    message = matches_message(matches) if matches else "Impilo refused the lookup."
    store.hold_for_patient_match(entry.entry_id, matches, message)
    window.show()
    window.start()
    window.show_page("drafts")
    shown_entry(qtbot, window, entry.entry_id, EntryState.HELD)
    return window, entry.entry_id


def question(qtbot: QtBot, window: MainWindow) -> QMessageBox:
    """Alt+R (Release) on the table asks the question."""
    page = window.drafts_page
    qtbot.keyClick(page.table, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    return visible_child(qtbot, window, QMessageBox, "patientMatchQuestion")


def button(box: QMessageBox, name: str) -> QPushButton:
    return next(b for b in box.findChildren(QPushButton) if b.objectName() == name)


def test_the_held_order_says_who_matched_and_uses_that_patient(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: object,
) -> None:
    window, entry_id = held_window(qtbot, make_window, sandbox, custom_argv, keys)
    page = window.drafts_page
    row = page.selected_row()
    assert row is not None
    index = page.model.index(page.model.row_of(row.key), 0)
    assert index.data() == "Held: check the patient"
    assert row.message_text() == (
        "Impilo already has a patient with this email: Jacqueline Seed, patient #10001."
        " Use this patient, or open the order to correct the email."
    )
    reference = window.services.store.get_entry(entry_id).client_reference

    box = question(qtbot, window)
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert "Jacqueline Seed, patient #10001" in box.informativeText()
    assert "Lindiwe Mokoena" in box.informativeText()  # the one typed, to compare
    # Impilo's address (read for the question) differs from the typed one: both are shown.
    seeded = sandbox.seed.patients[10001]
    assert f"Impilo has their address as: {seeded.line_one}, " in box.informativeText()
    assert "The address typed here: 12 Orchard Row, Dayton, OH 45402." in box.informativeText()
    with qtbot.waitSignal(window.services.outbox.entry_sent, timeout=15_000) as sent:
        qtbot.mouseClick(button(box, "usePatient10001"), Qt.MouseButton.LeftButton)

    assert sent.args[0].entry_id == entry_id
    done = window.services.store.get_entry(entry_id)
    assert (done.state, done.client_reference) == (EntryState.SENT, reference)
    assert done.draft.patient is not None
    assert done.draft.patient.id == 10001
    order = sandbox.state.order(done.order_id or 0)
    assert order["patient"]["id"] == 10001
    # What was typed is kept with the order's draft, set aside (never sent).
    assert done.draft.set_aside_patient is not None
    assert done.draft.set_aside_patient.address.line_one == "12 Orchard Row"
    assert reference in order["externalOrderIds"]


def test_cancel_keeps_it_waiting_and_back_to_drafts_opens_it(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: object,
) -> None:
    window, entry_id = held_window(qtbot, make_window, sandbox, custom_argv, keys)
    store = window.services.store

    box = question(qtbot, window)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "patientMatchQuestion") is None)
    assert store.get_entry(entry_id).state == EntryState.HELD

    # (Offscreen, no window is active again once the box closed: the button, by mouse.)
    qtbot.mouseClick(window.drafts_page.release_button, Qt.MouseButton.LeftButton)
    box = visible_child(qtbot, window, QMessageBox, "patientMatchQuestion")
    with qtbot.waitSignal(window.drafts_page.open_draft_requested, timeout=10_000) as opened:
        qtbot.mouseClick(button(box, "backToDrafts"), Qt.MouseButton.LeftButton)
    draft = opened.args[0]
    assert draft.is_new_patient_order
    assert draft.new_patient.email == "lindiwe.mokoena@example.org"
    assert store.list_outbox() == []
    assert store.get_draft(draft.draft_id) is not None


def test_create_a_new_patient_anyway_releases_it_unchecked(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: object,
) -> None:
    # Only a hold without a match can be created anyway (Impilo keeps external IDs and emails
    # unique): here Impilo had refused the lookup.
    window, entry_id = held_window(qtbot, make_window, sandbox, custom_argv, keys, None)
    store = window.services.store

    box = question(qtbot, window)
    with qtbot.waitSignal(window.services.outbox.entry_sent, timeout=15_000) as sent:
        qtbot.mouseClick(button(box, "createNewPatient"), Qt.MouseButton.LeftButton)

    assert sent.args[0].entry_id == entry_id
    entry = store.get_entry(entry_id)
    assert (entry.state, entry.new_patient_confirmed) == (EntryState.SENT, True)
    assert entry.draft.is_new_patient_order
    # Not checked again: sent without asking Impilo about the patient once more.
    assert [a.outcome for a in store.entry_history(entry_id)][-3:] == [
        "released",
        "sending",
        "sent",
    ]
    created = sandbox.state.order(entry.order_id or 0)["patient"]
    assert created["lastName"] == "Mokoena"
    assert created["id"] != SEED_PATIENT.id  # a new patient, created with the order


@pytest.mark.parametrize(
    ("matched_by", "correct"), [("external_identifier", "external ID"), ("email", "email")]
)
def test_a_match_by_external_id_or_email_cannot_be_created_again(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: object,
    matched_by: MatchedBy,
    correct: str,
) -> None:
    window, _entry = held_window(qtbot, make_window, sandbox, custom_argv, keys, matched_by)

    box = question(qtbot, window)

    assert f"open the order to correct the {correct}." in box.text()
    create = button(box, "createNewPatient")
    assert not create.isEnabled()
    assert create.toolTip() == "Impilo keeps one patient per external ID and per email"
    assert button(box, "usePatient10001").isEnabled()

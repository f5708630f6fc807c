"""Before a new patient's order is queued, the app looks for the same person: the same patient
ID (MRN) or email on Impilo and in the cache, the same last name and date of birth in the
cache. One question names who matched and how; each answer does what it says. Offline only
the cache is asked, and the question (or the banner) says Impilo is checked before sending."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.models import Patient
from impilo_desktop.domain.new_patient import NewPatient, UsAddress
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState, ReferenceKind, Store
from impilo_desktop.ui.order_entry.banner import BannerKind
from impilo_desktop.ui.order_entry.patient_matches import (
    SAME_EMAIL,
    SAME_NAME_AND_BIRTH,
    check_new_patient,
    same_mrn,
)
from impilo_desktop.ui.order_entry.records import PatientRecord
from impilo_desktop.ui.order_entry.view import OrderEntryView
from impilo_desktop.ui.plumbing.services import AppServices

from .conftest import WAIT_MS

ADDRESS = UsAddress(line_one="40 Orchard Row", city="Albany", state="NY", zip_code="12207")


def known(view: OrderEntryView) -> PatientRecord:
    """A cached patient with an MRN, an email and a date of birth."""
    return next(
        r
        for r in view.form.patient_picker.model.records
        if r.external_identifier and r.email and r.date_of_birth and not r.archived
    )


def new_patient_order(qtbot: QtBot, view: OrderEntryView, patient: NewPatient) -> None:
    """A new patient typed into the form (every field set as typing would), and one item."""
    view.start_new_patient("")
    form = view.form.new_patient_form
    for key, field in form.fields.items():
        value = patient.address if key.startswith("address.") else patient
        field.setText(str(getattr(value, key.removeprefix("address."))))
    item = next(r for r in view.form.item_search.model.records if r.can_order)
    qtbot.keyClicks(view.form.item_search.search_field, item.sku)
    qtbot.keyClick(view.form.item_search.search_field, Qt.Key.Key_Return)
    assert view.form.submit_button.isEnabled(), view.problems


def question(qtbot: QtBot, view: OrderEntryView) -> QMessageBox:
    qtbot.waitUntil(lambda: view.checks.question is not None, timeout=WAIT_MS)
    box = view.checks.question
    assert box is not None
    assert box.objectName() == "duplicatePatientQuestion"
    return box


def answer(box: QMessageBox, name: str) -> None:
    button = box.findChild(QPushButton, name)
    assert button is not None, name
    button.click()


def test_same_mrn_then_use_this_patient(qtbot: QtBot, view: OrderEntryView) -> None:
    match = known(view)
    new_patient_order(
        qtbot,
        view,
        NewPatient(
            first_name="Someone",
            last_name="Else",
            external_identifier=match.external_identifier,
            address=ADDRESS,
        ),
    )
    lines = list(view.draft.item_lines)
    qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    box = question(qtbot, view)
    assert match.display_name in box.text()
    assert same_mrn(match.external_identifier) in box.text()
    assert "could not be asked" not in box.informativeText()
    # Impilo keeps one patient per MRN: creating another is not offered (as the sender).
    assert box.findChild(QPushButton, "createPatientButton") is None
    assert "one patient per patient ID (MRN)" in box.informativeText()
    # Enter takes the harmless answer: Cancel is the default.
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)

    answer(box, "usePatientButton")
    assert view.draft.patient is not None
    assert view.draft.patient.id == match.id
    assert view.draft.new_patient is None
    assert view.draft.item_lines == lines  # the lines are kept
    assert view.form.recipient_stack.currentWidget() is view.form.patient_picker
    assert view.form.patient_picker.choice is not None
    assert view.form.patient_picker.choice.id == match.id
    assert view.form.submit_button.isEnabled()


def test_use_this_patient_and_correct_their_address(
    qtbot: QtBot, view: OrderEntryView, started: AppServices, sandbox: SandboxServer
) -> None:
    """A re-enrolled patient who moved: Impilo has the old address, the coordinator typed the
    new one. The question shows both; "Use this patient and correct their address" queues the
    order for them and a correction from Impilo's address to the typed one."""
    match = known(view)
    held = sandbox.seed.patients[match.id]
    new_patient_order(
        qtbot,
        view,
        NewPatient(
            first_name="Someone",
            last_name="Else",
            external_identifier=match.external_identifier,
            address=ADDRESS,
        ),
    )
    typed = view.draft.new_patient
    assert typed is not None
    qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    box = question(qtbot, view)
    assert "The address typed here: 40 Orchard Row, Albany, NY 12207." in box.informativeText()
    assert "Impilo has their address as: " in box.informativeText()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)

    with qtbot.waitSignal(view.submitted, timeout=WAIT_MS) as submitted:
        answer(box, "useAndCorrectButton")
    entry = submitted.args[0]
    assert entry.draft.patient is not None
    assert entry.draft.patient.id == match.id
    assert not entry.draft.is_new_patient_order
    assert entry.draft.set_aside_patient == typed  # what was typed is kept, not dropped
    [queued] = started.store.list_patient_changes()
    change = queued.change
    assert change.patient_id == match.id
    assert change.after.address == ADDRESS
    assert (change.before.address.line_one, change.before.address.city) == (
        held.line_one,
        held.city,
    )
    # No phone typed: Impilo's is kept, not erased.
    assert change.after.phone_number == change.before.phone_number == held.phone_number


def test_use_this_patient_keeps_the_typed_patient_aside(
    qtbot: QtBot, view: OrderEntryView, started: AppServices
) -> None:
    match = known(view)
    typed = NewPatient(
        first_name="Someone",
        last_name="Else",
        external_identifier=match.external_identifier,
        address=ADDRESS,
    )
    new_patient_order(qtbot, view, typed)
    qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    answer(question(qtbot, view), "usePatientButton")
    assert view.draft.patient is not None
    assert view.draft.set_aside_patient is not None
    assert view.draft.set_aside_patient.address == ADDRESS
    assert view.form.patient_picker.new_patient_button.text().startswith("Back to new patient")
    assert started.store.list_patient_changes() == []  # nothing corrected unasked


def test_same_email_offers_no_create_anyway(qtbot: QtBot, view: OrderEntryView) -> None:
    """Impilo keeps one patient per email (find-by-email answers with one): the question says
    use that patient or correct the email, and creating another is not offered."""
    match = known(view)
    new_patient_order(
        qtbot,
        view,
        NewPatient(
            first_name="Other",
            last_name="Person",
            email=match.email.upper(),  # any case
            address=ADDRESS,
        ),
    )
    qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    box = question(qtbot, view)
    assert SAME_EMAIL in box.text()
    assert match.display_name in box.text()
    assert box.findChild(QPushButton, "createPatientButton") is None
    assert "one patient per email" in box.informativeText()
    assert "correct the email" in box.informativeText()
    assert box.findChild(QPushButton, "usePatientButton") is not None


def test_same_name_and_birth_then_create_anyway(
    qtbot: QtBot, view: OrderEntryView, started: AppServices
) -> None:
    match = known(view)
    new_patient_order(
        qtbot,
        view,
        NewPatient(
            first_name="Not-the-same",
            last_name=match.last_name,
            date_of_birth=match.date_of_birth,
            email="someone-else-qzx@example.org",
            address=ADDRESS,
        ),
    )
    qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    box = question(qtbot, view)
    assert SAME_NAME_AND_BIRTH in box.text()
    assert "could not be asked" not in box.informativeText()
    with qtbot.waitSignal(view.submitted, timeout=WAIT_MS) as submitted:
        answer(box, "createPatientButton")
    entry = submitted.args[0]
    assert entry.draft.is_new_patient_order
    assert entry.draft.new_patient.last_name == match.last_name
    # Impilo itself answered and the coordinator chose: the sender does not hold it to ask again.
    assert entry.new_patient_confirmed


def test_same_name_and_birth_offline_then_cancel(
    qtbot: QtBot, view: OrderEntryView, started: AppServices, sandbox: SandboxServer
) -> None:
    match = known(view)
    new_patient_order(
        qtbot,
        view,
        NewPatient(
            first_name="Not-the-same",
            last_name=match.last_name.upper(),
            date_of_birth=match.date_of_birth,
            email="not-the-same-qzx@example.org",  # something Impilo would be asked about
            address=ADDRESS,
        ),
    )
    before = view.draft.model_copy(deep=True)
    sandbox.stop()
    qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    box = question(qtbot, view)
    assert SAME_NAME_AND_BIRTH in box.text()
    assert "Impilo will be checked before the order is sent" in box.informativeText()
    submitted: list[object] = []
    view.submitted.connect(submitted.append)
    cancel = box.button(QMessageBox.StandardButton.Cancel)
    assert cancel is not None
    cancel.click()
    assert view.checks.question is None
    assert view.draft == before  # intact
    assert view.form.recipient_stack.currentWidget() is view.form.new_patient_form
    assert view.form.submit_button.isEnabled()
    assert submitted == []
    assert started.store.list_outbox() == []


def test_offline_without_a_match_is_queued_and_says_impilo_will_be_checked(
    qtbot: QtBot, view: OrderEntryView, started: AppServices, sandbox: SandboxServer
) -> None:
    new_patient_order(
        qtbot,
        view,
        NewPatient(
            first_name="Wholly",
            last_name="Newcomer-Qzx",
            external_identifier="MRN-QZX-1",
            address=ADDRESS,
        ),
    )
    sandbox.stop()
    with qtbot.waitSignal(view.submitted, timeout=WAIT_MS) as submitted:
        qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.form.banner.kind == BannerKind.WARNING, timeout=WAIT_MS)
    assert "Impilo will be checked for this patient" in view.form.banner.text.text()
    entry_id = submitted.args[0].entry_id
    # The sender tried and could not connect: it waits to be sent.
    qtbot.waitUntil(
        lambda: started.store.get_entry(entry_id).state != EntryState.SENDING, timeout=WAIT_MS
    )
    assert started.store.get_entry(entry_id).state in (EntryState.QUEUED, EntryState.IN_DOUBT)


def test_an_edit_during_the_check_drops_its_answer(
    qtbot: QtBot, view: OrderEntryView, started: AppServices
) -> None:
    match = known(view)
    new_patient_order(
        qtbot,
        view,
        NewPatient(
            first_name="Someone",
            last_name="Else",
            external_identifier=match.external_identifier,
            address=ADDRESS,
        ),
    )
    submitted: list[object] = []
    view.submitted.connect(submitted.append)
    qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    assert view.checks.busy
    assert not view.form.submit_button.isEnabled()
    # The answer comes back through the event loop: this edit is made before it arrives.
    qtbot.keyClicks(view.form.new_patient_form.fields["address.line_two"], "Unit 5")
    qtbot.waitUntil(lambda: not view.checks.busy, timeout=WAIT_MS)
    assert view.checks.question is None  # nothing asked about a draft that changed
    assert submitted == []
    assert view.draft.new_patient is not None
    assert view.draft.new_patient.address.line_two == "Unit 5"
    assert view.form.submit_button.isEnabled()  # submit again to check what is there now


def test_another_draft_withdraws_the_question(qtbot: QtBot, view: OrderEntryView) -> None:
    match = known(view)
    new_patient_order(
        qtbot,
        view,
        NewPatient(first_name="Some", last_name="Else", email=match.email, address=ADDRESS),
    )
    asked = view.draft.draft_id
    submitted: list[object] = []
    view.submitted.connect(submitted.append)
    qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    box = question(qtbot, view)
    view.new_order()  # Ctrl+N: the question was about the draft that left the screen
    assert not box.isVisible()  # closed at once, unanswered (deleted later)
    assert view.checks.question is None
    assert not view.checks.busy
    assert view.draft.draft_id != asked
    assert submitted == []


# --- the lookup itself, against the sandbox with an empty cache ----------------------------


@pytest.fixture
def empty_store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "empty.sqlite3") as store:
        yield store


@pytest.mark.anyio
async def test_impilo_is_asked_for_the_mrn_and_the_email(
    sandbox_client: ImpiloClient, sandbox: SandboxServer, empty_store: Store
) -> None:
    seeded = next(p for p in sandbox.seed.patients.values() if p.email and not p.archived)
    by_mrn = await check_new_patient(
        sandbox_client,
        empty_store,
        NewPatient(last_name="X", external_identifier=seeded.external_identifier),
    )
    assert by_mrn.asked_impilo
    assert [m.record.id for m in by_mrn.matches] == [seeded.id]
    assert by_mrn.matches[0].reasons == [same_mrn(seeded.external_identifier)]
    assert seeded.email is not None
    by_email = await check_new_patient(
        sandbox_client, empty_store, NewPatient(last_name="X", email=f" {seeded.email.upper()} ")
    )
    assert [(m.record.id, m.reasons) for m in by_email.matches] == [(seeded.id, [SAME_EMAIL])]
    nobody = await check_new_patient(
        sandbox_client,
        empty_store,
        NewPatient(last_name="X", email="nobody-qzx@example.org", external_identifier="NO-SUCH-1"),
    )
    assert nobody.asked_impilo
    assert nobody.matches == []

    # Known to be offline: Impilo is not asked at all (no wait for requests that will fail).
    skipped = await check_new_patient(
        sandbox_client,
        empty_store,
        NewPatient(last_name="X", external_identifier=seeded.external_identifier),
        ask_impilo=False,
    )
    assert not skipped.asked_impilo
    assert skipped.matches == []

    # Offline: the cache alone, and the answer says Impilo was not asked.
    empty_store.store_reference_page(
        ReferenceKind.PATIENT,
        [Patient(id=77, first_name="Ama", last_name="Mensah", date_of_birth="1970-02-03")],
    )
    sandbox.stop()
    offline = await check_new_patient(
        sandbox_client,
        empty_store,
        NewPatient(last_name=" mensah", date_of_birth="1970-02-03", email="a@example.org"),
    )
    assert not offline.asked_impilo
    assert offline.why_not
    assert [(m.record.id, m.reasons) for m in offline.matches] == [(77, [SAME_NAME_AND_BIRTH])]

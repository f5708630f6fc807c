"""Address corrections on the Drafts & outbox page, through the real window and sandbox:
queued from the outbox controller and applied, held when the patient changed in Impilo
meanwhile (both values shown), applied anyway or discarded, counted in the status bar."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.domain.patient_change import PatientChange, PatientContact
from impilo_desktop.domain.patient_change_rules import contact_from_patient
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import HELD_FOR_CHANGED, EntryState, PatientChangeEntry, Store
from impilo_desktop.ui.drafts.change_row import ChangeRow
from impilo_desktop.ui.drafts.model import Column, DraftsModel, build_rows
from impilo_desktop.ui.shell.main_window import MainWindow
from tests.store.patient_change_samples import NEW_ADDRESS, OLD_ADDRESS, address_change
from tests.store.samples import SERVER

from .conftest import MakeWindow, sandbox_draft, visible_child

PATIENT = 10001


def impilo_contact(sandbox: SandboxServer, patient_id: int = PATIENT) -> PatientContact:
    """The patient's address and phone as the sandbox holds them now."""

    async def read() -> PatientContact:
        async with ImpiloClient(sandbox.base_url, sandbox.api_key) as client:
            return contact_from_patient(await client.get_patient(patient_id))

    return asyncio.run(read())


def shown_change(qtbot: QtBot, window: MainWindow, change_id: int, state: EntryState) -> ChangeRow:
    page = window.drafts_page

    def shown() -> bool:
        row = page.selected_row() if page.select_key(f"change:{change_id}") else None
        return row is not None and row.state == state

    qtbot.waitUntil(shown, timeout=15_000)
    row = page.selected_row()
    assert isinstance(row, ChangeRow)
    return row


def held_window(
    qtbot: QtBot, make_window: MakeWindow, sandbox: SandboxServer, argv: list[str], keys: object
) -> tuple[MainWindow, PatientChangeEntry]:
    """The window on Drafts & outbox with a correction held as changed meanwhile: it began
    from an address the sandbox's patient does not have."""
    keys.set_key("custom", sandbox.api_key)  # type: ignore[attr-defined]
    window = make_window(*argv, start=False)
    store = window.services.store
    entry = store.enqueue_patient_change(
        address_change(PATIENT), server=window.services.profile.base_url
    )
    window.show()
    window.start()
    window.show_page("drafts")
    return window, entry


def test_a_correction_is_queued_and_applied(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: object,
) -> None:
    keys.set_key("custom", sandbox.api_key)  # type: ignore[attr-defined]
    window = make_window(*custom_argv)
    before = impilo_contact(sandbox)
    change = PatientChange(
        patient_id=PATIENT,
        patient_name="Jacqueline Seed",
        before=before,
        after=PatientContact(address=NEW_ADDRESS, phone_number=before.phone_number),
    )
    done: list[object] = []
    outbox = window.services.outbox
    with qtbot.waitSignal(outbox.corrections.applied, timeout=15_000) as applied:
        outbox.corrections.queue(change, on_done=done.append)
    assert isinstance(done[0], PatientChangeEntry)
    assert applied.args[0].change_id == done[0].change_id
    assert applied.args[0].state == EntryState.SENT
    assert impilo_contact(sandbox).address.line_one == NEW_ADDRESS.line_one

    window.show_page("drafts")
    row = shown_change(qtbot, window, done[0].change_id, EntryState.SENT)
    page = window.drafts_page
    index = page.model.index(page.model.row_of(row.key), 0)
    assert index.data() == "Applied"
    assert row.recipient_text() == "Jacqueline Seed"
    assert row.lines_text().startswith("Address correction: 480 Larkspur Lane, Apt 3")
    assert not page.open_button.isEnabled()
    assert not page.duplicate_button.isEnabled()
    assert not page.delete_button.isEnabled()


def test_a_change_that_changes_nothing_is_refused_on_queueing(
    qtbot: QtBot, make_window: MakeWindow, custom_argv: list[str], keys: object
) -> None:
    keys.set_key("custom", "unused")  # type: ignore[attr-defined]
    window = make_window(*custom_argv, start=False)
    done: list[object] = []
    window.services.outbox.corrections.queue(address_change(after=OLD_ADDRESS), on_done=done.append)
    qtbot.waitUntil(lambda: bool(done))
    assert isinstance(done[0], ValueError)
    assert window.services.store.list_patient_changes() == []


def test_a_held_correction_shows_both_values_and_is_discarded(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: object,
) -> None:
    window, entry = held_window(qtbot, make_window, sandbox, custom_argv, keys)
    page = window.drafts_page
    row = shown_change(qtbot, window, entry.change_id, EntryState.HELD)
    now = impilo_contact(sandbox)
    index = page.model.index(page.model.row_of(row.key), 0)
    assert index.data() == "Held: changed in Impilo"
    assert f"Impilo now has: {now.address.line_one}" in row.message_text()
    assert "480 Larkspur Lane" in row.lines_text()
    qtbot.waitUntil(lambda: window.status.outbox.label.text() == "Outbox: 1 needs attention")
    assert page.release_button.isEnabled()
    assert page.release_button.text() == "Appl&y anyway"
    assert page.delete_button.isEnabled()

    # Delete asks first (Cancel is the default), then the correction is gone.
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    box = visible_child(qtbot, window, QMessageBox, "discardChangeConfirmation")
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    confirm = next(b for b in box.buttons() if b.objectName() == "confirmDiscardChange")
    with qtbot.waitSignal(page.rows_shown, timeout=10_000):
        qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.row_of(f"change:{entry.change_id}") < 0)
    assert window.services.store.list_patient_changes() == []
    assert impilo_contact(sandbox) == now  # nothing was sent


def test_a_held_correction_applied_anyway_reaches_impilo(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: object,
) -> None:
    window, entry = held_window(qtbot, make_window, sandbox, custom_argv, keys)
    page = window.drafts_page
    shown_change(qtbot, window, entry.change_id, EntryState.HELD)
    now = impilo_contact(sandbox)

    qtbot.mouseClick(page.release_button, Qt.MouseButton.LeftButton)
    box = visible_child(qtbot, window, QMessageBox, "applyChangeAnywayConfirmation")
    assert now.address.line_one in box.informativeText()
    assert "480 Larkspur Lane" in box.informativeText()
    confirm = next(b for b in box.buttons() if b.objectName() == "confirmApplyChangeAnyway")
    outbox = window.services.outbox
    with qtbot.waitSignal(outbox.corrections.applied, timeout=15_000):
        qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)
    assert impilo_contact(sandbox).address.line_one == "480 Larkspur Lane"
    shown_change(qtbot, window, entry.change_id, EntryState.SENT)


def test_model_mixes_corrections_with_orders(qtmodeltester: ModelTester, tmp_path: Path) -> None:
    with Store(tmp_path / "impilo.sqlite3") as store:
        queued = store.enqueue_patient_change(address_change(PATIENT), server=SERVER)
        phone = store.enqueue_patient_change(
            address_change(10002, after=OLD_ADDRESS, phone_after="555-0199", name="Sam Rivera"),
            server=SERVER,
        )
        store.mark_change_held(
            phone.change_id,
            "changed",
            held_for=HELD_FOR_CHANGED,
            found=PatientContact(address=OLD_ADDRESS, phone_number="555-0142"),
        )
        changes = store.list_patient_changes()
    model = DraftsModel()
    model.set_rows(build_rows([sandbox_draft()], [], changes=changes))
    qtmodeltester.check(model)
    texts = {
        model.data(model.index(r, Column.RECIPIENT)): [
            model.data(model.index(r, c)) for c in (Column.STATE, Column.LINES, Column.MESSAGE)
        ]
        for r in range(model.rowCount())
    }
    assert texts["Jane Doe"] == [
        "Waiting to send",
        "Address correction: 480 Larkspur Lane, Apt 3, Rhinebeck NY 12572",
        "Goes out as soon as Impilo can be reached",
    ]
    assert texts["Sam Rivera"] == [
        "Held: changed in Impilo",
        "Phone correction: phone 555-0199",
        "Impilo now has: phone 555-0142. Apply yours anyway, or delete it.",
    ]
    rows = {row.key: row for row in model.rows()}
    assert isinstance(rows[f"change:{queued.change_id}"], ChangeRow)
    model.sort(Column.STATE, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model)


def test_a_correction_held_for_another_server_can_only_be_discarded(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: object,
) -> None:
    # Queued while the account talked to another Impilo: patient 10001 here is someone else.
    keys.set_key("custom", sandbox.api_key)  # type: ignore[attr-defined]
    window = make_window(*custom_argv, start=False)
    entry = window.services.store.enqueue_patient_change(
        address_change(PATIENT), server="https://elsewhere.example.test"
    )
    before = impilo_contact(sandbox)
    window.show()
    window.start()
    window.show_page("drafts")
    row = shown_change(qtbot, window, entry.change_id, EntryState.HELD)
    page = window.drafts_page
    assert "cannot be sent to" in row.message_text()
    assert not page.release_button.isEnabled()  # no "Send to this server"
    assert page.delete_button.isEnabled()
    page.row_actions.release_selected()  # the button's slot, reached another way: nothing happens
    assert window.findChild(QMessageBox, "applyChangeToServerConfirmation") is None
    assert impilo_contact(sandbox) == before

"""Drafts & outbox: the model, and open / duplicate / delete with Undo / refused orders,
driven through the real page against a real sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from impilo_desktop.domain import OrderDraft
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState
from impilo_desktop.ui.drafts.model import (
    ROW_ROLE,
    Column,
    DraftRow,
    DraftsModel,
    build_rows,
    format_when,
)
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import (
    NOT_ORDERABLE_ITEM,
    MakeWindow,
    sandbox_draft,
    shown_entry,
    submit,
    visible_child,
    wait_online,
)


def test_model_rows_columns_and_sorting(qtmodeltester: ModelTester) -> None:
    old = sandbox_draft(count=2)
    old.updated_at = datetime.now(UTC) - timedelta(days=3)
    new = OrderDraft()
    model = DraftsModel()
    model.set_rows(build_rows([old, new], []))
    qtmodeltester.check(model)
    assert model.rowCount() == 2
    assert model.columnCount() == len(Column)
    first = model.index(0, Column.STATE)
    assert model.data(first) == "Draft"
    assert model.data(model.index(0, Column.RECIPIENT)) == "No recipient yet"
    assert model.data(model.index(1, Column.RECIPIENT)) == "Jacqueline Seed"
    assert "2 \N{MULTIPLICATION SIGN} Seed item" in str(model.data(model.index(1, Column.LINES)))
    assert isinstance(model.data(first, ROW_ROLE), DraftRow)
    model.sort(Column.UPDATED, Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model)
    assert model.data(model.index(0, Column.RECIPIENT)) == "Jacqueline Seed"
    assert not model.flags(first) & Qt.ItemFlag.ItemIsEditable


def test_format_when_is_short_and_local() -> None:
    now = datetime(2026, 11, 26, 15, 0).astimezone()
    assert format_when(now - timedelta(hours=1), now) == (now - timedelta(hours=1)).strftime(
        "%H:%M"
    )
    assert format_when(now - timedelta(days=1), now).startswith("Yesterday ")
    assert format_when(now - timedelta(days=10), now).startswith("16 Nov")


def two_drafts_shown(
    qtbot: QtBot, make_window: MakeWindow, custom_argv: list[str], keys: object
) -> tuple[MainWindow, OrderDraft, OrderDraft]:
    """A focused window on Drafts & outbox listing two saved drafts (counts 1 and 5)."""
    keys.set_key("custom", "unused")  # type: ignore[attr-defined]
    window = make_window(*custom_argv, start=False)
    store = window.services.store
    first, second = sandbox_draft(count=1), sandbox_draft(count=5)
    store.save_draft(first)
    store.save_draft(second)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.show_page("drafts")
    qtbot.waitUntil(lambda: window.drafts_page.model.rowCount() == 2)
    return window, first, second


def test_draft_actions_open_duplicate_delete_and_undo(
    qtbot: QtBot, make_window: MakeWindow, custom_argv: list[str], keys: object
) -> None:
    window, first, second = two_drafts_shown(qtbot, make_window, custom_argv, keys)
    store = window.services.store
    page = window.drafts_page
    table = page.table
    assert table.objectName() == "draftsTable"
    assert page.selected_row() is not None

    # Duplicate with Ctrl+D: a third draft with a new id, selected.
    table.setFocus()
    page.select_key(f"draft:{first.draft_id}")
    with qtbot.waitSignal(page.rows_shown):
        qtbot.keyClick(table, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert page.model.rowCount() == 3
    copy = page.selected_row()
    assert isinstance(copy, DraftRow)
    assert copy.draft.draft_id not in (first.draft_id, second.draft_id)
    assert copy.draft.item_lines[0].count == 1

    # Delete with the Delete key, then Undo from the bar.
    with qtbot.waitSignal(page.rows_shown):
        qtbot.keyClick(table, Qt.Key.Key_Delete)
        assert page.model.rowCount() == 2  # at once, before the store has followed
    assert page.model.rowCount() == 2
    assert store.get_draft(copy.draft.draft_id) is None
    assert page.undo_bar.isVisible()
    undo = page.undo_bar.buttons()[0]
    assert undo.text() == "&Undo"
    with qtbot.waitSignal(page.rows_shown):
        qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    assert page.model.rowCount() == 3
    assert store.get_draft(copy.draft.draft_id) is not None
    assert not page.undo_bar.isVisible()

    # Open (Enter) loads the draft into New order and shows that page.
    page.select_key(f"draft:{second.draft_id}")
    with qtbot.waitSignal(page.open_draft_requested) as opened:
        qtbot.keyClick(table, Qt.Key.Key_Return)
    assert opened.args[0].draft_id == second.draft_id
    assert window.current_page_key() == "new_order"


def test_backspace_and_command_backspace_delete_like_del(
    qtbot: QtBot, make_window: MakeWindow, custom_argv: list[str], keys: object
) -> None:
    # The Mac keyboard's delete key is Backspace; Finder's delete is Command+Backspace, which
    # Qt calls Ctrl+Backspace on every platform.
    window, first, second = two_drafts_shown(qtbot, make_window, custom_argv, keys)
    store = window.services.store
    page = window.drafts_page
    table = page.table
    table.setFocus()

    page.select_key(f"draft:{first.draft_id}")
    with qtbot.waitSignal(page.rows_shown):
        qtbot.keyClick(table, Qt.Key.Key_Backspace)
    assert store.get_draft(first.draft_id) is None
    assert "Draft deleted" in page.undo_bar.text.text()

    page.select_key(f"draft:{second.draft_id}")
    with qtbot.waitSignal(page.rows_shown):
        qtbot.keyClick(table, Qt.Key.Key_Backspace, Qt.KeyboardModifier.ControlModifier)
    assert store.get_draft(second.draft_id) is None
    assert page.model.rowCount() == 0


def test_refused_order_shows_impilo_message_and_goes_back_to_drafts(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: object,
) -> None:
    keys.set_key("custom", sandbox.api_key)  # type: ignore[attr-defined]
    window = make_window(*custom_argv)
    wait_online(qtbot, window)
    with qtbot.waitSignal(window.services.outbox.entry_rejected, timeout=15_000) as refused:
        entry = submit(qtbot, window, sandbox_draft(NOT_ORDERABLE_ITEM))
    assert refused.args[0].entry_id == entry.entry_id
    assert window.notice_bar.isVisible()
    assert "cannot be ordered" in window.notice_bar.text.text()

    window.show_page("drafts")
    page = window.drafts_page
    row = shown_entry(qtbot, window, entry.entry_id, EntryState.REJECTED)
    assert page.model.data(page.model.index(page.model.row_of(row.key), Column.STATE)) == (
        "Refused by Impilo"
    )
    assert "cannot be ordered" in row.message_text()
    assert page.open_button.isEnabled()
    assert not page.release_button.isEnabled()
    with qtbot.waitSignal(page.open_draft_requested):
        qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert window.services.store.list_outbox() == []
    assert any(
        d.item_lines[0].item_id == NOT_ORDERABLE_ITEM for d in window.services.store.list_drafts()
    )


def test_sent_entry_says_it_was_placed_and_opens_in_history(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: object,
) -> None:
    keys.set_key("custom", sandbox.api_key)  # type: ignore[attr-defined]
    window = make_window(*custom_argv)
    wait_online(qtbot, window)
    with qtbot.waitSignal(window.services.outbox.entry_sent, timeout=15_000) as sent:
        entry = submit(qtbot, window, sandbox_draft())
    assert sent.args[0].state == EntryState.SENT
    order_id = sent.args[0].order_id
    window.show_page("drafts")
    page = window.drafts_page
    row = shown_entry(qtbot, window, entry.entry_id, EntryState.SENT)
    index = page.model.index(page.model.row_of(row.key), Column.STATE)
    assert index.data() == "Placed"
    assert row.message_text() == f"Placed as order {order_id}"
    assert "on its way" not in row.message_text()
    assert page.open_button.isEnabled()
    assert page.open_button.text() == "&Open in history"
    assert not page.delete_button.isEnabled()
    assert page.duplicate_button.isEnabled()

    # Enter on the row: Order history, with that order in the detail pane.
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    history = window.history
    qtbot.waitUntil(
        lambda: history.detail.order is not None and history.detail.order.id == order_id,
        timeout=15_000,
    )
    assert window.stack.currentWidget() is history
    assert not page.undo_bar.isVisible()  # no "cannot be changed" on the way


def test_held_order_is_released_and_sent(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: object,
) -> None:
    keys.set_key("custom", sandbox.api_key)  # type: ignore[attr-defined]
    window = make_window(*custom_argv, start=False)
    store = window.services.store
    entry = store.enqueue(sandbox_draft(), server=window.services.profile.base_url)
    store.mark_held(entry.entry_id, "older than 72 hours")  # as the sender does for old ones
    window.show()
    window.start()
    window.show_page("drafts")
    page = window.drafts_page
    row = shown_entry(qtbot, window, entry.entry_id, EntryState.HELD)
    assert "release it" in row.message_text()
    assert page.release_button.isEnabled()
    qtbot.waitUntil(lambda: window.status.outbox.label.text() == "Outbox: 1 needs attention")
    with qtbot.waitSignal(window.services.outbox.entry_sent, timeout=15_000) as sent:
        qtbot.mouseClick(page.release_button, Qt.MouseButton.LeftButton)
    assert sent.args[0].entry_id == entry.entry_id
    assert store.get_entry(entry.entry_id).state == EntryState.SENT


def test_an_order_queued_for_another_server_waits_until_a_person_sends_it(
    qtbot: QtBot,
    make_window: MakeWindow,
    sandbox: SandboxServer,
    custom_argv: list[str],
    keys: object,
) -> None:
    """The profile's address changed while an order waited: it is not sent to the new
    server, nor to the old one, until the coordinator says so with both in view."""
    keys.set_key("custom", sandbox.api_key)  # type: ignore[attr-defined]
    window = make_window(*custom_argv, start=False)
    store = window.services.store
    old_server = "https://impilo.old-clinic.example"
    entry = store.enqueue(sandbox_draft(), server=old_server)
    window.show()
    window.start()
    window.show_page("drafts")
    page = window.drafts_page

    row = shown_entry(qtbot, window, entry.entry_id, EntryState.HELD)
    assert row is not None
    assert row.state == EntryState.HELD
    assert row.message_text() == (
        f"Queued for {old_server}; this profile now talks to {sandbox.base_url}. Send it to"
        f" {sandbox.base_url}, or keep it waiting."
    )
    assert store.get_entry(entry.entry_id).attempts == 0  # nothing went anywhere

    qtbot.mouseClick(page.release_button, Qt.MouseButton.LeftButton)
    box = visible_child(qtbot, window, QMessageBox, "releaseToServerConfirmation")
    assert sandbox.base_url in box.text()
    assert old_server in box.informativeText()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    confirm = next(b for b in box.buttons() if b.objectName() == "confirmReleaseToServer")
    with qtbot.waitSignal(window.services.outbox.entry_sent, timeout=15_000) as sent:
        qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)
    assert sent.args[0].entry_id == entry.entry_id
    done = store.get_entry(entry.entry_id)
    assert (done.state, done.server) == (EntryState.SENT, sandbox.base_url)

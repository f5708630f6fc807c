"""What the import dialog must not lose (issue 15 review): the spreadsheet itself chosen as
the rows-with-problems file, the dialog closed while it queues, orders queued elsewhere since
the preview, a file too large or one that never answers."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from impilo_desktop.store import ImportBatch, Store
from impilo_desktop.sync.order_import import queue_import
from impilo_desktop.sync.sheet_file import MAX_SHEET_BYTES, SameAsSpreadsheet
from impilo_desktop.ui.order_import import wording
from impilo_desktop.ui.order_import.dialog import ImportDialog
from impilo_desktop.ui.order_import.files import is_same_file, prepare_file
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import Enrolment, enrolment, open_import, previewed, refreshed
from .test_queue import clean, finished_notice


def _outbox(store: Store) -> int:
    return len(store.list_outbox())


def _said(qtbot: QtBot, dialog: ImportDialog, start: str) -> str:
    message = dialog.preview_page.message
    qtbot.waitUntil(lambda: message.text().startswith(start), timeout=30_000)
    return message.text()


@pytest.mark.parametrize("how", ["the same name", "a link to it"])
def test_the_spreadsheet_itself_is_refused_for_the_rows_with_problems(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path, how: str
) -> None:
    window = online_window
    store = refreshed(qtbot, window)
    path = enrolment(store).write_csv(tmp_path / "enrolment.csv")
    original = path.read_bytes()
    dialog = open_import(qtbot, window)
    previewed(qtbot, dialog, path)
    target = path
    if how == "a link to it":  # another name, the same file: only the disk can tell
        target = tmp_path / "Enrolment copy.csv"
        os.link(path, target)

    dialog.queue_good_and_save(target)

    text = _said(qtbot, dialog, "That is the spreadsheet")
    assert text == wording.SAME_AS_SPREADSHEET + " Nothing was queued."
    assert path.read_bytes() == original
    assert _outbox(store) == 0
    page = dialog.preview_page
    assert page.queue_good.isEnabled()  # asked again: another name can be chosen
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".impilo-")) == []


def test_closing_the_dialog_while_it_queues_loses_nothing(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    window = online_window
    store = refreshed(qtbot, window)
    path = clean(enrolment(store)).write_csv(tmp_path / "orders.csv")
    dialog = open_import(qtbot, window)
    previewed(qtbot, dialog, path)

    dialog.queue_all()
    assert dialog.queueing
    dialog.close_button.click()  # before the bridge has answered
    assert not dialog.isVisible()

    # The window follows the batch: progress, then its summary notice.
    assert finished_notice(qtbot, window) == "Import finished: orders.csv: 3 placed."
    assert window.menus.imports.dialog is None


def _queued_meanwhile(qtbot: QtBot, window: MainWindow, dialog: ImportDialog) -> None:
    """The preview's new orders queued by someone else (another dialog of this profile)."""
    preview = dialog.preview
    assert preview is not None
    store, server = window.services.store, window.services.profile.base_url
    done: list[ImportBatch] = []
    window.services.bridge.call(
        lambda: queue_import(store, preview, server=server, orders=preview.new_orders),
        on_result=done.append,
    )
    qtbot.waitUntil(lambda: bool(done), timeout=30_000)


def test_orders_queued_since_the_preview_are_said_once_and_the_file_checked_again(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    window = online_window
    store = refreshed(qtbot, window)
    sheet = enrolment(store)
    path = sheet.write_csv(tmp_path / "enrolment.csv")
    dialog = open_import(qtbot, window)
    previewed(qtbot, dialog, path)
    _queued_meanwhile(qtbot, window, dialog)
    target = tmp_path / "enrolment - rows with problems.csv"

    dialog.queue_good_and_save(target)

    text = _said(qtbot, dialog, "Nothing was queued: 3 orders")
    assert text.count("Nothing was queued") == 1
    assert "The file was checked again." in text
    page = dialog.preview_page
    qtbot.waitUntil(lambda: page.totals.text().startswith("5 orders, 3 already placed, 0 new"))
    assert not page.queue_good.isVisible()  # nothing left that a Queue could place
    assert not page.queue_all.isVisible()
    assert page.another.isEnabled()  # another file can be chosen
    assert not target.exists()  # written only once the orders are queued
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["enrolment.csv"]
    assert _outbox(store) == 3  # the other import's, once


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "ehr dump.csv"
    with path.open("wb") as out:
        out.truncate(MAX_SHEET_BYTES + 1)  # sparse: as large as that, without writing it
    dialog = open_import(qtbot, online_window)
    dialog.open_file(path)
    message = dialog.choose_page.message
    qtbot.waitUntil(message.isVisible, timeout=10_000)
    assert message.text() == (
        "ehr dump.csv is too large (over 20 MB); split it. Nothing was queued."
    )


def _reading_threads() -> list[threading.Thread]:
    """The threads now inside a read of a spreadsheet file (the old way or ours)."""
    frames = sys._current_frames()
    found = []
    for thread in threading.enumerate():
        frame = frames.get(thread.ident or -1)
        while frame is not None:
            if frame.f_code.co_name in ("read_sheet_file", "read_bytes"):
                found.append(thread)
                break
            frame = frame.f_back
    return found


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="a named pipe stands for a hung share")
def test_a_file_that_never_answers_does_not_keep_the_app_from_quitting(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "hung share.csv"
    os.mkfifo(path)
    # A writer that writes nothing: a read waits for it, as on a hung network share.
    writer = os.open(path, os.O_RDWR)
    dialog = open_import(qtbot, online_window)
    dialog.open_file(path)
    qtbot.waitUntil(lambda: bool(_reading_threads()), timeout=10_000)
    reading = _reading_threads()
    dialog.cancel_button.click()
    try:
        # Python waits at exit for every thread that is not a daemon: none may be reading.
        assert all(thread.daemon for thread in reading), reading
    finally:
        os.close(writer)  # the read ends, and the thread with it
        for thread in reading:
            thread.join(timeout=30)


def test_the_queue_good_choice_stays_with_another_name(
    qtbot: QtBot, online_window: MainWindow, tmp_path: Path
) -> None:
    """The normal road still works: another name, written once the orders are queued."""
    window = online_window
    store = refreshed(qtbot, window)
    sheet: Enrolment = enrolment(store)
    path = sheet.write_csv(tmp_path / "enrolment.csv")
    dialog = open_import(qtbot, window)
    previewed(qtbot, dialog, path)
    target = tmp_path / "left.csv"
    dialog.queue_good_and_save(target)
    qtbot.waitUntil(lambda: dialog.stack.currentWidget() is dialog.queued_page, timeout=30_000)
    assert target.exists()
    files = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert files == ["enrolment.csv", "left.csv"]


def test_the_chooser_answer_is_compared_by_name_and_the_write_by_the_disk(
    tmp_path: Path,
) -> None:
    """The chooser's answer is compared without touching the disk (the UI thread); the write
    on the bridge catches another name for the same file."""
    source = tmp_path / "enrolment.csv"
    source.write_bytes(b"order_ref\n")
    assert is_same_file(tmp_path / "sub" / ".." / "enrolment.csv", source)
    assert not is_same_file(tmp_path / "enrolment - rows with problems.csv", source)
    link = tmp_path / "link.csv"
    os.link(source, link)
    assert not is_same_file(link, source)
    with pytest.raises(SameAsSpreadsheet):
        prepare_file(link, b"x", source)
    assert source.read_bytes() == b"order_ref\n"
    written = prepare_file(tmp_path / "left.csv", b"rows", source)
    assert not (tmp_path / "left.csv").exists()  # not in place until committed
    written.commit()
    assert (tmp_path / "left.csv").read_bytes() == b"rows"

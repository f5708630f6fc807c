"""Saving files from Order history as Windows and macOS users expect: a save dialog starts
in Documents and then in the folder its kind of file (CSV, PDF) went to last; a CSV that
another program (Excel) holds open is said so plainly, with another name offered."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.history.dialogs import SaveFolder
from impilo_desktop.ui.history.view import OrderHistoryView


def _shown(kind: type[QFileDialog] | type[QMessageBox], name: str) -> QFileDialog | QMessageBox:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, kind) and widget.objectName() == name and widget.isVisible():
            return widget
    raise LookupError(name)


def _dialog(qtbot: QtBot, name: str) -> QFileDialog:
    found: list[QFileDialog] = []

    def shown() -> bool:
        try:
            widget = _shown(QFileDialog, name)
        except LookupError:
            return False
        assert isinstance(widget, QFileDialog)
        found[:] = [widget]
        return True

    qtbot.waitUntil(shown)
    return found[0]


@pytest.fixture
def user_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's home folder with a Documents folder, as Qt finds it (HOME, XDG)."""
    home = tmp_path / "user"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))  # no user-dirs.dirs here
    return home


def _loaded_rows_only(qtbot: QtBot) -> None:
    """Answer Export CSV…'s question with "only the rows loaded"."""

    def asked() -> bool:
        try:
            return isinstance(_shown(QMessageBox, "exportWhichOrdersDialog"), QMessageBox)
        except LookupError:
            return False

    qtbot.waitUntil(asked)
    box = _shown(QMessageBox, "exportWhichOrdersDialog")
    button = box.findChild(QPushButton, "exportLoadedRowsButton")
    assert button is not None
    button.click()


def _show_an_order(qtbot: QtBot, history: OrderHistoryView) -> None:
    order_id = history.model.rows()[0].order_id
    history.show_order(order_id)
    qtbot.waitUntil(lambda: history.detail.pdf_button.isEnabled(), timeout=20_000)


def test_save_dialogs_start_in_documents_then_where_that_kind_of_file_went_last(
    qtbot: QtBot, history: OrderHistoryView, user_home: Path, tmp_path: Path, app_home: Path
) -> None:
    history.choose_csv_file()
    _loaded_rows_only(qtbot)
    dialog = _dialog(qtbot, "exportCsvDialog")
    assert Path(dialog.directory().absolutePath()) == user_home / "Documents"
    # Where the file goes is the coordinator's choice; the caption says what it holds.
    assert dialog.windowTitle() == "Save orders as CSV — contains patient data"
    exports = tmp_path / "exports"
    exports.mkdir()
    with qtbot.waitSignal(history.exporter.finished, timeout=20_000):
        dialog.selectFile(str(exports / "week.csv"))
        dialog.accept()
    assert (exports / "week.csv").is_file()

    # A summary PDF has its own place: Documents until one was saved somewhere.
    _show_an_order(qtbot, history)
    history.choose_pdf_file()
    pdf_dialog = _dialog(qtbot, "savePdfDialog")
    assert Path(pdf_dialog.directory().absolutePath()) == user_home / "Documents"
    assert pdf_dialog.windowTitle() == "Save order summary PDF — contains patient data"
    summaries = tmp_path / "summaries"
    summaries.mkdir()
    pdf_dialog.selectFile(str(summaries / "order.pdf"))
    pdf_dialog.accept()
    pdf = summaries / "order.pdf"
    qtbot.waitUntil(lambda: pdf.is_file() and pdf.read_bytes().endswith(b"%%EOF\n"))

    history.choose_csv_file()
    _loaded_rows_only(qtbot)
    again = _dialog(qtbot, "exportCsvDialog")
    assert Path(again.directory().absolutePath()) == exports
    again.reject()
    history.choose_pdf_file()
    pdf_again = _dialog(qtbot, "savePdfDialog")
    assert Path(pdf_again.directory().absolutePath()) == summaries
    pdf_again.reject()
    # Kept for the next start too, one folder per kind.
    assert SaveFolder(app_home, "csv").start() == exports
    assert SaveFolder(app_home, "pdf").start() == summaries


def test_the_folder_kept_before_there_was_one_per_kind_is_still_a_start(
    app_home: Path, tmp_path: Path, user_home: Path
) -> None:
    QSettings(str(app_home / "window.ini"), QSettings.Format.IniFormat).setValue(
        SaveFolder.LEGACY_KEY, str(tmp_path)
    )
    assert SaveFolder(app_home, "csv").start() == tmp_path
    assert SaveFolder(app_home, "pdf").start() == tmp_path
    gone = tmp_path / "removed"
    pdf = SaveFolder(app_home, "pdf")
    pdf.remember(gone / "order.pdf")  # a folder deleted since: Documents, not an error
    QSettings(str(app_home / "window.ini"), QSettings.Format.IniFormat).remove(
        SaveFolder.LEGACY_KEY
    )
    assert SaveFolder(app_home, "pdf").start() == user_home / "Documents"


@contextmanager
def held_open_elsewhere(path: Path) -> Iterator[None]:
    """As Excel holding a file open on Windows (opening it to write fails): here a read-only
    file, or for root (who may write anything) an immutable one."""
    path.chmod(0o444)
    immutable = False
    try:
        try:
            path.open("r+b").close()
        except PermissionError:
            pass
        else:
            chattr = shutil.which("chattr")
            immutable = chattr is not None and (
                subprocess.run([chattr, "+i", str(path)], check=False).returncode == 0
            )
            if not immutable:
                pytest.skip("cannot make a file unwritable here")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o644)


def test_a_csv_open_in_another_program_is_said_plainly_with_another_name_offered(
    qtbot: QtBot, history: OrderHistoryView, tmp_path: Path
) -> None:
    target = tmp_path / "orders.csv"
    target.write_text("yesterday's export\n", encoding="utf-8")
    with held_open_elsewhere(target):
        history.export_csv(target)  # the rows loaded (the question is answered above)

        def offered() -> bool:
            try:
                return isinstance(_shown(QMessageBox, "fileInUseMessage"), QMessageBox)
            except LookupError:
                return False

        qtbot.waitUntil(offered, timeout=20_000)
        box = _shown(QMessageBox, "fileInUseMessage")
        assert isinstance(box, QMessageBox)
        assert box.text() == "The orders were not exported."
        assert box.informativeText() == (
            "orders.csv is open in another program (Excel?). Close it there, or save under"
            " another name."
        )
        assert history.export_button.isEnabled()
        another = box.findChild(QPushButton, "saveUnderAnotherName")
        assert another is not None
        another.click()
        dialog = _dialog(qtbot, "exportCsvDialog")
        assert Path(dialog.directory().absolutePath()) == tmp_path
        assert [Path(f).name for f in dialog.selectedFiles()] == ["orders (2).csv"]
        with qtbot.waitSignal(history.exporter.finished, timeout=20_000):
            dialog.accept()
    assert (tmp_path / "orders (2).csv").is_file()
    assert target.read_text(encoding="utf-8") == "yesterday's export\n"  # left alone
    assert not (tmp_path / "orders.csv.part").exists()

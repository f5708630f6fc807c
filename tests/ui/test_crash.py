"""Uncaught errors are logged (key redacted) and shown, instead of the app vanishing."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from impilo_desktop import __version__, config, logs
from impilo_desktop.ui.dialogs.crash import (
    CrashDialog,
    CrashReport,
    build_report,
    install_excepthook,
)

KEY = "ik_test_Zq81mWx4Lk2RtYv0"
SANDBOX = config.Profile("sandbox", "http://127.0.0.1:8765")


@pytest.fixture
def log_file() -> Iterator[Path]:
    path = logs.configure_logging()
    logs.register_secret(KEY)
    yield path
    logs.reset_logging()
    logs.forget_secrets()


def failing_call() -> None:
    raise RuntimeError(f"server said no to Impilo-API-Key {KEY}")


def make_report() -> CrashReport:
    try:
        failing_call()
    except RuntimeError as exc:
        return build_report(type(exc), exc, exc.__traceback__, profile=SANDBOX)
    raise AssertionError("unreachable")


def test_report_has_what_support_needs_and_no_key(log_file: Path) -> None:
    report = make_report()
    assert len(report.error_id) == 8
    assert report.summary == "RuntimeError: server said no to Impilo-API-Key [redacted]"
    details = report.details
    assert f"error {report.error_id}" in details
    assert f"Impilo Desktop {__version__}" in details
    assert "Operating system: " in details
    assert "Qt: Qt 6." in details
    assert "PySide6 6." in details
    assert "Profile: sandbox (http://127.0.0.1:8765)" in details
    assert f"Log folder: {config.log_dir()}" in details
    assert "Traceback (most recent call last)" in details
    assert "in failing_call" in details
    assert KEY not in details


@pytest.mark.qt_no_exception_capture
def test_error_in_a_slot_is_logged_and_presented(qtbot: QtBot, log_file: Path) -> None:
    shown: list[CrashReport] = []
    handler = install_excepthook(shown.append, profile=lambda: SANDBOX, native_crash_log=False)
    try:
        QTimer.singleShot(0, failing_call)
        qtbot.waitUntil(lambda: len(shown) == 1)
    finally:
        handler.uninstall()
    report = shown[0]
    assert "RuntimeError" in report.summary
    assert report.log_folder == config.log_dir()
    text = log_file.read_text(encoding="utf-8")
    assert f"Uncaught error {report.error_id} in thread MainThread" in text
    assert "in failing_call" in text
    assert KEY not in text


@pytest.mark.qt_no_exception_capture
def test_error_in_another_thread_is_presented_on_the_ui_thread(
    qtbot: QtBot, log_file: Path
) -> None:
    presented_on: list[str] = []

    def presenter(report: CrashReport) -> None:
        presented_on.append(threading.current_thread().name)

    handler = install_excepthook(presenter, native_crash_log=False)
    try:
        worker = threading.Thread(target=failing_call, name="sync-worker")
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: len(presented_on) == 1)
    finally:
        handler.uninstall()
    assert presented_on == [threading.main_thread().name]
    assert "Thread: sync-worker" in handler.reports[0].details
    assert "in thread sync-worker" in log_file.read_text(encoding="utf-8")


def test_uninstall_restores_the_previous_hooks(qapp: QApplication) -> None:
    before_sys, before_threading = sys.excepthook, threading.excepthook
    handler = install_excepthook(lambda report: None, native_crash_log=False)
    assert sys.excepthook == handler.handle_exception
    assert threading.excepthook != before_threading
    handler.uninstall()
    assert sys.excepthook is before_sys
    assert threading.excepthook is before_threading


def test_a_second_error_while_the_dialog_is_open_does_not_stack(
    qapp: QApplication, log_file: Path
) -> None:
    calls: list[CrashReport] = []

    def presenter(report: CrashReport) -> None:
        calls.append(report)
        # Another failure while the first dialog is up (e.g. a timer that keeps failing).
        try:
            failing_call()
        except RuntimeError as exc:
            handler.handle_exception(type(exc), exc, exc.__traceback__)

    handler = install_excepthook(presenter, native_crash_log=False)
    try:
        try:
            failing_call()
        except RuntimeError as exc:
            handler.handle_exception(type(exc), exc, exc.__traceback__)
    finally:
        handler.uninstall()
    assert len(calls) == 1
    assert len(handler.reports) == 2
    assert "a crash dialog is already open" in log_file.read_text(encoding="utf-8")


def test_a_broken_presenter_falls_back_to_stderr(
    qapp: QApplication, log_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def presenter(report: CrashReport) -> None:
        raise OSError("no display")

    handler = install_excepthook(presenter, native_crash_log=False)
    try:
        try:
            failing_call()
        except RuntimeError as exc:
            handler.handle_exception(type(exc), exc, exc.__traceback__)
    finally:
        handler.uninstall()
    err = capsys.readouterr().err
    assert f"error {handler.reports[0].error_id}" in err
    assert KEY not in err
    assert "Could not show the crash dialog" in log_file.read_text(encoding="utf-8")


def test_dialog_shows_the_report_and_its_buttons_work(
    qtbot: QtBot, log_file: Path, opened_urls: list[QUrl]
) -> None:
    report = make_report()
    dialog = CrashDialog(report)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.details.toPlainText() == report.details
    assert dialog.details.isReadOnly()
    assert KEY not in dialog.details.toPlainText()

    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == report.details

    dialog.open_logs_button.click()
    assert [u.toLocalFile() for u in opened_urls] == [str(config.log_dir())]

    with qtbot.waitSignal(dialog.finished):
        dialog.close_button.click()
    assert not dialog.isVisible()


@pytest.mark.qt_no_exception_capture
def test_default_presenter_shows_the_crash_dialog(qtbot: QtBot, log_file: Path) -> None:
    seen: list[str] = []

    def read_and_close() -> None:
        # Polled from the dialog's own (nested) event loop until it is up.
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, CrashDialog):
            poll.stop()
            seen.append(dialog.details.toPlainText())
            dialog.close_button.click()

    poll = QTimer()
    poll.setInterval(10)
    poll.timeout.connect(read_and_close)
    handler = install_excepthook(native_crash_log=False)
    try:
        QTimer.singleShot(0, failing_call)
        poll.start()
        qtbot.waitUntil(lambda: len(seen) == 1)
    finally:
        poll.stop()
        handler.uninstall()
    assert f"error {handler.reports[0].error_id}" in seen[0]
    assert KEY not in seen[0]

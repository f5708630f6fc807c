"""Uncaught errors: log them and tell the coordinator, instead of the window vanishing.

`install_excepthook()` takes over `sys.excepthook` (which PySide6 also calls for an exception
escaping a slot or a virtual method) and `threading.excepthook`. Each error gets a short id,
is logged with its traceback, and is handed to a *presenter* on the UI thread: by default the
`CrashDialog`, in tests anything that records the report. Everything shown or copied passes
through `logs.redact`, so the API key cannot reach a support email.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from impilo_desktop import APP_NAME, config
from impilo_desktop.logs import disable_native_crash_log, enable_native_crash_log, redact
from impilo_desktop.ui.dialogs.support import support_facts
from impilo_desktop.ui.dialogs.support_buttons import SupportButtons

log = logging.getLogger(__name__)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


@dataclass(frozen=True)
class CrashReport:
    """What the coordinator sees and can send to support (already redacted)."""

    error_id: str
    summary: str
    details: str
    log_folder: Path


Presenter = Callable[[CrashReport], None]
ProfileSource = Callable[[], config.Profile | None]


def new_error_id() -> str:
    """Eight hex characters: short enough to read out on the phone, unique enough to grep."""
    return uuid.uuid4().hex[:8].upper()


def build_report(
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    *,
    error_id: str | None = None,
    profile: config.Profile | None = None,
    log_folder: Path | None = None,
    thread_name: str | None = None,
) -> CrashReport:
    """Assemble the redacted report for one uncaught error."""
    error_id = error_id or new_error_id()
    folder = log_folder or config.log_dir()
    summary = redact("".join(traceback.format_exception_only(exc_type, exc)).strip())
    lines = [f"{APP_NAME} error {error_id}"]
    lines.append(f"Time: {datetime.now(UTC).isoformat(timespec='seconds')}")
    lines += [f"{label}: {value}" for label, value in support_facts(profile, folder)]
    lines.append(f"Thread: {thread_name or threading.current_thread().name}")
    lines.append("")
    lines.append("".join(traceback.format_exception(exc_type, exc, tb)).rstrip())
    return CrashReport(error_id, summary, redact("\n".join(lines)), folder)


class CrashDialog(QDialog):
    """A plain message, the error id, the details for support, and three buttons."""

    def __init__(self, report: CrashReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setObjectName("crashDialog")
        self.setWindowTitle(f"{APP_NAME} — something went wrong")
        self.setWindowModality(Qt.WindowModality.ApplicationModal)

        icon = QLabel()
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_MessageBoxIconSize)
        icon.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical).pixmap(size)
        )
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)

        heading = QLabel(f"<b>{APP_NAME} ran into a problem.</b>")
        heading.setObjectName("crashHeading")
        message = QLabel(
            "What you were doing may not have finished. Your drafts and unsent orders are kept"
            " on this computer, so you can close this message and carry on.\n\n"
            "If it happens again, please send the details below to Impilo support: click"
            " “Copy details” and paste them into your email."
        )
        message.setObjectName("crashMessage")
        message.setWordWrap(True)
        error_id = QLabel(f"Error ID: <b>{report.error_id}</b> — {_escape(report.summary)}")
        error_id.setObjectName("crashErrorId")
        error_id.setWordWrap(True)
        error_id.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.details = QPlainTextEdit(report.details)
        self.details.setObjectName("crashDetails")
        self.details.setAccessibleName("Details for support")
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setMinimumSize(560, 220)

        self.support = SupportButtons(
            self,
            copy_name="copyDetailsButton",
            details=lambda: self.report.details,
            log_folder=lambda: self.report.log_folder,
        )
        self.copy_button = self.support.copy_button
        self.open_logs_button = self.support.open_logs_button
        self.close_button = self.support.close_button

        text = QVBoxLayout()
        text.addWidget(heading)
        text.addWidget(message)
        text.addWidget(error_id)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addLayout(text, 1)
        buttons = self.support.row
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(QLabel("What to send to support:"))
        layout.addWidget(self.details, 1)
        layout.addLayout(buttons)

    @Slot()
    def open_log_folder(self) -> None:
        self.support.open_log_folder()

    @Slot()
    def copy_details(self) -> None:
        self.support.copy_details()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def show_crash_dialog(report: CrashReport) -> None:
    """The default presenter: a modal dialog, or stderr when there is no QApplication yet."""
    app = QApplication.instance()
    if app is None:
        print(report.details, file=sys.stderr)
        return
    parent = QApplication.activeWindow()
    dialog = CrashDialog(report, parent)
    dialog.exec()
    dialog.deleteLater()


class CrashHandler(QObject):
    """Owns the installed hooks; errors from any thread reach the presenter on the UI thread."""

    # Emitted from whatever thread failed; the auto connection queues it to this object's
    # (the UI) thread when needed.
    crashed = Signal(object)

    def __init__(
        self,
        presenter: Presenter | None = None,
        profile: ProfileSource | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._presenter = presenter or show_crash_dialog
        self._profile = profile or (lambda: None)
        self._presenting = False
        self._native = False
        self._previous_sys: Callable[..., object] | None = None
        self._previous_threading: Callable[..., object] | None = None
        self.reports: list[CrashReport] = []
        self.crashed.connect(self._present)

    def install(self, native_crash_log: bool = False) -> None:
        """Take over the hooks; with `native_crash_log`, also record fatal signals (crashes in
        Qt or other C code that no Python hook sees) to a file in the log folder."""
        if native_crash_log:
            enable_native_crash_log()
            self._native = True
        self._previous_sys = sys.excepthook
        self._previous_threading = threading.excepthook
        sys.excepthook = self.handle_exception
        threading.excepthook = self._handle_thread_exception

    def uninstall(self) -> None:
        """Restore the hooks that were there before `install()`."""
        if self._native:
            disable_native_crash_log()
            self._native = False
        if self._previous_sys is not None and sys.excepthook == self.handle_exception:
            sys.excepthook = self._previous_sys
        if (
            self._previous_threading is not None
            and threading.excepthook == self._handle_thread_exception
        ):
            threading.excepthook = self._previous_threading

    def handle_exception(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
        thread_name: str | None = None,
    ) -> None:
        """Log the error and show it. Safe to call from any thread."""
        if issubclass(exc_type, KeyboardInterrupt) and self._previous_sys is not None:
            self._previous_sys(exc_type, exc, tb)
            return
        try:
            error_id = new_error_id()
            log.critical(
                "Uncaught error %s in thread %s",
                error_id,
                thread_name or threading.current_thread().name,
                exc_info=(exc_type, exc, tb),
            )
            report = build_report(
                exc_type,
                exc,
                tb,
                error_id=error_id,
                profile=self._safe_profile(),
                thread_name=thread_name,
            )
        except Exception:
            # The crash handler must never be the thing that takes the app down.
            traceback.print_exception(exc_type, exc, tb)
            return
        self.crashed.emit(report)

    def _handle_thread_exception(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else None
        self.handle_exception(args.exc_type, args.exc_value, args.exc_traceback, name)

    def _safe_profile(self) -> config.Profile | None:
        try:
            return self._profile()
        except Exception:
            return None

    @Slot(object)
    def _present(self, report: CrashReport) -> None:
        self.reports.append(report)
        if self._presenting:
            # One dialog at a time: a timer failing every tick must not stack up dialogs.
            log.warning("Not showing error %s: a crash dialog is already open", report.error_id)
            return
        self._presenting = True
        try:
            self._presenter(report)
        except Exception:
            log.exception("Could not show the crash dialog for error %s", report.error_id)
            print(report.details, file=sys.stderr)
        finally:
            self._presenting = False


def install_excepthook(
    presenter: Presenter | None = None,
    *,
    profile: ProfileSource | None = None,
    parent: QObject | None = None,
    native_crash_log: bool = True,
) -> CrashHandler:
    """Route uncaught errors (UI thread and other threads) to the log and to `presenter`, and
    (unless `native_crash_log=False`, as tests do) fatal signals to a file beside the log.

    Create it on the UI thread (after the QApplication) so the presenter runs there. Keep the
    returned handler alive; `uninstall()` restores the previous hooks.
    """
    handler = CrashHandler(presenter, profile, parent)
    handler.install(native_crash_log=native_crash_log)
    return handler

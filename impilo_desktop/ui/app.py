"""Application start-up: the QApplication, the profile to open, and the main window.

`create_app` builds everything without entering the event loop or opening a modal dialog,
so tests and the self-test drive the same window the coordinator sees. `run_app` is the
command line's entry: it shows the window (with the welcome dialog on a first run) and runs
the loop. A fresh machine with no account starts in sandbox mode against the built-in server,
so the app is usable the moment the window exists.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from impilo_desktop import APP_ID, APP_NAME, __version__
from impilo_desktop.config import ConfigError, Settings, app_home
from impilo_desktop.secrets import KeyStore
from impilo_desktop.start_choice import choose_start
from impilo_desktop.store import StoreError
from impilo_desktop.ui.dialogs.passphrase import ask_passphrase
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.ui.plumbing.data_protection import (
    SESSION_ONLY_TEXT,
    AskPassphrase,
    choose_protection,
    encrypt_with_progress,
)
from impilo_desktop.ui.plumbing.resources import svg_path
from impilo_desktop.ui.plumbing.session import SandboxHost
from impilo_desktop.ui.plumbing.session_end import register_for_restart
from impilo_desktop.ui.plumbing.single_instance import SingleInstance, bring_to_front
from impilo_desktop.ui.plumbing.theme import scheme_follower
from impilo_desktop.ui.plumbing.ui_thread_gc import install_ui_thread_gc
from impilo_desktop.ui.shell.main_window import MainWindow

log = logging.getLogger(__name__)

ALREADY_RUNNING_NO_ANSWER = (
    f"{APP_NAME} is already open on this computer, but it does not answer. Close it (if it"
    " does not close, end it in Task Manager, or with Force Quit on a Mac), then start it"
    " again."
)


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """`--profile` and `--base-url` (as on the command line); the rest is left for Qt."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--profile")
    parser.add_argument("--base-url")
    parser.add_argument("--self-test", action="store_true")
    args, rest = parser.parse_known_args(list(argv))
    return args, rest


def _qt_application(qt_args: list[str]) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Fractional scaling (125 %, 150 %) as the OS asks, instead of rounding to 1x or 2x.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    return QApplication([sys.argv[0] if sys.argv else APP_ID, *qt_args])


def create_app(
    argv: Sequence[str],
    home: Path | None = None,
    *,
    keys: KeyStore | None = None,
    ask_passphrase: AskPassphrase | None = None,
    sandbox_after_paint: bool = False,
) -> tuple[QApplication, MainWindow]:
    """Build the application and its main window (not shown, no event loop, no dialog).

    `keys` lets tests inject a KeyStore over an in-memory keyring. Where no keyring exists,
    `ask_passphrase` asks for the database passphrase (None: none is asked and the session
    keeps its data in memory; the app passes the dialog, tests a function). With
    `sandbox_after_paint` (the command's window) the built-in sandbox only takes its port
    here, and its server is built when the window starts its work, after the first paint;
    requests wait for it meanwhile (`SandboxHost`).
    """
    args, qt_args = parse_args(argv)
    app = _qt_application(qt_args)
    install_ui_thread_gc(app)
    QCoreApplication.setOrganizationName("Impilo")
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setApplicationVersion(__version__)
    QGuiApplication.setDesktopFileName(APP_ID)
    app.setWindowIcon(QIcon(str(svg_path("app"))))
    scheme_follower(app)

    home = home or app_home()
    home.mkdir(parents=True, exist_ok=True)
    keys = keys or KeyStore()
    settings = Settings.load(home)
    choice = choose_start(args.profile, args.base_url, settings, keys)

    bridge = AsyncBridge()
    sandbox = SandboxHost(home)
    profile = choice.profile or sandbox.profile(keys, serve=not sandbox_after_paint)
    if profile.is_sandbox and not keys.get_key(profile.name):
        # A standalone sandbox (`impilo-desktop sandbox`) accepts the public demo key.
        from impilo_desktop.sandbox import DEMO_API_KEY

        keys.pin_session_key(profile.name, DEMO_API_KEY)
    choose_protection(profile, home, keys, ask_passphrase, bridge)
    encrypt_with_progress(profile, home, keys, bridge)
    try:
        window = MainWindow(
            profile=profile,
            home=home,
            keys=keys,
            bridge=bridge,
            sandbox=sandbox,
            first_run=choice.first_run,
        )
    except BaseException:
        bridge.close()
        sandbox.stop()
        raise
    if choice.notice:
        window.show_notice(choice.notice)
    if window.services.store.in_memory:
        window.show_notice(SESSION_ONLY_TEXT)
    return app, window


def _quit_on_interrupt(app: QApplication, window: MainWindow) -> None:
    """Ctrl+C in the terminal closes the window (with the usual unsent-orders question)
    instead of being swallowed while Qt's loop runs."""
    signal.signal(signal.SIGINT, lambda *_args: QTimer.singleShot(0, window.close))
    # Python handles signals only between bytecodes; wake it up now and then.
    waker = QTimer(app)
    waker.timeout.connect(lambda: None)
    waker.start(500)


def _startup_failed(message: str) -> None:
    app = QApplication.instance() or QApplication([APP_ID])
    assert isinstance(app, QApplication)
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        f"{APP_NAME} could not start",
        f"{APP_NAME} could not start.\n\n{message}",
    )
    box.setObjectName("startupFailed")
    box.exec()


def run_app(argv: Sequence[str]) -> int:
    """Show the window (and the welcome dialog on a first run) and run the event loop; or,
    when a copy of the window is already open on this home, bring that one to the front."""
    _qt_application(parse_args(argv)[1])
    instance = SingleInstance(app_home())
    if not instance.claim():
        # Before the log and the store are touched: they are the running copy's.
        if instance.hand_over(argv):
            return 0
        _startup_failed(ALREADY_RUNNING_NO_ANSWER)
        return 1
    try:
        return _run_window(argv, instance)
    finally:
        instance.release()


def _run_window(argv: Sequence[str], instance: SingleInstance) -> int:
    from impilo_desktop.logs import configure_logging, reset_logging

    log_file = configure_logging()
    try:
        app, window = create_app(argv, ask_passphrase=ask_passphrase, sandbox_after_paint=True)
    except (StoreError, ConfigError, OSError) as exc:
        # The local database is locked by another copy, damaged or unwritable, or the
        # built-in sandbox could not listen: say so instead of vanishing.
        log.exception("Impilo Desktop could not start")
        _startup_failed(str(getattr(exc, "message", "") or exc))
        reset_logging()
        return 1
    instance.activation_requested.connect(lambda _argv: bring_to_front(window))
    register_for_restart()
    try:
        from impilo_desktop.ui.dialogs.crash import install_excepthook

        crash_handler = install_excepthook(profile=lambda: window.services.profile, parent=app)
    except ImportError:  # the crash dialog is optional during development
        crash_handler = None
    log.info("Impilo Desktop %s started; log file %s", __version__, log_file)
    collector = install_ui_thread_gc(app)
    window.show()
    window.start_after_first_paint()
    _quit_on_interrupt(app, window)
    if window.first_run:
        window.open_welcome()
    elif window.needs_key():
        window.prompt_for_new_key("missing")
    code = app.exec()
    window.shutdown()
    collector.stop()
    if crash_handler is not None:
        crash_handler.uninstall()
    log.info("Impilo Desktop stopped (exit code %s)", code)
    reset_logging()
    return int(code)

"""A light start: the window's path imports no sub-command's module (the sandbox server and
its aiohttp, the sync command line) nor a page it has not shown; the pages other than New
order are built when first needed, and whatever targets them builds them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QTableView, QWidget
from pytestqt.qtbot import QtBot

from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import MakeWindow

ROOT = Path(__file__).resolve().parents[3]

# Runs `impilo-desktop --profile custom --base-url URL` as the command does, with the key in
# a keyring (an in-memory one, set as keyring's default as the tests do), and prints which of
# the watched modules are loaded once the window is shown and the background work started
# after its first paint has reached Impilo.
DRIVER = """
import json, sys
import keyring
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from impilo_desktop.secrets import KeyStore, MemoryKeyring

url, key, watched = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
keyring.set_keyring(MemoryKeyring())
KeyStore(env={}).set_key("custom", key)
app = QApplication(["impilo-desktop"])

def check():
    windows = [w for w in app.topLevelWidgets() if w.objectName() == "mainWindow"]
    shown = [w for w in windows if w.isVisible()]
    # Once the work started after the first paint has run too (the online light's probe
    # answered): what it imports counts, as it competes with the coordinator's first keys.
    if not shown or shown[0].services.outbox.state != "online":
        QTimer.singleShot(10, check)
        return
    loaded = sorted(m for m in watched if m in sys.modules)
    print("LOADED " + json.dumps({"loaded": loaded, "title": shown[0].windowTitle()}), flush=True)
    shown[0].close()

QTimer.singleShot(0, check)
from impilo_desktop.cli import main
sys.exit(main(["--profile", "custom", "--base-url", url]))
"""

NEVER_FOR_THE_WINDOW = (
    "aiohttp",
    "impilo_desktop.sandbox.server",
    "impilo_desktop.sandbox.cli",
    "impilo_desktop.sync.cli",
    "openpyxl",
)
NOT_BEFORE_NEEDED = (
    "impilo_desktop.ui.drafts.view",
    "impilo_desktop.ui.shell.settings_page",
    "impilo_desktop.ui.templates.manager",
    "impilo_desktop.ui.order_import.dialog",
    # The import's core: read on the bridge by the first batch followed, not with the window.
    "impilo_desktop.sync.order_import",
    # Order history: its status watch runs without it (the window's, since the first paint).
    "impilo_desktop.ui.history.view",
    "impilo_desktop.ui.history.model",
)


def test_the_window_of_a_real_account_imports_no_sandbox_server_and_no_command_line(
    sandbox: SandboxServer, app_home: Path
) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "IMPILO_DESKTOP_HOME": str(app_home)}
    env.pop("IMPILO_API_KEY", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    watched = ",".join(NEVER_FOR_THE_WINDOW + NOT_BEFORE_NEEDED)
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, sandbox.base_url, sandbox.api_key, watched],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("LOADED ")]
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(lines) == 1, done.stdout[-2000:]
    seen = json.loads(lines[0].removeprefix("LOADED "))
    assert "Custom" in seen["title"] or "custom" in seen["title"].lower()  # not the sandbox
    assert seen["loaded"] == []


def test_pages_are_built_when_first_needed(qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window("--profile", "sandbox", start=False)
    assert window.pages.built("drafts") is None
    assert window.pages.built("settings") is None
    assert window.findChild(QWidget, "draftsPlaceholder") is not None
    assert window.findChild(QTableView, "draftsTable") is None

    # The View menu's shortcut (Ctrl+2) builds the page it shows.
    window.page_actions["drafts"].trigger()
    assert window.current_page_key() == "drafts"
    drafts = window.pages.built("drafts")
    assert drafts is not None
    assert drafts is window.stack.currentWidget()
    assert window.findChild(QTableView, "draftsTable") is not None
    assert window.findChild(QWidget, "draftsPlaceholder") is None
    # The stack keeps the sidebar's order.
    assert window.stack.indexOf(drafts) == 1

    # Code that asks for a page gets the real one, built then.
    settings = window.settings_page
    assert window.pages.built("settings") is settings
    assert window.stack.indexOf(settings) == 3


def test_order_history_waits_for_its_first_visit_and_its_count_does_not(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    """The sidebar's count of orders that need action comes from the window's status watch,
    started after the first paint; the page is built when first shown, on that same watch."""
    window: MainWindow = make_window("--profile", "sandbox", start=False)
    watch = window.pages.watch
    assert watch is not None
    counts: list[int] = []
    watch.needs.changed.connect(counts.append)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: bool(counts), timeout=15_000)
    assert window.pages.built("history") is None
    assert window.current_page_key() == "new_order"

    window.show_page("history")
    history = window.pages.built("history")
    assert history is window.history
    assert window.history.watch is watch  # one poller, not a second one with the page
    assert window.stack.indexOf(window.history) == 2


def test_background_work_starts_after_the_first_paint(
    qtbot: QtBot, make_window: MakeWindow
) -> None:
    """The command's window starts its refresh, drain and online probe once it has painted:
    their first requests import the network stack on the bridge thread, beside the paint."""
    window: MainWindow = make_window("--profile", "sandbox", start=False)
    painted: list[bool] = []

    class PaintSeen(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if watched is window and event.type() == QEvent.Type.Paint:
                painted.append(True)
            return False

    seen = PaintSeen(window)
    window.installEventFilter(seen)
    window.start_after_first_paint()
    assert not window.services.outbox.refreshing  # `start()` begins the refresh at once
    window.show()
    qtbot.waitUntil(lambda: bool(painted), timeout=15_000)
    qtbot.waitUntil(lambda: window.services.outbox.state == "online", timeout=15_000)

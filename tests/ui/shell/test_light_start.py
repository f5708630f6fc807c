"""A light start: the window's path imports no sub-command's module (the sandbox server and
its aiohttp, the sync command line) nor a page it has not shown; the pages other than New
order are built when first needed, and whatever targets them builds them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
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
    # The sandbox's data and faults: the package is imported for its demo key only.
    "impilo_desktop.sandbox.seed",
    "impilo_desktop.sandbox.faults",
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


# The command's window path with nothing imported first (no PySide6, keyring or app module
# before `cli.main`, as the installed command starts): once the app's `ui.app` has loaded, the
# QApplication gets an event filter that, at the main window's first paint, prints the
# watched modules that are loaded and the order in which PySide6 and the core came in. The
# keyring is the tests' in-memory one, named by PYTHON_KEYRING_BACKEND; the key comes from
# IMPILO_API_KEY.
FIRST_PAINT_DRIVER = """
import gc, json, sys
from importlib.machinery import PathFinder

url, watched, first = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")

def on_window_module():
    global app, seen
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    app = QApplication(["impilo-desktop"])

    class FirstPaint(QObject):
        def eventFilter(self, target, event):
            if (
                event.type() == QEvent.Type.Paint
                and getattr(target, "objectName", lambda: "")() == "mainWindow"
            ):
                app.removeEventFilter(self)
                order = list(sys.modules)
                print("FIRST_PAINT " + json.dumps({
                    "loaded": sorted(m for m in watched if m in sys.modules),
                    "before_pyside": [
                        m for m in first if m in sys.modules
                        and order.index(m) < order.index("PySide6")
                    ],
                    "frozen": gc.get_freeze_count(),
                }), flush=True)
                target.close()
            return False

    seen = FirstPaint()
    app.installEventFilter(seen)

class AfterWindowModule:
    def find_spec(self, name, path=None, target=None):
        if name != "impilo_desktop.ui.app":
            return None
        sys.meta_path.remove(self)
        spec = PathFinder.find_spec(name, path)
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            on_window_module()
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, AfterWindowModule())
from impilo_desktop.cli import main
if url == "sandbox":
    sys.exit(main(["--profile", "sandbox"]))
sys.exit(main(["--profile", "custom", "--base-url", url]))
"""

# The network stack and the outbox's sender: first needed by the refresh and drain, which
# begin on the bridge after the first paint.
NOT_AT_FIRST_PAINT = (
    "httpx",
    "httpcore",
    "impilo_desktop.api.client",
    "impilo_desktop.sync.sender",
    "impilo_desktop.sync.reference",
)
# Qt-free modules the window needs before its first paint, imported before PySide6 (which
# reads the source of every module imported after it).
BEFORE_PYSIDE = ("keyring", "pydantic", "impilo_desktop.store", "impilo_desktop.secrets")


@pytest.mark.parametrize("profile", ["custom", "sandbox"])
def test_the_window_paints_before_the_network_stack_loads_and_its_core_comes_before_qt(
    sandbox: SandboxServer, app_home: Path, profile: str
) -> None:
    """The real account's window and the built-in sandbox's (whose server, aiohttp with it,
    is built on a thread of its own once the window has painted)."""
    before_pyside = BEFORE_PYSIDE
    not_at_first_paint: tuple[str, ...] = NOT_AT_FIRST_PAINT
    if profile == "sandbox":
        not_at_first_paint += ("aiohttp", "impilo_desktop.sandbox.server")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "IMPILO_DESKTOP_HOME": str(app_home)}
    if profile == "custom":
        env["IMPILO_API_KEY"] = sandbox.api_key
    env["PYTHON_KEYRING_BACKEND"] = "impilo_desktop.secrets.MemoryKeyring"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            FIRST_PAINT_DRIVER,
            sandbox.base_url if profile == "custom" else "sandbox",
            ",".join(not_at_first_paint),
            ",".join(before_pyside),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("FIRST_PAINT ")]
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(lines) == 1, done.stdout[-2000:]
    seen = json.loads(lines[0].removeprefix("FIRST_PAINT "))
    assert seen["loaded"] == []
    assert seen["before_pyside"] == list(before_pyside)
    # What the window's modules made at import is left out of later collections.
    assert seen["frozen"] > 0

"""The app's side of the start-up benchmarks (startup.py, startup_phases.py): the driver
that starts the window by the command's own path, and the world its runs share (the
environment, the account's server, a keyring in a file).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

from benchmarks.runtime_env import NOT_INSTALLED_ENV, not_installed
from impilo_desktop.secrets import SERVICE

# The drivers' first lines: runtime_env.py's `hide_not_installed`, written out. A driver
# imports nothing of the app, of Qt or of keyring before `cli.main`, so the window's modules
# load in the command's own order (PySide6 reads the source of every module imported after
# it, so the order costs time).
HIDE_NOT_INSTALLED = """
import os
import sys
import time

STARTED = time.perf_counter()
NOT_INSTALLED = frozenset(os.environ.get("NOT_INSTALLED_ENV", "").split(","))

class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in NOT_INSTALLED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
""".replace("NOT_INSTALLED_ENV", NOT_INSTALLED_ENV)
# The self-test's window from source (`--self-test --self-test-window-only ...` as the
# arguments): the bundle's rows run the same command frozen, so the two compare like for like.
SELF_TEST_FROM_SOURCE = (
    HIDE_NOT_INSTALLED
    + """
from impilo_desktop.cli import main
sys.exit(main(sys.argv[1:]))
"""
)
# The command's own path with a READY line. Once the app's `ui.app` module has run, the
# driver makes the QApplication (run_app takes the one that exists) and a timer on its event
# loop that looks for the main window once it is exposed, says READY and closes it; the app
# then ends as the coordinator's would.
APP_WINDOW = (
    HIDE_NOT_INSTALLED
    + """
from importlib.machinery import PathFinder

PHASES = os.environ.get("IMPILO_STARTUP_PHASES") == "1"

def phase(name):
    # benchmarks/startup_phases.py: milliseconds from this driver's first lines.
    if PHASES:
        print(f"PHASE {name} {(time.perf_counter() - STARTED) * 1000:.1f}", flush=True)

def on_window_module():
    global app
    phase("window modules")
    if PHASES:
        window_class = sys.modules["impilo_desktop.ui.app"].MainWindow
        build = window_class.__init__

        def timed_build(self, *args, **kwargs):
            phase("build start")
            build(self, *args, **kwargs)
            phase("build done")

        window_class.__init__ = timed_build
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    app = QApplication(["impilo-desktop"])

    def ready():
        for window in app.topLevelWidgets():
            handle = window.windowHandle()
            if window.objectName() == "mainWindow" and handle is not None and handle.isExposed():
                phase("window up")
                print("READY", flush=True)
                QTimer.singleShot(0, lambda: online(window))
                return
        QTimer.singleShot(1, ready)

    def online(window):
        # The window's first answer from its server reached the UI thread: the store is open,
        # the key read, the bridge and the network stack loaded, the server (the built-in
        # sandbox's too) answering. A Send would work from here.
        if window.services.outbox.state == "online":
            print("ONLINE", flush=True)
            window.close()
            return
        QTimer.singleShot(1, lambda: online(window))

    QTimer.singleShot(0, ready)

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
if PHASES:
    import impilo_desktop.cli as cli
    window_core = cli._import_window_core

    def timed_core():
        phase("core start")
        window_core()
        phase("core done")

    cli._import_window_core = timed_core
if sys.argv[1] == "sandbox":
    sys.exit(main(["--profile", "sandbox"]))
sys.exit(main(["--profile", "custom", "--base-url", sys.argv[1]]))
"""
)
# The account's keys live in a JSON file of its throw-away home, through a keyring backend
# named by PYTHON_KEYRING_BACKEND (keyring loads it when the app first asks for its keyring,
# as it would detect the OS one): a second start finds the key and the database key there as
# in the OS keyring (an in-memory one would forget the database key, and the next start would
# ask for it). Reading the OS keyring (a D-Bus round trip on Linux) is not in the number.
FILE_KEYRING_MODULE = "impilo_benchmark_keyring"
FILE_KEYRING = """
import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend


class FileKeyring(KeyringBackend):
    priority = 1
    path = Path(os.environ["IMPILO_DESKTOP_HOME"]) / "benchmark-keyring.json"

    def _all(self):
        return json.loads(self.path.read_text()) if self.path.exists() else {}

    def get_password(self, service, username):
        return self._all().get(service + "/" + username)

    def set_password(self, service, username, password):
        data = self._all()
        data[service + "/" + username] = password
        self.path.write_text(json.dumps(data))

    def delete_password(self, service, username):
        data = self._all()
        data.pop(service + "/" + username, None)
        self.path.write_text(json.dumps(data))
"""


def give_key(home: str | Path, profile: str, key: str) -> None:
    """Put `profile`'s API key in the file keyring of `home` (FILE_KEYRING), as the
    coordinator's first start would have saved it."""
    path = Path(home) / "benchmark-keyring.json"
    path.write_text(json.dumps({f"{SERVICE}/{profile}": key}))


class AccountServer:
    """A sandbox in a process of its own on 127.0.0.1, standing for the account's server."""

    def __init__(self, python: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [python, "-m", "impilo_desktop", "sandbox", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
            cwd=env["PYTHONPATH"].split(os.pathsep)[0],
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("Impilo sandbox listening on "):
                self.base_url = line.split(" on ", 1)[1].strip()
                return
        self.stop()
        raise RuntimeError("the account's sandbox did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


class StartupWorld(NamedTuple):
    """What every timed start of one run shares."""

    env: dict[str, str]  # offscreen, this run's bytecode cache, no API key
    server: AccountServer  # the real account's server
    app_env: Callable[[Path, str | Path], dict[str, str]]  # the app's processes (source, home)


@contextmanager
def startup_world(python: str, source: Path) -> Iterator[StartupWorld]:
    """The run's environment, the account's server and its file keyring, all removed or
    stopped at the end."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("IMPILO_API_KEY", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(source), env.get("PYTHONPATH")]))
    # Every process reads its bytecode from a cache of this run, which the warm-up fills, as
    # an installed app's `.pyc` files (compiled by pip at install, frozen in the bundle): a
    # checkout run with PYTHONDONTWRITEBYTECODE would compile the app's ~200 modules at every
    # start, work no coordinator's start does. The checkout itself gets no `__pycache__`.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    hidden = not_installed(python)  # before the server: a failure leaves nothing running
    with (
        tempfile.TemporaryDirectory(prefix="impilo-startup-bytecode-") as bytecode,
        tempfile.TemporaryDirectory(prefix="impilo-startup-keyring-") as keyring_folder,
    ):
        env["PYTHONPYCACHEPREFIX"] = bytecode
        Path(keyring_folder, f"{FILE_KEYRING_MODULE}.py").write_text(FILE_KEYRING)

        def app_env(code: Path, home: str | Path) -> dict[str, str]:
            """The app's processes: `code`'s checkout, the file keyring, their own home."""
            path = [str(code), keyring_folder, os.environ.get("PYTHONPATH", "")]
            return {
                **env,
                "PYTHONPATH": os.pathsep.join(filter(None, path)),
                "PYTHON_KEYRING_BACKEND": f"{FILE_KEYRING_MODULE}.FileKeyring",
                "IMPILO_DESKTOP_HOME": str(home),
                NOT_INSTALLED_ENV: ",".join(hidden),
            }

        server = AccountServer(python, env)
        try:
            yield StartupWorld(env, server, app_env)
        finally:
            server.stop()

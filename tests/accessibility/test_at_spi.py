"""The real app, from outside, through its accessibility tree: what a screen reader gets.

The app runs as its own process under Xvfb with Qt's AT-SPI bridge switched on, on a private
D-Bus session (where D-Bus starts the AT-SPI bus by itself), against a sandbox on loopback.
`walker.py`, run by the system Python with pyatspi, walks every page and the dialogs it can
open and lists nameless controls, then places an order through accessible interfaces alone;
the sandbox confirms over HTTP that the order arrived.

Needs Xvfb, dbus-daemon, at-spi2-core and /usr/bin/python3 with pyatspi (Debian:
xvfb dbus at-spi2-core python3-pyatspi python3-gi gir1.2-atspi-2.0); skipped without them,
except where IMPILO_REQUIRE_AT_SPI is set (CI), where their absence fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import select
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytestqt.qtbot import QtBot

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.config import Profile, profile_name_for_url
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.secrets import DATABASE_PASSPHRASE_ENV
from impilo_desktop.store import DatabaseKey, ReferenceKind, Store

APP_PASSPHRASE = "accessibility test passphrase"

pytestmark = pytest.mark.accessibility

SYSTEM_PYTHON = Path("/usr/bin/python3")
WALKER = "tests.accessibility.walker"  # run from the repository's root
REPOSITORY = Path(__file__).resolve().parents[2]
START_SECONDS = 20.0  # each of Xvfb and dbus-daemon
READY_SECONDS = 60.0  # the app's first download of patients, sites, items and kits
WALK_SECONDS = 90.0  # one walker run
STOP_SECONDS = 10.0  # per signal, per process (three processes, SIGTERM then SIGKILL)
ARRIVE_SECONDS = 20.0
# pytest's own timeout ends the process without running the fixture's clean-up (Xvfb, the
# D-Bus session and the app would be left running), so each test's budget lies above the sum
# of the deadlines inside it: set-up, its walks, and the module's teardown after the last one.
SETUP_SECONDS = 2 * START_SECONDS + READY_SECONDS
TEARDOWN_SECONDS = 3 * 2 * STOP_SECONDS
MARGIN_SECONDS = 30.0


def _missing() -> str | None:
    """Why this machine cannot run the test, or None."""
    for tool in ("Xvfb", "dbus-daemon"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: xvfb, dbus)"
    if not Path("/usr/libexec/at-spi-bus-launcher").exists():
        return "the AT-SPI bus launcher is not installed (Debian: at-spi2-core)"
    if not SYSTEM_PYTHON.exists():
        return f"{SYSTEM_PYTHON} is missing (it runs the pyatspi walker)"
    probe = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import pyatspi"], capture_output=True, timeout=30
    )
    if probe.returncode != 0:
        return f"{SYSTEM_PYTHON} cannot import pyatspi (Debian: python3-pyatspi gir1.2-atspi-2.0)"
    return None


def _read_line(stream: Any, what: str) -> str:
    """The first line a starting process prints, or fail after START_SECONDS."""
    ready, _, _ = select.select([stream], [], [], START_SECONDS)
    if not ready:
        raise RuntimeError(f"{what} did not start within {START_SECONDS:.0f} s")
    line = stream.readline()
    if isinstance(line, bytes):
        line = line.decode()
    if not line.strip():
        raise RuntimeError(f"{what} stopped before it started")
    return str(line.strip())


def _stop(process: subprocess.Popen[Any], *, group: bool = False) -> None:
    """Terminate (the whole process group when `group`), kill if it lingers, close its pipe."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            if group:
                os.killpg(process.pid, sig)
            elif process.poll() is None:
                process.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=STOP_SECONDS)
            break
        except subprocess.TimeoutExpired:
            continue
    if process.stdout is not None:
        process.stdout.close()


@dataclass
class RunningApp:
    pid: int
    env: dict[str, str]
    sandbox: SandboxServer
    log: Path
    home: Path

    def reference_data_cached(self) -> bool:
        """The app's store holds a complete download of every kind of reference data (the
        store stamps a kind only when its download finished)."""
        profile = Profile(profile_name_for_url(self.sandbox.base_url), self.sandbox.base_url)
        path = Store.path_for(profile, self.home)
        if not path.exists():
            return False
        # A second process on the database, as `impilo-desktop sync` is, with the app's key.
        store = Store(path, key=DatabaseKey(passphrase=APP_PASSPHRASE))
        try:
            return all(store.reference_fetched_at(kind) is not None for kind in ReferenceKind)
        finally:
            store.close()

    def walk(self, *args: str) -> dict[str, Any]:
        """Run the walker against the app; its JSON answer (the app's log on failure)."""
        done = subprocess.run(
            [str(SYSTEM_PYTHON), "-m", WALKER, *args, "--pid", str(self.pid)],
            cwd=REPOSITORY,
            env={**self.env, "PYTHONDONTWRITEBYTECODE": "1"},
            capture_output=True,
            text=True,
            timeout=WALK_SECONDS,
        )
        try:
            result: dict[str, Any] = json.loads(done.stdout)
        except json.JSONDecodeError:
            result = {"failed": f"walker said: {done.stdout}{done.stderr}"}
        if "failed" in result:
            result["app log"] = self.log.read_text(errors="replace")[-3000:]
        return result


@pytest.fixture(scope="module")
def running_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """Xvfb, a private D-Bus session, the sandbox and the app, all stopped afterwards."""
    reason = _missing()
    if reason:
        if os.environ.get("IMPILO_REQUIRE_AT_SPI"):
            pytest.fail(f"the accessibility test must run here, but {reason}")
        pytest.skip(reason)
    base = tmp_path_factory.mktemp("a11y")
    runtime = base / "run"  # the AT-SPI bus socket lives here, private to this run
    runtime.mkdir(mode=0o700)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DBUS_", "QT_", "AT_SPI", "IMPILO_", "WAYLAND"))
    }
    env["XDG_RUNTIME_DIR"] = str(runtime)
    stack: list[tuple[subprocess.Popen[Any], bool]] = []
    sandbox = SandboxServer()
    sandbox.start()
    try:
        xvfb = subprocess.Popen(
            ["Xvfb", "-displayfd", "1", "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        stack.append((xvfb, False))
        env["DISPLAY"] = ":" + _read_line(xvfb.stdout, "Xvfb")
        # Its own process group: the AT-SPI bus launcher and bus that D-Bus starts on demand
        # are stopped with it.
        bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        stack.append((bus, True))
        env["DBUS_SESSION_BUS_ADDRESS"] = _read_line(bus.stdout, "dbus-daemon")

        log = base / "app.log"
        app_env = {
            **env,
            "IMPILO_DESKTOP_HOME": str(base / "home"),
            # Used for this process only, never stored: no keyring is asked (none answers).
            "IMPILO_API_KEY": sandbox.api_key,
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            # No keyring: the database is encrypted with this passphrase instead of asking
            # for one at start (a dialog before the window would stop the walk).
            DATABASE_PASSPHRASE_ENV: APP_PASSPHRASE,
            "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
            "QT_QPA_PLATFORM": "xcb",
        }
        with log.open("wb") as log_file:
            app = subprocess.Popen(
                [sys.executable, "-m", "impilo_desktop", "--base-url", sandbox.base_url],
                env=app_env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        stack.append((app, False))
        yield RunningApp(app.pid, env, sandbox, log, base / "home")
    finally:
        for process, group in reversed(stack):
            _stop(process, group=group)
        sandbox.stop()


@pytest.fixture
def ready_app(running_app: RunningApp, qtbot: QtBot) -> RunningApp:
    """The app once its first reference download has finished: pickers can find patients and
    items from the cache, and a test may take the sandbox away."""
    qtbot.waitUntil(running_app.reference_data_cached, timeout=int(READY_SECONDS * 1000))
    return running_app


@pytest.mark.timeout(SETUP_SECONDS + WALK_SECONDS + TEARDOWN_SECONDS + MARGIN_SECONDS)
def test_every_control_on_every_page_and_dialog_has_a_name(ready_app: RunningApp) -> None:
    result = ready_app.walk("names")
    assert "failed" not in result, result
    assert result["visited"] == [
        "page New order",
        "page Drafts & outbox",
        "page Order history",
        "page Settings",
        "page Order history, an order selected",
        "dialog 'Void order'",
        "page New order, searching",
        "dialog 'About Impilo Desktop'",
        "dialog 'Keyboard shortcuts'",
        "dialog 'Welcome to Impilo Desktop'",
    ]
    assert result["unnamed"] == []


async def _order_inputs(sandbox: SandboxServer) -> tuple[str, str, str]:
    """A patient who can receive orders (search text, name as listed) and an orderable SKU."""
    async with ImpiloClient(sandbox.base_url, sandbox.api_key) as client:
        patients = (await client.list_patients(size=100)).content
        items = (await client.list_items(size=100)).content
    patient = next(p for p in patients if p.first_name and p.last_name and not p.archived)
    item = next(i for i in items if i.orderable and i.sku)
    assert item.sku is not None
    return str(patient.last_name), f"{patient.last_name}, {patient.first_name}", item.sku


async def _orders_with(sandbox: SandboxServer, reference: str) -> list[str]:
    async with ImpiloClient(sandbox.base_url, sandbox.api_key) as client:
        page = await client.list_orders(external_order_ids=[reference])
    lines = [line for order in page.content for line in order.order_items]
    return [line.item.sku or "" for line in lines if line.item]


@pytest.mark.timeout(
    SETUP_SECONDS + 3 * WALK_SECONDS + ARRIVE_SECONDS + TEARDOWN_SECONDS + MARGIN_SECONDS
)
def test_an_order_can_be_placed_through_the_accessibility_interface_alone(
    ready_app: RunningApp, qtbot: QtBot
) -> None:
    """Placed offline, so that it waits in the outbox and File > Quit asks about it; then
    sent with File > Send waiting orders now once the sandbox is back."""
    running_app = ready_app
    sandbox = running_app.sandbox
    search, patient, sku = asyncio.run(_order_inputs(sandbox))
    reference = "a11y-order-1"
    sandbox.stop()  # keeps its data; connections to its port are refused
    try:
        inputs = ["--search", search, "--patient", patient, "--item", sku]
        result = running_app.walk("order", *inputs, "--reference", reference)
        assert "failed" not in result, result
        assert result["done"][-2:] == ["Submit pressed", "order queued"]

        question = running_app.walk("quit")
        assert "failed" not in question, question
        assert question["visited"] == ["dialog 'Orders not sent yet'"]
        assert question["unnamed"] == []
    finally:
        sandbox.start()
    sent = running_app.walk("send")
    assert "failed" not in sent, sent

    arrived: list[list[str]] = []

    def order_arrived() -> bool:
        arrived[:] = [asyncio.run(_orders_with(sandbox, reference))]
        return bool(arrived[0])

    qtbot.waitUntil(order_arrived, timeout=int(ARRIVE_SECONDS * 1000))
    assert arrived == [[sku]]

"""One window per app home: a second launch (a real second process) hands over to the window
that is open and exits 0; a copy that crashed does not block the next start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.plumbing.single_instance import SingleInstance, bring_to_front

from .conftest import MakeWindow

ROOT = Path(__file__).resolve().parents[3]

_CLAIMER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from PySide6.QtCore import QCoreApplication
    from impilo_desktop.ui.plumbing.single_instance import SingleInstance
    app = QCoreApplication([])
    instance = SingleInstance(Path(sys.argv[1]))
    print("claimed" if instance.claim() else "taken", flush=True)
    sys.stdin.readline()
    """
)


def _env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "IMPILO_DESKTOP_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(ROOT),
    }


def test_a_second_launch_brings_the_open_window_to_the_front_and_exits(
    qtbot: QtBot, make_window: MakeWindow, app_home: Path, tmp_path: Path
) -> None:
    window = make_window()
    # What run_app does for the first copy.
    instance = SingleInstance(app_home)
    assert instance.claim()
    instance.activation_requested.connect(lambda _argv: bring_to_front(window))
    window.showMinimized()
    qtbot.waitUntil(window.isMinimized)
    errors = tmp_path / "second-launch.err"
    try:
        with errors.open("w", encoding="utf-8") as stderr:
            with qtbot.waitSignal(instance.activation_requested, timeout=60_000) as asked:
                second = subprocess.Popen(
                    [sys.executable, "-m", "impilo_desktop", "--profile", "sandbox"],
                    env=_env(app_home),
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                )
            qtbot.waitUntil(lambda: second.poll() is not None, timeout=30_000)
    finally:
        instance.release()
    assert second.returncode == 0, errors.read_text(encoding="utf-8")
    assert asked.args == [["--profile", "sandbox"]]  # what it was launched with
    assert not window.windowState() & Qt.WindowState.WindowMinimized
    assert window.isVisible()
    # The second copy left the running copy's log (and store) alone.
    assert not (app_home / "logs").exists()


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_a_copy_that_crashed_does_not_block_the_next_start(app_home: Path) -> None:
    crashed = subprocess.Popen(
        [sys.executable, "-c", _CLAIMER, str(app_home)],
        env=_env(app_home),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert crashed.stdout is not None
        assert crashed.stdout.readline().strip() == "claimed"
        # Alive: the home is taken.
        assert not SingleInstance(app_home).claim()
    finally:
        crashed.send_signal(signal.SIGKILL)
        crashed.communicate(timeout=30)
    assert (app_home / "impilo-desktop.lock").exists()  # left behind by the crash
    instance = SingleInstance(app_home)
    try:
        assert instance.claim()  # the lock was stale: its process is gone
        assert instance.listening  # and the socket it left behind did not get in the way
    finally:
        instance.release()


def test_each_home_is_its_own_instance(tmp_path: Path) -> None:
    first, second = SingleInstance(tmp_path / "a"), SingleInstance(tmp_path / "b")
    try:
        assert first.claim()
        assert second.claim()
        assert first.name != second.name
        assert not SingleInstance(tmp_path / "a").claim()
    finally:
        first.release()
        second.release()
    again = SingleInstance(tmp_path / "a")
    assert again.claim()
    again.release()

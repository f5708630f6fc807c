"""`impilo-desktop --self-test`: in-process (the steps) and as a subprocess (the command)."""

from __future__ import annotations

import io
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from impilo_desktop import __version__, config
from impilo_desktop.secrets import DATABASE_KEY_SERVICE
from impilo_desktop.ui.selftest import emit_refcount_loss, run_self_test
from impilo_desktop.ui.selftest.report import SelfTestError
from impilo_desktop.ui.selftest.steps import SelfTest

ROOT = Path(__file__).resolve().parents[2]
# PySide6 6.12.0 on Python 3.11 loses a reference to True per Signal.emit() (see selftest.py).
SIGNALS_BROKEN = emit_refcount_loss(20) >= 10


def test_self_test_places_an_order_and_reads_it_back(qapp: QApplication) -> None:
    out = io.StringIO()
    home_before = os.environ[config.HOME_ENV]
    code = run_self_test(["--self-test"], out=out, watchdog=False, check_signals=False)
    lines = out.getvalue().splitlines()
    assert code == 0, out.getvalue()
    assert lines[0].startswith(f"Impilo Desktop {__version__} self-test (source,")
    steps = [re.sub(r" \(\d+ ms\).*$", "", line) for line in lines[1:-1]]
    assert steps == [
        "ok   keyring backends",
        "ok   resources",
        "ok   trust store and PAC",
        "ok   order spreadsheets (XLSX)",
        "ok   main window (sandbox)",
        "ok   every page",
        "ok   one window per home",
        "ok   reference data",
        "ok   order draft",
        "ok   sent through the outbox",
        "ok   read back from the sandbox",
        "ok   encrypted store",
    ]
    sent = next(line for line in lines if line.startswith("ok   sent through the outbox"))
    read = next(line for line in lines if line.startswith("ok   read back"))
    reference = sent.split(") ")[1].split(" -> ")[0]
    assert reference in read  # the order read back is the one the outbox sent
    encrypted = next(line for line in lines if line.startswith("ok   encrypted store"))
    assert "SQLCipher 4." in encrypted
    assert lines[-1].startswith("PASS self-test in ")
    # The throw-away home is gone and the caller's home is back.
    assert os.environ[config.HOME_ENV] == home_before


def test_self_test_fails_with_a_reason_when_time_runs_out(qapp: QApplication) -> None:
    out = io.StringIO()
    code = run_self_test(["--self-test"], out=out, watchdog=False, timeout=0.0, check_signals=False)
    text = out.getvalue()
    assert code == 2, text
    assert "FAIL self-test: time limit of 0 s ran out while waiting for" in text


def test_a_kept_home_opens_its_store_again(qapp: QApplication, tmp_path: Path) -> None:
    """`--self-test-home=DIR` (the start-up benchmark's bundle rows): the second run is a
    second start, reopening the encrypted store the first made, with the database key from
    the home's own keyring file (an in-memory keyring would have forgotten it)."""
    home = tmp_path / "kept"
    argv = ["--self-test", "--self-test-window-only", f"--self-test-home={home}"]
    saved = home / "self-test-keyring.json"
    outputs, keys = [], []
    for _ in range(2):
        out = io.StringIO()
        code = run_self_test(argv, out=out, watchdog=False, check_signals=False)
        assert code == 0, out.getvalue()
        outputs.append(out.getvalue())
        stores = sorted(home.glob("profiles/*/impilo.sqlite3"))
        assert [path.parent.name for path in stores] == ["sandbox"]
        keys.append(stores[0].read_bytes()[:16])  # the file's salt: new with a new store
    assert keys[0] == keys[1]  # the same store, opened again with its saved key
    assert "ok   main window (sandbox)" in outputs[1]
    assert "ok   every page" not in outputs[1]  # window only
    entries = json.loads(saved.read_text(encoding="utf-8"))
    assert [(entry["service"], entry["username"]) for entry in entries] == [
        (DATABASE_KEY_SERVICE, "sandbox")
    ]  # the database key only: an API key is given again at every run
    if sys.platform != "win32":
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        assert stat.S_IMODE(home.stat().st_mode) == 0o700


def test_an_empty_kept_home_is_refused(qapp: QApplication) -> None:
    with pytest.raises(SystemExit):  # not the working folder as the home
        run_self_test(["--self-test", "--self-test-home="], out=io.StringIO(), watchdog=False)


def test_a_folder_of_other_files_is_not_taken_as_a_kept_home(
    qapp: QApplication, tmp_path: Path
) -> None:
    """`--self-test-home=.` in a folder of one's own files: refused, the files untouched (a
    self-test home is made the user's alone, files and all)."""
    folder = tmp_path / "documents"
    folder.mkdir()
    mine = folder / "notes.txt"
    mine.write_text("mine", encoding="utf-8")
    mine.chmod(0o644)
    out = io.StringIO()
    argv = ["--self-test", "--self-test-window-only", f"--self-test-home={folder}"]
    assert run_self_test(argv, out=out, watchdog=False, check_signals=False) == 1
    assert "is not empty and not a self-test home" in out.getvalue()
    assert [path.name for path in folder.iterdir()] == ["notes.txt"]
    if sys.platform != "win32":
        assert stat.S_IMODE(mine.stat().st_mode) == 0o644


def test_the_qt_prefix_check_refuses_a_prefix_outside_the_bundle(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundle's self-test fails where Qt would look for its plugins outside the bundle
    (from source, the wheel's prefix is outside any bundle folder)."""
    assert SelfTest._qt_prefix().startswith("Qt prefix ")  # from source: no bundle to be in
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    with pytest.raises(SelfTestError, match="outside the bundle"):
        SelfTest._qt_prefix()


def test_signal_probe_reports_this_interpreter_and_gives_references_back() -> None:
    before = sys.getrefcount(True)
    assert emit_refcount_loss(40) == (40 if SIGNALS_BROKEN else 0)
    assert abs(sys.getrefcount(True) - before) <= 2  # the probe cannot cause the crash


@pytest.mark.slow
def test_self_test_command_in_a_fresh_process(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), config.HOME_ENV: str(tmp_path / "caller-home")}
    env.pop("QT_QPA_PLATFORM", None)  # the self-test must set offscreen itself
    result = subprocess.run(
        [sys.executable, "-m", "impilo_desktop", "--self-test", "--self-test-timeout=90"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=150,
        check=False,
    )
    if SIGNALS_BROKEN:
        assert result.returncode == 1, result.stdout + result.stderr
        assert "FAIL Qt signal reference counts: Signal.emit() loses a reference" in result.stdout
    else:
        assert result.returncode == 0, result.stdout + result.stderr
        assert "ok   read back from the sandbox" in result.stdout
        assert "PASS self-test" in result.stdout
    assert not (tmp_path / "caller-home").exists()  # nothing written to the caller's home

"""Patient data at rest: after the app has cached the sandbox's patients and orders through
its real sync, saved a draft and sent an order, no file under the app's home or log folder
holds a patient's name, date of birth or street, and plain sqlite3 cannot open the store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from impilo_desktop.config import log_dir
from impilo_desktop.domain import OrderDraft, PatientChoice
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState, Store
from impilo_desktop.store.cache import ReferenceKind
from impilo_desktop.ui.shell.main_window import MainWindow

from .conftest import submit


def _files_holding(folders: list[Path], needles: list[str]) -> list[tuple[str, str]]:
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                found += [(str(path), n) for n in needles if n.encode("utf-8") in data]
    return found


@pytest.fixture
def log_file() -> Iterator[Path]:
    """The app's log file, written as when the app runs (`run_app` configures it)."""
    from impilo_desktop.logs import configure_logging, reset_logging

    path = configure_logging()
    yield path
    reset_logging()


def test_no_file_of_the_app_holds_a_patients_name_birth_date_or_street(
    qtbot: QtBot,
    log_file: Path,
    online_window: MainWindow,
    sandbox: SandboxServer,
    app_home: Path,
) -> None:
    window = online_window
    store = window.services.store
    canary = sandbox.seed.patients[10001]
    needles = [f"{canary.first_name} {canary.last_name}", canary.date_of_birth, canary.line_one]
    needles += [canary.last_name]  # stored as separate JSON fields as well

    # The patient cache, filled by the app's own refresh from the sandbox.
    patients = len(sandbox.seed.patients)
    qtbot.waitUntil(
        lambda: store.reference_count(ReferenceKind.PATIENT) >= patients, timeout=60_000
    )
    # A draft and an order sent for the canary, and the order history cached.
    draft = OrderDraft()
    draft.set_patient(
        PatientChoice(id=canary.id, first_name=canary.first_name, last_name=canary.last_name)
    )
    draft.add_item(1001, 1, name="Seed item")
    store.save_draft(draft.model_copy(deep=True))
    entry = submit(qtbot, window, draft)
    qtbot.waitUntil(
        lambda: store.get_entry(entry.entry_id).state == EntryState.SENT, timeout=30_000
    )
    window.show_page("history")
    qtbot.waitUntil(
        lambda: any(o.patient and o.patient.id == canary.id for o in store.cached_orders()),
        timeout=30_000,
    )
    cached = [p for p in store.cached_patients() if p.id == canary.id]
    assert cached  # the canary really is in the store, in clear, for the app
    folders = [app_home, log_dir()]
    assert log_file.parent == log_dir()
    assert log_file.stat().st_size > 0  # the log was written, and is scanned too

    # While the app runs (the WAL holds the latest writes) and after it has closed.
    assert _files_holding(folders, needles) == []
    path = store.path
    window.shutdown()
    assert _files_holding(folders, needles) == []
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        sqlite3.connect(path).execute("SELECT count(*) FROM sqlite_master")
    key = window.keys.database_key(window.services.profile.name)
    with Store(path, key=key) as reopened:
        assert [p.id for p in reopened.cached_patients() if p.id == canary.id] == [canary.id]

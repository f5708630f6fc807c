"""Closing the store while another thread is inside it (the window closing while the patient
picker's load still reads on a pool thread): the connection is not closed under that thread,
whose work finishes whole; its own thread closes it afterwards (store/connections.py).

Closing it there finalized the statement the thread was stepping through: a segmentation
fault, or a hang, at quit (docs/decisions.md "The store closes no connection under its
thread")."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from impilo_desktop.api.models import Patient
from impilo_desktop.store import PatientSearchRow, ReferenceKind, Store, StoreError
from impilo_desktop.store.base import open_lock_file
from impilo_desktop.store.cipher import sqlite3
from impilo_desktop.store.process_lock import LockState, ProcessLock

T = TypeVar("T")
WAIT = 30.0  # a bound on waiting for the other thread, never a pause


def _patients(n: int) -> list[Patient]:
    return [
        Patient.model_validate({"id": i, "firstName": "P", "lastName": f"N{i:05d}"})
        for i in range(1, n + 1)
    ]


def _in_thread(work: Callable[[], T]) -> tuple[threading.Thread, list[T], list[BaseException]]:
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(work())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, results, errors


def test_a_read_running_when_the_store_closes_reads_every_row(store: Store) -> None:
    store.store_reference_page(ReferenceKind.PATIENT, _patients(500))
    inside, closed = threading.Event(), threading.Event()

    def build(rows: Iterator[PatientSearchRow]) -> list[int]:
        ids = [next(rows).id]
        inside.set()  # the statement is open and stepping
        assert closed.wait(WAIT)
        ids.extend(row.id for row in rows)
        return ids

    thread, results, errors = _in_thread(lambda: store.read_patient_rows(build))
    assert inside.wait(WAIT)
    store.close()
    # Its file is still open: a sign-out's removal (it takes the open lock) must wait.
    assert _removal_may_start(store) is LockState.BUSY
    closed.set()
    thread.join(WAIT)

    assert not errors
    assert results == [list(range(1, 501))]
    assert len(store._db._connections) == 0  # closed by the reading thread when it was done
    assert _removal_may_start(store) is LockState.ACQUIRED


def _removal_may_start(store: Store) -> LockState:
    removal = ProcessLock(open_lock_file(store.path))
    state = removal.try_acquire()
    removal.release()
    return state


def test_a_write_running_when_the_store_closes_is_committed(db_path: Path) -> None:
    store = Store(db_path)
    inside, closed = threading.Event(), threading.Event()

    def work(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE notes (text TEXT)")
        conn.execute("INSERT INTO notes VALUES ('before the close')")
        inside.set()
        assert closed.wait(WAIT)
        conn.execute("INSERT INTO notes VALUES ('after the close')")

    thread, _results, errors = _in_thread(lambda: store._db.write(work))
    assert inside.wait(WAIT)
    store.close()
    closed.set()
    thread.join(WAIT)

    assert not errors
    with Store(db_path) as again:
        rows = again._db.read(lambda c: [r[0] for r in c.execute("SELECT text FROM notes")])
    assert rows == ["before the close", "after the close"]


def test_nothing_starts_after_the_store_closed(store: Store) -> None:
    store.store_reference_page(ReferenceKind.PATIENT, _patients(3))
    # A thread with a connection of its own, idle when the store closes.
    thread, _results, errors = _in_thread(store.cached_patients)
    thread.join(WAIT)
    assert not errors
    assert len(store._db._connections) == 2

    store.close()

    assert len(store._db._connections) == 0
    with pytest.raises(StoreError, match="closed"):
        store.cached_patients()
    thread, _results, errors = _in_thread(store.cached_patients)
    thread.join(WAIT)
    assert [type(e) for e in errors] == [StoreError]

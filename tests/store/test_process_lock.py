"""The OS lock on a file (store/process_lock.py): exclusive across processes and within one,
released by the kernel when its holder is killed, and UNAVAILABLE rather than wrong where a
file cannot be locked."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from impilo_desktop.store.process_lock import LockState, ProcessLock

_HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from impilo_desktop.store.process_lock import ProcessLock
    print(ProcessLock(Path(sys.argv[1])).try_acquire().value, flush=True)
    sys.stdin.readline()
    """
)


def test_one_holder_at_a_time_within_a_process(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    first, second = ProcessLock(path), ProcessLock(path)
    assert first.try_acquire() == LockState.ACQUIRED
    assert first.try_acquire() == LockState.ACQUIRED  # holding it already
    assert second.try_acquire() == LockState.BUSY
    first.release()
    first.release()  # twice is harmless
    assert not first.held
    assert second.try_acquire() == LockState.ACQUIRED
    second.release()
    assert path.is_file()  # left in place: deleting it could split the lock in two


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_a_killed_holder_releases_it_at_once(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    mine = ProcessLock(path)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == LockState.ACQUIRED.value
        assert mine.try_acquire() == LockState.BUSY
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert mine.try_acquire() == LockState.ACQUIRED
    mine.release()


def test_a_file_that_cannot_be_locked_is_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    path.mkdir()  # cannot be opened as a file, like a share that refuses locks
    assert ProcessLock(path).try_acquire() == LockState.UNAVAILABLE
    assert ProcessLock(tmp_path / "missing" / "x.lock").try_acquire() == LockState.UNAVAILABLE


def test_shared_holders_together_exclude_an_exclusive_one(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    first, second = ProcessLock(path, shared=True), ProcessLock(path, shared=True)
    exclusive = ProcessLock(path)
    assert first.try_acquire() == LockState.ACQUIRED
    assert second.try_acquire() == LockState.ACQUIRED
    assert exclusive.try_acquire() == LockState.BUSY
    first.release()
    assert exclusive.try_acquire() == LockState.BUSY  # the second still holds it
    second.release()
    assert exclusive.try_acquire() == LockState.ACQUIRED
    assert ProcessLock(path, shared=True).try_acquire() == LockState.BUSY
    exclusive.release()


_SHARED_HOLDER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from impilo_desktop.store.process_lock import ProcessLock
    print(ProcessLock(Path(sys.argv[1]), shared=True).try_acquire().value, flush=True)
    sys.stdin.readline()
    """
)


def test_a_shared_holder_in_another_process_excludes_an_exclusive_one(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    proc = subprocess.Popen(
        [sys.executable, "-c", _SHARED_HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == LockState.ACQUIRED.value
        assert ProcessLock(path).try_acquire() == LockState.BUSY
        shared = ProcessLock(path, shared=True)
        assert shared.try_acquire() == LockState.ACQUIRED  # shared with the other process
        shared.release()
    finally:
        proc.communicate("\n", timeout=30)
    assert proc.returncode == 0
    exclusive = ProcessLock(path)
    assert exclusive.try_acquire() == LockState.ACQUIRED
    exclusive.release()

"""Files the import reads and writes, always on the bridge (a file on a network share can take
seconds), and the choosers that name them."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

from impilo_desktop.sync.sheet_file import SameAsSpreadsheet
from impilo_desktop.ui.plumbing.bridge import AsyncBridge, Job


def write_file(path: Path, data: bytes) -> Path:
    """Write `data` whole or not at all: into a temporary file beside `path`, then moved over
    it, so a full disk never leaves half a spreadsheet where the coordinator's file was."""
    handle, temporary = tempfile.mkstemp(prefix=".impilo-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def is_same_file(target: Path, source: Path) -> bool:
    """Whether `target` names `source`, by the names alone (no disk access: the chooser's
    answer is checked on the UI thread; `prepare_file` checks the disk)."""
    return os.path.normcase(os.path.abspath(target)) == os.path.normcase(os.path.abspath(source))


@dataclass(frozen=True)
class PreparedFile:
    """Bytes written beside `path`, not yet in its place."""

    temporary: Path
    path: Path

    def commit(self) -> Path:
        os.replace(self.temporary, self.path)
        return self.path

    def discard(self) -> None:
        self.temporary.unlink(missing_ok=True)


def prepare_file(path: Path, data: bytes, source: Path) -> PreparedFile:
    """Write `data` beside `path`, to be put in place by `commit()` (or thrown away by
    `discard()`). Refuses (`SameAsSpreadsheet`) when `path` is `source` under another name
    (a link, another case): the good rows are only in the original."""
    if path.exists() and source.exists() and path.samefile(source):
        raise SameAsSpreadsheet(f"{path} is the spreadsheet being imported")
    handle, temporary = tempfile.mkstemp(prefix=".impilo-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return PreparedFile(Path(temporary), path)


def save_on_bridge(
    bridge: AsyncBridge,
    path: Path,
    make: Callable[[], bytes],
    on_saved: Callable[[Path], None],
    on_error: Callable[[BaseException], None],
) -> Job:
    """`make()` the bytes and write them to `path`, both on the bridge loop."""
    return bridge.call(lambda: write_file(path, make()), on_result=on_saved, on_error=on_error)


def choose_save_path(parent: QWidget, title: str, suggested: Path, filter_: str) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), filter_)
    return Path(name) if name else None


def choose_open_path(parent: QWidget, title: str, folder: Path, filter_: str) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, title, str(folder), filter_)
    return Path(name) if name else None

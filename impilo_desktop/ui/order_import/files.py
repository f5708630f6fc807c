"""Files the import reads and writes, always on the bridge (a file on a network share can take
seconds), and the choosers that name them."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget

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


def save_on_bridge(
    bridge: AsyncBridge,
    path: Path,
    make: Callable[[], bytes],
    on_saved: Callable[[Path], None],
    on_error: Callable[[BaseException], None],
) -> Job:
    """`make()` the bytes and write them to `path`, both on the bridge loop."""
    return bridge.call(lambda: write_file(path, make()), on_result=on_saved, on_error=on_error)


def not_saved(path: Path, error: BaseException) -> str:
    """Why a file could not be written, in plain words (the detail goes to the log)."""
    reason = error.strerror if isinstance(error, OSError) and error.strerror else "an error"
    return f"Could not save {path.name} ({reason}). Choose another folder or name."


def choose_save_path(parent: QWidget, title: str, suggested: Path, filter_: str) -> Path | None:
    name, _ = QFileDialog.getSaveFileName(parent, title, str(suggested), filter_)
    return Path(name) if name else None


def choose_open_path(parent: QWidget, title: str, folder: Path, filter_: str) -> Path | None:
    name, _ = QFileDialog.getOpenFileName(parent, title, str(folder), filter_)
    return Path(name) if name else None

"""Qt's prefix inside a PyInstaller bundle (its plugins, and the rest Qt looks up there).

PyInstaller's runtime hook for PySide6 imports PySide6.QtCore before the app's first line and
registers an embedded qt.conf, unless one is there already. PySide6's wheels register their
own when QtCore is imported, so the hook's cost was the early import: PySide6 then reads every
module imported after it, and the window's Qt-free core came after it. The bundle's spec
swaps that hook for packaging/rthooks/qt_paths.py, which only sets the environment. The
window's start calls `register_qt_conf` once the core is in: PyInstaller's qt.conf for a
PySide6 that brought none. From source it does nothing."""

from __future__ import annotations

import importlib
import os
import sys


def register_qt_conf() -> None:
    """In a bundle: register the embedded qt.conf with PyInstaller's own helper (which does
    nothing if PySide6 registered its own)."""
    base = getattr(sys, "_MEIPASS", None)
    if not getattr(sys, "frozen", False) or base is None:
        return
    helper = importlib.import_module("_pyi_rth_utils.qt")
    parts = [] if sys.platform.startswith("win") else ["Qt"]
    helper.create_embedded_qt_conf("PySide6", os.path.join(base, "PySide6", *parts))

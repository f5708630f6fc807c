"""Qt's prefix inside a PyInstaller bundle (its plugins, and the rest Qt looks up there).

PyInstaller's runtime hook for PySide6 registers an embedded qt.conf before the app's first
line, and imports PySide6.QtCore to do it. The bundle's spec swaps that hook for
packaging/rthooks/qt_paths.py, which only sets the environment, so that the window's Qt-free
core is imported before PySide6 as from source (PySide6 reads every module imported after
it). The window's start calls `register_qt_conf` once the core is in, before Qt reads the
file. From source it does nothing."""

from __future__ import annotations

import importlib
import os
import sys


def register_qt_conf() -> None:
    """In a bundle: register the embedded qt.conf with PyInstaller's own helper."""
    base = getattr(sys, "_MEIPASS", None)
    if not getattr(sys, "frozen", False) or base is None:
        return
    helper = importlib.import_module("_pyi_rth_utils.qt")
    parts = [] if sys.platform.startswith("win") else ["Qt"]
    helper.create_embedded_qt_conf("PySide6", os.path.join(base, "PySide6", *parts))

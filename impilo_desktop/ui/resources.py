"""Finding bundled files (icons, styles) in development and in frozen builds, and loading
SVG icons that stay sharp on HiDPI screens."""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon


def _root() -> Path:
    # PyInstaller unpacks data next to the executable (sys._MEIPASS); in development the
    # resources folder sits at the repository root, beside the package.
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parents[2]


def resource_path(rel: str) -> Path:
    """Absolute path of `resources/<rel>` (works in development and frozen builds)."""
    return _root() / "resources" / rel


@cache
def icon(name: str) -> QIcon:
    """The SVG icon `resources/icons/<name>.svg`; an empty icon (never an error) if absent.

    Qt's SVG icon engine renders at every device pixel ratio, so one file serves HiDPI.
    """
    path = resource_path(f"icons/{name}.svg")
    if not path.is_file():
        return QIcon()
    return QIcon(str(path))

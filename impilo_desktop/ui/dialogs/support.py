"""The facts support asks for first (version, OS, Qt, profile, log folder), in one place so the
About dialog and the crash dialog say exactly the same thing."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import PySide6
from PySide6.QtCore import qVersion

from impilo_desktop import APP_NAME, __version__, config


def os_description() -> str:
    """A readable OS name and version, e.g. 'macOS 14.5 (arm64)' or 'Windows 11 (AMD64)'."""
    if sys.platform == "darwin":
        release = platform.mac_ver()[0]
        return f"macOS {release} ({platform.machine()})"
    if sys.platform == "win32":
        return f"Windows {platform.release()} {platform.version()} ({platform.machine()})"
    return f"{platform.system()} {platform.release()} ({platform.machine()})"


def qt_description() -> str:
    """The Qt library actually loaded, and the PySide6 binding."""
    return f"Qt {qVersion()}, PySide6 {PySide6.__version__}"


def build_kind() -> str:
    return "installed bundle" if getattr(sys, "frozen", False) else "from source"


def support_facts(
    profile: config.Profile | None, log_folder: Path | None = None
) -> list[tuple[str, str]]:
    """(label, value) pairs, in the order support reads them."""
    folder = log_folder or config.log_dir()
    profile_text = "(none chosen yet)"
    if profile is not None:
        profile_text = f"{profile.name} ({profile.base_url})"
    return [
        ("Application", f"{APP_NAME} {__version__} ({build_kind()})"),
        ("Operating system", os_description()),
        ("Qt", qt_description()),
        ("Python", platform.python_version()),
        ("Profile", profile_text),
        ("Log folder", str(folder)),
    ]

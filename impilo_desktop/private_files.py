"""Folders and files only the signed-in user can read: the log folder and its files, which
say which orders were sent and when.

POSIX: the folder 0700, each file 0600, created that way (never world-readable for a moment)
and tightened when an earlier version left them 0755/0644. Windows: the same through the
folder's access list, set with `icacls` (part of Windows; docs/decisions.md says why): the
folder's inherited entries are removed and only the user is granted, for the folder and
everything in it, and files already there are reset to inherit that.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

FOLDER_MODE = 0o700
FILE_MODE = 0o600

# Folders whose Windows ACL was set by this process: `icacls` runs once per folder, not at
# every call (the log and the crash log both ask at start).
_restricted: set[Path] = set()


def private_folder(folder: Path) -> Path:
    """Create `folder` if needed and make it, and the files in it, the user's alone."""
    folder.mkdir(parents=True, exist_ok=True)
    if sys.platform == "win32":
        if folder not in _restricted:
            _windows_owner_only(folder)
            _restricted.add(folder)
        return folder
    os.chmod(folder, FOLDER_MODE)
    for child in folder.iterdir():
        with contextlib.suppress(OSError):  # a file being rotated away by another process
            if child.is_file() and not child.is_symlink():
                os.chmod(child, FILE_MODE)
    return folder


def private_opener(path: str, flags: int) -> int:
    """An `opener` for `open()` that creates a file readable by its owner only."""
    fd = os.open(path, flags, FILE_MODE)
    if sys.platform != "win32":
        # An existing file keeps its mode on open: tighten one an earlier version made.
        os.fchmod(fd, FILE_MODE)
    return fd


def windows_user() -> str:
    """The account the ACL grants (DOMAIN\\user, as Windows names the signed-in user)."""
    user = os.environ.get("USERNAME", "")
    domain = os.environ.get("USERDOMAIN", "")
    return f"{domain}\\{user}" if domain and user else user


def icacls_commands(folder: Path, user: str) -> list[list[str]]:
    """The `icacls` calls that leave `folder` and its files to `user` alone: no inherited
    entries, full control for the user on the folder, its subfolders and files (OI)(CI),
    then the files already there reset to inherit exactly that."""
    return [
        ["icacls", str(folder), "/inheritance:r", "/grant:r", f"{user}:(OI)(CI)F", "/Q"],
        ["icacls", str(folder / "*"), "/reset", "/Q"],
    ]


def _windows_owner_only(folder: Path) -> None:
    user = windows_user()
    if not user:
        log.warning("Could not name the Windows user; the log folder keeps its permissions")
        return
    flags = getattr(subprocess, "CREATE_NO_WINDOW", 0)  # no console flashing up
    restrict, reset = icacls_commands(folder, user)
    try:
        done = subprocess.run(restrict, check=False, capture_output=True, creationflags=flags)
        if done.returncode != 0:
            log.warning("icacls could not restrict %s (exit %d)", folder, done.returncode)
            return
        # An empty folder makes this one fail ("no files"): nothing to reset then.
        subprocess.run(reset, check=False, capture_output=True, creationflags=flags)
    except OSError as error:
        log.warning("Could not restrict %s to its user: %s", folder, error)

"""Whether the window is open on an app home, for the command line (no Qt): the window holds
a QLockFile there (ui/plumbing/single_instance.py) whose first line is the holder's process
id and whose third is the host name."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from impilo_desktop.store.process_lock import process_alive

WINDOW_LOCK_FILE = "impilo-desktop.lock"  # single_instance.LOCK_FILE_NAME


def window_open(home: Path) -> bool:
    """True when the window holds its lock in `home` (a live process on this computer)."""
    try:
        lines = (home / WINDOW_LOCK_FILE).read_text(encoding="utf-8").splitlines()
        pid = int(lines[0])
    except (OSError, ValueError, IndexError):
        return False
    host = lines[2] if len(lines) > 2 else ""
    if host and host != socket.gethostname():
        return True  # another computer's window on a shared home: cannot tell, so refuse
    return pid != os.getpid() and process_alive(pid)

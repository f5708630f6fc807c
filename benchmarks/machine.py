"""The machine line every benchmark prints first: CPU count, load, Python, PySide6, SQLite.

Numbers from a shared 2-core machine only mean something next to what else was running, so the
load average goes with them; SQLite is the SQLCipher build the store runs on, not the stdlib's.
"""

from __future__ import annotations

import os
import platform


def machine_line() -> str:
    from PySide6 import __version__ as pyside_version
    from sqlcipher3 import dbapi2

    load = "n/a"
    if hasattr(os, "getloadavg"):
        load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"Machine: {platform.machine()} {platform.system()} {platform.release()}, "
        f"{os.cpu_count()} CPUs, load average {load} (1/5/15 min); Python "
        f"{platform.python_version()}, PySide6 {pyside_version}, SQLite "
        f"{dbapi2.sqlite_version} (SQLCipher)"
    )

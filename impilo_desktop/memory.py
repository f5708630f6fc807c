"""Giving memory freed by bulk work back to the operating system (Linux with glibc only).

A reference refresh of 100,000 patients, the picker's load of them and a burst of history
pages allocate and free tens of MiB in blocks glibc's `malloc` serves from its own heaps
(response bodies, lists and sets of 100,000 entries, SQLite's sorter). Freed, glibc keeps
most of it for later allocations instead of returning it, so the process stays that much
larger for the rest of the day (about 28 MiB after the patients, docs/performance.md
"Memory"). `malloc_trim(0)` returns the free pages of every arena. Windows' heap and macOS'
malloc have no such call here: the helper does nothing there (docs/decisions.md).

Call `return_freed_memory` on the thread that did the work, once a bulk step has ended (not
per record or per page of a loop): it walks glibc's free lists (0.05 ms in a probe after
200 MB of small blocks were freed; the log gives each call's time at debug level).
"""

from __future__ import annotations

import logging
import sys
import time
from functools import cache
from typing import Any

log = logging.getLogger(__name__)


@cache
def _glibc_trim() -> Any | None:
    """glibc's `malloc_trim`, or None where there is none (Windows, macOS, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # here, not at the top: the first bulk step pays its import, not the start

    try:
        libc = ctypes.CDLL(None)  # the C library the interpreter is linked with
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def return_freed_memory(after: str) -> bool:
    """Return the C heap's free pages to the operating system once the bulk work `after`
    names (for the log) has ended. True when glibc gave some back; False when it had none
    to give or where there is no `malloc_trim`."""
    trim = _glibc_trim()
    if trim is None:
        return False
    started = time.perf_counter()
    try:
        returned = bool(trim(0))
    except OSError:  # never expected: a failure here must not end the work that called it
        log.debug("malloc_trim failed", exc_info=True)
        return False
    log.debug(
        "Freed memory returned after %s (%s, %.1f ms)",
        after,
        "some" if returned else "none",
        (time.perf_counter() - started) * 1000,
    )
    return returned

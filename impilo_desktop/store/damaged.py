"""A damaged database copied aside once (with its WAL), never changed: see Database."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

log = logging.getLogger(__name__)


def size_of(path: Path) -> int:
    """The size of `path`; a missing file counts as empty (a WAL may be absent or empty)."""
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _same_bytes(a: Path, b: Path) -> bool:
    if size_of(a) != size_of(b):
        return False
    if size_of(a) == 0:
        return True
    with open(a, "rb") as first, open(b, "rb") as second:
        while True:
            chunk = first.read(1 << 20)
            if chunk != second.read(1 << 20):
                return False
            if not chunk:
                return True


def _earlier_copy(path: Path) -> Path | None:
    """A copy kept before of exactly these bytes (the database and its WAL), or None."""
    prefix = f"{path.name}.damaged-"
    for candidate in sorted(path.parent.iterdir()):
        name = candidate.name
        if not name.startswith(prefix) or name.endswith(("-wal", "-shm")):
            continue
        if _same_bytes(path, candidate) and _same_bytes(
            Path(f"{path}-wal"), Path(f"{candidate}-wal")
        ):
            return candidate
    return None


def keep_damaged_copy(path: Path) -> Path | None:
    """Copy a damaged database (and its WAL) aside, once; the original is never touched.

    Every start of the app and every command opens the damaged file again: a copy of the
    same bytes kept the first time is found and named again rather than another copy piling
    up. A file damaged anew later (after the profile was started over) holds other data, so
    it gets a copy of its own, and the earlier copy stays: it may be all that is left of the
    first file. Returns the copy's full path, or None when no copy could be made.
    """
    path = path.absolute()
    try:
        earlier = _earlier_copy(path)
    except OSError:
        log.warning("Could not look for an earlier copy of %s", path, exc_info=True)
        earlier = None
    if earlier is not None:
        return earlier
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    try:
        shutil.copy2(path, target)
        wal = Path(f"{path}-wal")
        if wal.exists():
            shutil.copy2(wal, Path(f"{target}-wal"))
    except OSError:
        log.exception("Could not copy the damaged database %s", path)
        return None
    return target

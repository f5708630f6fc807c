"""Reading an order spreadsheet from disk, the same way for the window and the command line:
one size limit (`MAX_SHEET_BYTES`) and one sentence for a file above it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_SHEET_BYTES = 20_000_000  # 10,000 order lines of CSV are a few MB; this is an EHR dump
TOO_LARGE = f"is too large (over {MAX_SHEET_BYTES // 1_000_000} MB); split it"
"""What a file over the limit is told, after its name ("enrolment.csv is too large …")."""


class SheetTooLarge(ValueError):  # noqa: N818 - says what the coordinator hears
    """The file is over `MAX_SHEET_BYTES`: nothing of it was kept."""


class SameAsSpreadsheet(OSError):  # noqa: N818 - says what the coordinator hears
    """A file was to be written over the spreadsheet being imported (its good rows are
    only there)."""


def read_sheet_file(path: Path, limit: int = MAX_SHEET_BYTES) -> bytes:
    """The file's bytes, never more than `limit + 1` of them read: the size is asked first
    (a regular file above the limit is not opened at all), and a file that grows while it is
    read, or is no regular file (/dev/zero), stops at the limit. Raises `SheetTooLarge`, or
    the `OSError` of a file that cannot be read."""
    info = path.stat()
    if stat.S_ISREG(info.st_mode) and info.st_size > limit:
        raise SheetTooLarge(TOO_LARGE)
    # Non-blocking open: opening a named pipe for reading otherwise waits for a writer.
    nonblocking = getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0))
    if nonblocking:
        os.set_blocking(fd, True)
    with os.fdopen(fd, "rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise SheetTooLarge(TOO_LARGE)
    return data

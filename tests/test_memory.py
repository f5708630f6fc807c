"""Returning freed memory to the operating system (impilo_desktop/memory.py)."""

from __future__ import annotations

import logging
import platform
import sys

import pytest

from impilo_desktop.memory import return_freed_memory

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


def test_returning_freed_memory_is_safe_to_call_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    garbage = [bytes(4096) for _ in range(4000)]  # 16 MiB through malloc, then freed
    del garbage
    with caplog.at_level(logging.DEBUG, logger="impilo_desktop.memory"):
        first = return_freed_memory("a test")
        again = return_freed_memory("a test")  # nothing left to give: still fine

    assert isinstance(first, bool)
    assert isinstance(again, bool)
    said = [r.getMessage() for r in caplog.records if "after a test" in r.getMessage()]
    if GLIBC:
        assert len(said) == 2
    else:  # Windows, macOS, musl: nothing to call, nothing done
        assert (first, again, said) == (False, False, [])

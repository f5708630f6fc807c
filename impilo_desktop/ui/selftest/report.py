"""How the self-test reports: one line per step, the errors that stop it, the watchdog that
ends a hung run and the log's tail printed after a failure."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from impilo_desktop.logs import redact

log = logging.getLogger("impilo_desktop.ui.selftest")


class SelfTestError(Exception):
    """A step failed; the message says why, in one line."""


class SelfTestTimeoutError(SelfTestError):
    """The overall time limit ran out."""


class Reporter:
    """Prints `ok   <step> (<ms> ms) <detail>` lines and logs them too."""

    def __init__(self, out: IO[str] | None) -> None:
        self.out = out
        self.started = time.perf_counter()

    def line(self, text: str) -> None:
        log.info("self-test: %s", text)
        if self.out is not None:
            print(text, file=self.out, flush=True)

    @contextmanager
    def step(self, name: str) -> Iterator[list[str]]:
        """Time a step; the body may append a detail. Failures propagate after one line."""
        detail: list[str] = []
        began = time.perf_counter()
        try:
            yield detail
        except SelfTestTimeoutError:
            raise
        except Exception as exc:
            reason = str(exc) or type(exc).__name__
            self.line(f"FAIL {name}: {reason}")
            log.exception("self-test step %r failed", name)
            raise SelfTestError(f"{name}: {reason}") from exc
        ms = (time.perf_counter() - began) * 1000
        self.line(f"ok   {name} ({ms:.0f} ms){' ' + detail[0] if detail else ''}")


def console() -> IO[str] | None:
    """Where to print. A windowed Windows build has no stdout: attach to the calling console
    (cmd, PowerShell, CI) so its lines still show up."""
    if sys.stdout is not None:
        return sys.stdout
    if sys.platform == "win32":
        import ctypes

        if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
            return open("CONOUT$", "w", encoding="utf-8")
    return None


def start_watchdog(seconds: float, out: IO[str] | None) -> threading.Timer:
    """End the process if the self-test itself hangs (e.g. the UI thread blocks in C++)."""

    def expire() -> None:
        message = f"FAIL self-test: no result after {seconds:.0f} s (watchdog)"
        log.critical(message)
        if out is not None:
            print(message, file=out, flush=True)
        logging.shutdown()
        os._exit(2)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    return timer


def print_log_tail(log_file: Path, out: IO[str] | None, lines: int = 40) -> None:
    """The end of the self-test's log, so a CI failure explains itself (key redacted)."""
    if out is None or not log_file.is_file():
        return
    tail = log_file.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    print(f"--- last {len(tail)} lines of {log_file.name} ---", file=out)
    for text in tail:
        print(redact(text), file=out)
    print("---", file=out, flush=True)

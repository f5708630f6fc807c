"""`impilo-desktop --self-test`: prove that this build (source or installed bundle) works.

Offscreen, in a throw-away home folder, it builds the real main window against the built-in
sandbox, places one order through the outbox exactly as the New order page does, reads it
back from the sandbox by its client reference, and prints one line per step. Exit code 0 when
every step passed; 1 with the reason on the first failure; 2 when the time limit ran out
(a watchdog thread ends even a hung process, so CI never waits forever).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from impilo_desktop import APP_NAME, __version__
from impilo_desktop.api.network import self_check as network_self_check
from impilo_desktop.config import HOME_ENV
from impilo_desktop.domain.order_sheet.self_check import self_check as sheet_self_check
from impilo_desktop.logs import configure_logging, reset_logging
from impilo_desktop.ui.selftest.home import self_test_home
from impilo_desktop.ui.selftest.report import (
    Reporter,
    SelfTestError,
    SelfTestTimeoutError,
    console,
    print_log_tail,
    start_watchdog,
)
from impilo_desktop.ui.selftest.steps import DEFAULT_TIMEOUT, SelfTest, emit_refcount_loss

log = logging.getLogger(__name__)


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    # Give it as `--self-test-timeout=SECONDS` (one token: the main parser does not know it).
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--self-test-timeout", type=float, default=DEFAULT_TIMEOUT)
    # Start-up timing (benchmarks/startup.py): stop once the main window is up; with
    # --self-test-account=URL on a real account's profile at URL instead of the sandbox.
    parser.add_argument("--self-test-window-only", action="store_true")
    parser.add_argument("--self-test-account", metavar="URL")
    # With --self-test-home=DIR the home (and its keyring) is kept between runs, so a second
    # run times a second start, as a coordinator's daily start is (ui/selftest/home.py).
    parser.add_argument("--self-test-home", metavar="DIR", type=_kept_home)
    args, _rest = parser.parse_known_args(list(argv))
    return args


def _kept_home(text: str) -> Path:
    if not text.strip():  # `--self-test-home=` would make the working folder the home
        raise argparse.ArgumentTypeError("--self-test-home needs a folder")
    return Path(text)


def run_self_test(
    argv: Sequence[str],
    *,
    out: IO[str] | None = None,
    watchdog: bool = True,
    timeout: float | None = None,
    check_signals: bool = True,
) -> int:
    """Run every step; 0 when all passed. `out` defaults to stdout (or the Windows console);
    `watchdog=False` for in-process tests, which must not risk `os._exit`; `check_signals=False`
    skips the PySide6 reference-count probe (tests of the rest on an affected interpreter)."""
    began = time.perf_counter()
    args = _parse(argv)
    limit = timeout if timeout is not None else args.self_test_timeout
    out = out if out is not None else console()
    report = Reporter(out)
    # Before any QApplication exists. (In-process tests already run offscreen.)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    timer = start_watchdog(limit + 15, out) if watchdog else None
    previous_home = os.environ.get(HOME_ENV)
    test: SelfTest | None = None
    try:
        with self_test_home(args.self_test_home) as home:
            os.environ[HOME_ENV] = str(home)  # logs, settings, data: all in the temp folder
            log_file = configure_logging()
            test = SelfTest(home, limit, report, keep_home=args.self_test_home is not None)
            frozen = "bundle" if getattr(sys, "frozen", False) else "source"
            report.line(f"{APP_NAME} {__version__} self-test ({frozen}, {sys.platform})")
            try:
                if not args.self_test_window_only:
                    with report.step("keyring backends") as detail:
                        detail.append(test.check_keyring_backends())
                    if check_signals:
                        with report.step("Qt signal reference counts") as detail:
                            detail.append(test.check_signal_refcounts())
                    with report.step("resources") as detail:
                        detail.append(test.check_resources())
                    with report.step("trust store and PAC") as detail:
                        detail.append(network_self_check())
                    with report.step("order spreadsheets (XLSX)") as detail:
                        detail.append(sheet_self_check())
                where = "account" if args.self_test_account else "sandbox"
                with report.step(f"main window ({where})") as detail:
                    detail.append(test.open_window(began, args.self_test_account))
                if not args.self_test_window_only:
                    with report.step("every page") as detail:
                        detail.append(test.check_pages())
                    with report.step("one window per home") as detail:
                        detail.append(test.check_single_instance())
                    with report.step("reference data") as detail:
                        detail.append(test.wait_for_reference_data())
                    with report.step("order draft") as detail:
                        draft = test.build_draft()
                        detail.append(f"patient {draft.patient and draft.patient.id}")
                    with report.step("sent through the outbox") as detail:
                        entry = test.send(draft)
                        detail.append(f"{entry.client_reference} -> order {entry.order_id}")
                    with report.step("read back from the sandbox") as detail:
                        detail.append(test.read_back(entry))
                    with report.step("encrypted store") as detail:
                        detail.append(test.check_encrypted_store())
            except SelfTestError:
                print_log_tail(log_file, out)
                raise
            finally:
                test.close()
                reset_logging()
    except SelfTestTimeoutError as exc:
        report.line(f"FAIL self-test: {exc}")
        return 2
    except SelfTestError as exc:
        report.line(f"FAIL self-test: {exc}")
        return 1
    except Exception as exc:  # set-up itself failed (e.g. Qt cannot start)
        log.exception("self-test could not run")
        report.line(f"FAIL self-test: {type(exc).__name__}: {exc}")
        return 1
    finally:
        if timer is not None:
            timer.cancel()
        if previous_home is None:
            os.environ.pop(HOME_ENV, None)
        else:
            os.environ[HOME_ENV] = previous_home
    total = time.perf_counter() - began
    window_ms = test.time_to_window_ms if test else 0.0
    report.line(f"PASS self-test in {total:.1f} s (window after {window_ms:.0f} ms)")
    return 0


__all__ = ["emit_refcount_loss", "run_self_test"]

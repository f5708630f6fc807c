"""Memory: the app's resident set against a bare PySide6 window, step by step.

Three kinds of process, each started fresh by this script:

- the server: the sandbox with the large seed (100,000 patients, 100,000 orders over two
  years) on 127.0.0.1, in its own process so its memory stays out of the app's; it ends with
  this script (or when this script dies);
- bare: QApplication + an empty QMainWindow of the app's size, shown, offscreen: the floor;
- the app: the real window (`create_app`) on a real-account profile (`custom`, pointed at
  that server, its API key in an in-memory keyring), in a throw-away home, offscreen, through
  these steps:
  1. window up: shown and the event loop turned (the first reference refresh starts);
  2. patients cached: the reference refresh has cached every patient and the New order
     page has loaded them into its patient picker;
  3. history scrolled: the Order history page shown and its list scrolled (scrollToBottom,
     which asks for the next page) until 10,000 orders are loaded.

Steps 2 and 3 are measured once the app has settled (events processed for `SETTLE_S`, longer
than the quiet the history waits for before it returns freed memory,
ui/plumbing/freed_memory.py). Each step is measured after `gc.collect()`: the process's RSS
(VmRSS) and, with `--heap`,
in a second app process started with `-X tracemalloc`, the Python heap and the source files
that allocated most of what the step added. Bare and app alternate when `--runs` > 1 (the
median is reported). Prints "above bare: N MiB" per step and a Markdown table for
docs/performance.md ("Memory").

With `--trimmable`, each step is followed by glibc's `malloc_trim(0)` called by the benchmark
and the RSS after it ("trimmed"): what the step left in glibc's free lists (a diagnostic: the
trim also lowers the later steps, so the tables come from runs without it). With
`--source DIR`, the app processes run another checkout's `impilo_desktop` (e.g. main's, for a
"before" table measured by this same benchmark).

Run (from the project root; Linux, for /proc/self/status):
    QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.memory
        [--patients 100000] [--orders 100000] [--scroll 10000] [--runs 1] [--heap]
        [--trimmable] [--source DIR]
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import importlib.util
import json
import multiprocessing
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MiB = 2**20
TIMEOUT_S = 900.0
SETTLE_S = 3.0

BARE_WINDOW = """
import gc, os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1180, 760)
window.show()
while not (window.windowHandle() and window.windowHandle().isExposed()):
    app.processEvents()
app.processEvents()
gc.collect()
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print("RSS", int(line.split()[1]) * 1024, flush=True)
"""

STEPS = ("window up", "patients cached", "history scrolled")


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc; 0 elsewhere)."""
    status = Path("/proc/self/status")
    if not status.exists():
        return 0
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


# --- the server ----------------------------------------------------------------------------


# --- the app process -------------------------------------------------------------------------


def _hide_not_installed() -> None:
    """runtime_env.py's, loaded by its path: this file runs as a script in the app's process,
    whose `benchmarks` package may be another checkout's (`--source`)."""
    path = Path(__file__).resolve().with_name("runtime_env.py")
    spec = importlib.util.spec_from_file_location("impilo_benchmark_runtime_env", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.hide_not_installed()


def run_app(base_url: str, patients: int, scroll: int, trimmable: bool) -> None:
    """The app's side: print one JSON line per step (RSS, heap if traced, top allocators)."""
    import tracemalloc

    _hide_not_installed()
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QCoreApplication, QEventLoop

    from impilo_desktop.config import HOME_ENV
    from impilo_desktop.sandbox.demo import DEMO_API_KEY
    from impilo_desktop.secrets import KeyStore, MemoryKeyring
    from impilo_desktop.ui.app import create_app
    from impilo_desktop.ui.history.view import OrderHistoryView
    from impilo_desktop.ui.order_entry.view import OrderEntryView
    from impilo_desktop.ui.shell.pages import HISTORY

    traced = tracemalloc.is_tracing()
    previous: list[Any] = []

    def wait_until(done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {what} after {TIMEOUT_S:.0f} s")
            # Block until Qt has work (the bridge posts an event with every result), so the
            # bridge thread gets the GIL to parse and store pages.
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)

    def settle() -> None:
        until = time.monotonic() + SETTLE_S
        while time.monotonic() < until:
            QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)

    def report(step: str, started: float, **extra: object) -> None:
        gc.collect()
        line: dict[str, object] = {
            "step": step,
            "rss": rss_bytes(),
            "seconds": round(time.perf_counter() - started, 1),
        }
        line.update(extra)
        if trimmable:
            ctypes.CDLL(None).malloc_trim(0)
            line["trimmed"] = rss_bytes()
        if traced:
            line["heap"] = tracemalloc.get_traced_memory()[0]
            snapshot = tracemalloc.take_snapshot().filter_traces(
                [tracemalloc.Filter(False, tracemalloc.__file__)]
            )
            grouped = snapshot.compare_to(previous[0], "filename") if previous else []
            line["top"] = [
                (_short(s.traceback[0].filename), s.size_diff)
                for s in sorted(grouped, key=lambda s: -s.size_diff)[:8]
            ]
            previous[:] = [snapshot]
        print("STEP " + json.dumps(line), flush=True)

    with tempfile.TemporaryDirectory(prefix="impilo-memory-") as tmp:
        home = Path(tmp)
        os.environ[HOME_ENV] = tmp
        keys = KeyStore(MemoryKeyring(), env={})
        keys.set_key("custom", DEMO_API_KEY)
        if traced:
            previous[:] = [tracemalloc.take_snapshot()]
        started = time.perf_counter()
        app, window = create_app(["--profile", "custom", "--base-url", base_url], home, keys=keys)
        refreshed: list[bool] = []
        window.services.outbox.reference_refreshed.connect(refreshed.append)
        window.resize(1180, 760)
        window.show()
        window.start()
        wait_until(lambda: bool(window.windowHandle() and window.windowHandle().isExposed()), "")
        app.processEvents()
        report(STEPS[0], started)

        entry = window.findChild(OrderEntryView)
        assert entry is not None
        loaded_after_refresh: list[bool] = []
        entry.reference_loaded.connect(lambda: loaded_after_refresh.append(bool(refreshed)))
        wait_until(lambda: any(loaded_after_refresh), "patients in the picker")
        picker = entry.form.patient_picker.model
        held = picker.rowCount()
        settle()
        report(STEPS[1], started, patients=held)

        window.show_page(HISTORY.key)
        history = window.findChild(OrderHistoryView)
        assert history is not None
        model = history.model

        def scrolled() -> bool:
            if model.loaded_count >= scroll or model.exhausted:
                return True
            if not model.loading:
                model.fetchMore()  # what the view does when the scroll bar reaches the end
                history.table.scrollToBottom()
            return False

        wait_until(scrolled, f"{scroll} orders in the history")
        settle()
        report(STEPS[2], started, orders=model.loaded_count)

        window.shutdown()
        window.quit_guard.confirmed = True
        window.close()
        app.processEvents()
    sys.stdout.flush()
    os._exit(0)  # no interpreter teardown of Qt objects (slow; see ui_stall.py)


def _short(filename: str) -> str:
    for marker in ("impilo_desktop/", "site-packages/", "lib/python3"):
        if marker in filename:
            return filename[filename.index(marker) :]
    return filename


# --- the driver ------------------------------------------------------------------------------


def child_lines(cmd: list[str], env: dict[str, str], prefix: str) -> list[str]:
    done = subprocess.run(
        cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S * 2
    )
    lines = [line[len(prefix) :] for line in done.stdout.splitlines() if line.startswith(prefix)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{cmd[1:3]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return lines


def bare_rss(env: dict[str, str]) -> int:
    return int(child_lines([sys.executable, "-c", BARE_WINDOW], env, "RSS ")[0])


def app_steps(env: dict[str, str], args: argparse.Namespace, *, heap: bool) -> list[dict[str, Any]]:
    # This file run as a script: with --source, `impilo_desktop` comes from that checkout.
    cmd = [sys.executable, *(["-X", "tracemalloc=1"] if heap else [])]
    cmd += [str(Path(__file__).resolve()), "--app", args.base_url]
    cmd += ["--patients", str(args.patients), "--scroll", str(args.scroll)]
    cmd += ["--trimmable"] if args.trimmable else []
    return [json.loads(line) for line in child_lines(cmd, env, "STEP ")]


def versions() -> str:
    from PySide6 import __version__ as pyside_version

    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()},"
        f" Python {platform.python_version()}, PySide6 {pyside_version},"
        f" SQLite {sqlite3.sqlite_version}; load average {load[0]:.2f} {load[1]:.2f}"
        f" {load[2]:.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--scroll", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--heap", action="store_true", help="a traced run for the breakdown")
    parser.add_argument("--trimmable", action="store_true", help="malloc_trim after each step")
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout the app runs")
    parser.add_argument("--app", dest="base_url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.base_url and "--app" in sys.argv:
        run_app(args.base_url, args.patients, args.scroll, args.trimmable)
        return 0
    from benchmarks.large_sandbox import free_port, serve
    from benchmarks.runtime_env import NOT_INSTALLED_ENV, not_installed

    print(f"app from {args.source.resolve()}", flush=True)

    print(versions(), flush=True)
    began = time.perf_counter()
    port = free_port()
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    server = context.Process(
        target=serve, args=(port, args.patients, args.orders, ready, stop), daemon=True
    )
    server.start()
    try:
        if not ready.wait(TIMEOUT_S):
            raise SystemExit("the sandbox did not start")
        print(f"sandbox seeded in {time.perf_counter() - began:.0f} s", flush=True)
        args.base_url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        # The app as a coordinator's `pip install .` has it (benchmarks/runtime_env.py).
        env[NOT_INSTALLED_ENV] = ",".join(not_installed(sys.executable))
        source = str(args.source.resolve())
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
        bare: list[int] = []
        runs: list[list[dict[str, Any]]] = []
        for _ in range(args.runs):  # interleaved: drift on a shared machine hits both
            bare.append(bare_rss(env))
            runs.append(app_steps(env, args, heap=False))
            for step in runs[-1]:
                trimmed = step.get("trimmed")
                print(
                    f"  {step['step']}: RSS {step['rss'] / MiB:.0f} MiB, above bare:"
                    f" {(step['rss'] - bare[-1]) / MiB:.0f} MiB ({step['seconds']} s)"
                    + (f"; after malloc_trim {trimmed / MiB:.0f} MiB" if trimmed else ""),
                    flush=True,
                )
        print_table(args, bare, runs)
        if args.heap:
            print_heap(app_steps(env, args, heap=True))
    finally:
        stop.set()
        server.join(30)
    return 0


def print_table(
    args: argparse.Namespace, bare: list[int], runs: list[list[dict[str, Any]]]
) -> None:
    floor = statistics.median(bare)
    print(f"\n{versions()}")
    print(
        f"Sandbox: {args.patients:,} patients, {args.orders:,} orders; history scrolled to"
        f" {args.scroll:,}; {args.runs} run(s), median.\n"
    )
    print("| step | RSS MiB | above bare MiB | ratio to bare |")
    print("|---|---:|---:|---:|")
    print(f"| bare PySide6 window | {floor / MiB:.0f} | 0 | 1.00 |")
    for i, name in enumerate(STEPS):
        rss = statistics.median(run[i]["rss"] for run in runs)
        extra = {k: v for k, v in runs[0][i].items() if k in ("patients", "orders")}
        label = name + "".join(f", {v:,} {k}" for k, v in extra.items())
        print(f"| {label} | {rss / MiB:.0f} | {(rss - floor) / MiB:.0f} | {rss / floor:.2f} |")
    print(
        "\nCommand: `QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.memory"
        f" --patients {args.patients} --orders {args.orders} --scroll {args.scroll}"
        f" --runs {args.runs}{' --heap' if args.heap else ''}"
        f"{' --trimmable' if args.trimmable else ''}`",
        flush=True,
    )


def print_heap(traced: list[dict[str, Any]]) -> None:
    """The traced run: the Python heap after each step and what the step added, by file."""
    print("\n| step (traced run) | Python heap MiB | added by (MiB, by file) |")
    print("|---|---:|---|")
    for step in traced:
        tops = ", ".join(f"{name} {size / MiB:+.1f}" for name, size in step["top"] if size > MiB)
        print(f"| {step['step']} | {step['heap'] / MiB:.1f} | {tops or '-'} |")


if __name__ == "__main__":
    raise SystemExit(main())

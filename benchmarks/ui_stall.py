"""The longest UI event-loop stall while the outbox sends orders and reference data refreshes.

Offscreen, it builds the real main window with `impilo_desktop.ui.app.create_app` on the
built-in (embedded) sandbox, in a throw-away home, exactly as `--self-test` does, and waits
for the first reference refresh. Then, per round, it queues N valid drafts through
`services.outbox.submit` (one per event-loop turn, the way a coordinator's clicks arrive),
starts a reference refresh, and measures the gaps between ticks of a 1 ms `QTimer`
(`Qt.PreciseTimer`) on the UI thread until every order is sent and the refresh has ended.
A gap is how long the UI thread could not run anything else (paint, answer a click).

With `--sample`, a watchdog thread snapshots the UI thread's Python stack every few
milliseconds while a stall is longer than `--sample-after` ms and prints the most common
stacks, which names the code a stall comes from (C++ time shows as the Python frame that
called into Qt). `py-spy dump`/`record` on the process does the same from outside.

Run (from the project root):
    .venv/bin/python -m benchmarks.ui_stall [--orders 50] [--rounds 3] [--sample]
Prints the machine, then one Markdown row per round (max, p99, median gap, the count of gaps
> 16 ms and > 50 ms, and the max and p99 gap as a ratio to the idle window's, measured first
in the same run: the floor) and the same over all rounds.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from types import FrameType

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

from benchmarks.machine import machine_line
from impilo_desktop.config import HOME_ENV
from impilo_desktop.domain import ItemLine, OrderDraft, PatientChoice
from impilo_desktop.secrets import KeyStore, MemoryKeyring
from impilo_desktop.store.entries import EntryState
from impilo_desktop.ui.app import create_app
from impilo_desktop.ui.shell.main_window import MainWindow

FRAME_MS = 16.0
LONG_MS = 50.0
TIMEOUT_S = 180.0


class TickProbe:
    """A 1 ms precise timer on the UI thread; records the gap between consecutive ticks."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []  # ms
        self.last = time.perf_counter()
        self.recording = False

    def start(self) -> None:
        self.last = time.perf_counter()
        self.timer.start()

    def begin(self) -> None:
        self.gaps = []
        self.last = time.perf_counter()
        self.recording = True

    def end(self) -> list[float]:
        self.recording = False
        return self.gaps

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.recording:
            self.gaps.append((now - self.last) * 1000)
        self.last = now


class StallSampler(threading.Thread):
    """Snapshots the UI thread's Python stack while it has not ticked for a while."""

    def __init__(self, probe: TickProbe, after_ms: float, every_ms: float = 3.0) -> None:
        super().__init__(name="stall-sampler", daemon=True)
        self.probe = probe
        self.after = after_ms / 1000
        self.every = every_ms / 1000
        self.ui_thread = threading.main_thread().ident
        self.stacks: collections.Counter[str] = collections.Counter()
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.wait(self.every):
            if not self.probe.recording or time.perf_counter() - self.probe.last < self.after:
                continue
            frame: FrameType | None = sys._current_frames().get(self.ui_thread or 0)
            if frame is not None:
                lines = traceback.format_stack(frame, limit=14)
                self.stacks["".join(lines[-14:])] += 1

    def report(self, top: int = 6) -> None:
        total = sum(self.stacks.values())
        print(f"\nStack samples during stalls > {self.after * 1000:.0f} ms: {total}")
        for stack, count in self.stacks.most_common(top):
            print(f"\n--- {count} samples ({count / max(total, 1):.0%}) ---\n{stack}")


def pump_until(app: QApplication, done: object, what: str, timeout: float = TIMEOUT_S) -> None:
    """Run the real event loop (not processEvents polling) until `done()` is true."""
    assert callable(done)
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(20)
    check.timeout.connect(lambda: loop.quit() if done() else None)
    deadline = time.monotonic() + timeout
    check.start()
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} after {timeout:.0f} s")
        loop.exec()
    check.stop()
    app.processEvents()


def make_drafts(window: MainWindow, count: int, round_no: int) -> list[OrderDraft]:
    """`count` valid drafts for distinct cached patients, each with one orderable item."""
    store = window.services.store
    patients = [r for r in store.patient_search_rows() if not r.archived]
    server = window.sandbox.server
    assert server is not None, "the benchmark runs on the built-in sandbox"
    # Orderable items with stock to spare, so the sandbox refuses none of the orders.
    items = [
        i
        for i in store.cached_items()
        if i.id and i.orderable is True and server.seed.stock(i.id) >= 4 * count
    ]
    if len(patients) < count or not items:
        raise RuntimeError("the sandbox cache has too few patients or no orderable item")
    drafts = []
    for n in range(count):
        p = patients[(round_no * count + n) % len(patients)]
        item = items[(round_no * count + n) % len(items)]  # spread: stock is finite
        drafts.append(
            OrderDraft(
                recipient_kind="patient",
                patient=PatientChoice(
                    id=p.id,
                    first_name=p.first_name,
                    last_name=p.last_name,
                    date_of_birth=p.date_of_birth or None,
                    archived=False,
                ),
                item_lines=[ItemLine(item_id=item.id, count=1, name=item.name or "")],
                notes=[f"ui_stall benchmark round {round_no} order {n}"],
            )
        )
    return drafts


def run_round(
    app: QApplication, window: MainWindow, probe: TickProbe, drafts: list[OrderDraft]
) -> tuple[list[float], float, int]:
    """(gaps in ms, seconds until all sent and refreshed, orders sent)."""
    outbox = window.services.outbox
    store = window.services.store
    entry_ids: list[int] = []
    queued_any: list[bool] = []
    refreshed: list[bool] = []
    outbox.reference_refreshed.connect(refreshed.append)
    queue = list(drafts)

    def submit_next() -> None:
        if not queue:
            return
        first = not entry_ids and not queued_any
        queued_any.append(True)
        outbox.submit(queue.pop(0), on_queued=lambda entry: entry_ids.append(entry.entry_id))
        if first:
            outbox.refresh_references()
        QTimer.singleShot(0, submit_next)

    def settled() -> bool:
        # From the outbox summary the window keeps (read on the bridge loop): the benchmark
        # itself must not read SQLite on the UI thread it is measuring.
        if queue or len(entry_ids) < len(drafts) or not refreshed:
            return False
        return outbox.summary.pending == 0 and not outbox.sending

    probe.begin()
    started = time.perf_counter()
    QTimer.singleShot(0, submit_next)
    pump_until(app, settled, "orders sent")
    elapsed = time.perf_counter() - started
    gaps = probe.end()
    outbox.reference_refreshed.disconnect(refreshed.append)
    sent = sum(store.get_entry(e).state == EntryState.SENT for e in entry_ids)
    return gaps, elapsed, sent


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def row(label: str, gaps: list[float], idle: list[float], extra: str) -> str:
    """A table row; the ratios are against the idle window's gaps (the floor), same run."""
    return (
        f"| {label} | {max(gaps):.1f} | {p99(gaps):.1f} | {statistics.median(gaps):.2f} |"
        f" {sum(g > FRAME_MS for g in gaps)} | {sum(g > LONG_MS for g in gaps)} |"
        f" {max(gaps) / max(idle):.1f}x / {p99(gaps) / p99(idle):.1f}x | {extra} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sample", action="store_true", help="sample the stacks of stalls")
    parser.add_argument("--sample-after", type=float, default=30.0, help="ms (with --sample)")
    parser.add_argument(
        "--switch-interval", type=float, default=None, help="sys.setswitchinterval, in ms"
    )
    args = parser.parse_args()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval / 1000)

    with tempfile.TemporaryDirectory(prefix="impilo-ui-stall-") as tmp:
        os.environ[HOME_ENV] = tmp
        keys = KeyStore(MemoryKeyring(), env={})
        app, window = create_app(["--profile", "sandbox"], home=Path(tmp), keys=keys)
        first_refresh: list[bool] = []
        window.services.outbox.reference_refreshed.connect(first_refresh.append)
        window.resize(1180, 760)
        window.show()
        window.start()
        pump_until(app, lambda: bool(first_refresh), "first reference refresh")
        window.services.outbox.reference_refreshed.disconnect(first_refresh.append)

        probe = TickProbe()
        probe.start()
        sampler = StallSampler(probe, args.sample_after) if args.sample else None
        if sampler is not None:
            sampler.start()
        print(machine_line())
        print(
            f"{args.orders} orders + a reference refresh per round, embedded sandbox; the floor"
            " is the same window idle for 2 s (its own timers only)\n"
        )
        print(
            "| round | max gap ms | p99 gap ms | median gap ms | gaps > 16 ms | gaps > 50 ms"
            " | max / p99 vs idle | all sent + refreshed after |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---|")
        # Baseline: the window idle (the app's own timers only) for two seconds.
        probe.begin()
        idle_end = time.monotonic() + 2.0
        pump_until(app, lambda: time.monotonic() > idle_end, "idle time")
        idle = probe.end()
        print(row("idle, 2 s", idle, idle, f"{len(idle)} ticks"))
        every: list[float] = []
        for round_no in range(1, args.rounds + 1):
            drafts = make_drafts(window, args.orders, round_no)
            gaps, elapsed, sent = run_round(app, window, probe, drafts)
            every += gaps
            print(
                row(
                    str(round_no),
                    gaps,
                    idle,
                    f"{elapsed:.2f} s ({sent}/{len(drafts)} sent), {len(gaps)} ticks",
                )
            )
        print(row("all", every, idle, f"{len(every)} ticks"))
        print(
            f"\nCommand: `.venv/bin/python -m benchmarks.ui_stall --orders {args.orders}"
            f" --rounds {args.rounds}`",
            flush=True,
        )
        if sampler is not None:
            sampler.stop_event.set()
            sampler.join()
            sampler.report()
        probe.timer.stop()
        window.shutdown()
        app.processEvents()
        window.quit_guard.confirmed = True
        window.close()
    sys.stdout.flush()
    # Skip interpreter finalization: tearing down Qt objects from the garbage collector at
    # exit is slow and has crashed PySide6 on Python 3.11 (see "Picker filtering").
    os._exit(0)


if __name__ == "__main__":
    main()

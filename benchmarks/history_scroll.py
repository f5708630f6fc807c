"""Order history against 100,000 orders: what one more page costs as the coordinator scrolls.

Measures the history page as the app builds it, not the model on its own: the real
`OrderHistoryView` (table, model, filters, footer, the order cache written for every page)
on real services (`open_services`: store, outbox controller, the shared `ImpiloClient`
through the async bridge) against a sandbox with the large seed served by a separate process
on 127.0.0.1, offscreen. Per page:

- view: drag the table's scroll bar to its end (Qt's view then calls `fetchMore`), until the
  new rows have been painted in the table's viewport. Split into "rows in" (request, parsing,
  row building on the bridge, rows inserted on the UI thread) and "painted" (the repaint the
  insertion schedules, timed to the end of the event-loop turn that painted).
- floor: the same page (`GET /api/v3/order?page=N&size=S`) with bare httpx on an open
  connection, measured right after each view page, so both see the same load.

The ratio is the median per-page view time over the median bare request. "First rows" is
Refresh (F5: the model reloaded from page 1) to the first page painted, against the bare
first page, repeated.

Run:  QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.history_scroll
          [--orders 100000] [--scroll 10000] [--page-size 50] [--repeat 5]
Prints a Markdown section for docs/performance.md ("Order history").
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx
from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject
from PySide6.QtWidgets import QApplication

from benchmarks.large_sandbox import free_port, serve
from benchmarks.machine import machine_line
from impilo_desktop.config import CUSTOM, Profile
from impilo_desktop.sandbox import DEMO_API_KEY
from impilo_desktop.secrets import KeyStore, MemoryKeyring
from impilo_desktop.ui.history.view import OrderHistoryView
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.ui.plumbing.session import close_services, open_services
from impilo_desktop.ui.plumbing.ui_thread_gc import install_ui_thread_gc


def rss_mb() -> float:
    """Resident set size of this process in MiB (Linux /proc; 0 elsewhere)."""
    status = Path("/proc/self/status")
    if not status.exists():
        return 0.0
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_for_events() -> None:
    """Block until Qt has something to do (a busy loop would hold the interpreter lock the
    bridge thread needs to parse pages). The bridge posts an event for every result."""
    QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)


def wait_until(condition: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("condition not met")
        wait_for_events()


class PaintWatch(QObject):
    """Counts the paint events of the table's viewport (what the coordinator sees change)."""

    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


class PageTimer:
    """Times one change of the list from a trigger to its rows painted."""

    def __init__(self, view: OrderHistoryView, watch: PaintWatch) -> None:
        self._view = view
        self._watch = watch
        self.rows_at = 0.0
        self._paints_at_rows = -1
        # Pages arrive as inserted rows (a reload resets to empty first).
        view.model.rowsInserted.connect(self._on_rows)

    def _on_rows(self, *_args: object) -> None:
        if self._paints_at_rows < 0:
            self.rows_at = time.perf_counter()
            self._paints_at_rows = self._watch.paints

    def run(self, trigger: Callable[[], None], rows_wanted: int) -> tuple[float, float, float]:
        """(start, rows in, painted) perf_counter times for `trigger` adding rows."""
        model = self._view.model
        self._paints_at_rows = -1
        t0 = time.perf_counter()
        trigger()
        # Rows inserted, then a paint of the viewport after that; the paint ends with the
        # event-loop turn that delivered it.
        wait_until(lambda: model.rowCount() >= rows_wanted and not model.loading)
        wait_until(lambda: self._paints_at_rows >= 0 and self._watch.paints > self._paints_at_rows)
        return t0, self.rows_at, time.perf_counter()


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def p90_ms(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--scroll", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    install_ui_thread_gc(app)  # as create_app does: cycles collected on the UI thread
    print(machine_line(), flush=True)

    started = time.perf_counter()
    port = free_port()
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    process = context.Process(
        target=serve, args=(port, args.orders, args.orders, ready, stop), daemon=True
    )
    process.start()
    if not ready.wait(900):
        raise SystemExit("the sandbox did not start")
    seed_seconds = time.perf_counter() - started
    base_url = f"http://127.0.0.1:{port}"
    url = f"{base_url}/api/v3/order"
    headers = {"Impilo-API-Key": DEMO_API_KEY}
    http = httpx.Client(timeout=30)

    def bare(page: int) -> float:
        params = {"page": str(page), "size": str(args.page_size)}
        t0 = time.perf_counter()
        http.get(url, headers=headers, params=params).raise_for_status()
        return time.perf_counter() - t0

    bare(1)  # opens the connection

    # The app's services on a throw-away home, as for a real account (the key in a keyring).
    home = Path(tempfile.mkdtemp(prefix="impilo-history-bench-"))
    keys = KeyStore(backend=MemoryKeyring(), env={})
    profile = Profile(CUSTOM, base_url)
    keys.set_key(profile.name, DEMO_API_KEY)
    bridge = AsyncBridge()
    services = open_services(profile, home, keys, bridge)
    view = OrderHistoryView(services, page_size=args.page_size, poll_interval_seconds=3600)
    view.resize(1366 - 180, 768 - 120)  # the page's share of a laptop window
    watch = PaintWatch()
    view.table.viewport().installEventFilter(watch)
    timer = PageTimer(view, watch)

    # First show asks for page 1 (as opening the page does).
    timer.run(view.show, 1)

    # Refresh (F5) to the first page painted, against the bare first page.
    first_rows: list[float] = []
    first_bare: list[float] = []
    for _ in range(args.repeat):
        t0, _rows, t2 = timer.run(view.refresh, 1)
        first_rows.append(t2 - t0)
        first_bare.append(bare(1))

    # Scrolling: the scroll bar dragged to its end, page after page.
    gc.collect()
    rss_before = rss_mb()
    bar = view.table.verticalScrollBar()
    model = view.model
    to_rows: list[float] = []
    to_paint: list[float] = []
    per_page: list[float] = []
    page_bare: list[float] = []
    scroll_started = time.perf_counter()
    while model.rowCount() < args.scroll and not model.exhausted:
        page = model.pages_requested + 1
        want = model.rowCount() + 1
        t0, t1, t2 = timer.run(lambda: bar.setValue(bar.maximum()), want)
        if model.pages_requested != page:
            raise SystemExit(f"expected page {page} to be requested, got {model.pages_requested}")
        to_rows.append(t1 - t0)
        to_paint.append(t2 - t1)
        per_page.append(t2 - t0)
        page_bare.append(bare(page))  # the floor, right after, on the same machine state
    scroll_seconds = time.perf_counter() - scroll_started
    gc.collect()
    rss_after = rss_mb()
    loaded = model.rowCount()
    pages = len(per_page)

    view.close()
    close_services(services)
    bridge.close()
    http.close()
    stop.set()
    process.join(30)

    first_ms, first_bare_ms = median_ms(first_rows), median_ms(first_bare)
    page_ms, page_bare_ms = median_ms(per_page), median_ms(page_bare)
    ratios = sorted(v / b for v, b in zip(per_page, page_bare, strict=True))
    low, high = ratios[len(ratios) // 10], ratios[min(len(ratios) - 1, len(ratios) * 9 // 10)]
    print("\n## Order history\n")
    print(
        f"Sandbox with {args.orders:,} orders in its own process (seeded in "
        f"{seed_seconds:.1f} s), page size {args.page_size}; the real `OrderHistoryView` on "
        f"real services, offscreen; first rows: median of {args.repeat} refreshes; scrolling: "
        f"{pages} pages, each followed by its bare request.\n"
    )
    print("| measurement | median | 90th percentile | floor (bare httpx, same page) | ratio |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| Refresh (F5) to the first {args.page_size} rows painted | {first_ms:.1f} ms | "
        f"{p90_ms(first_rows):.1f} ms | {first_bare_ms:.1f} ms | "
        f"**{first_ms / first_bare_ms:.2f}x** |"
    )
    print(
        f"| one more page: scroll bar to the end -> rows painted | {page_ms:.1f} ms | "
        f"{p90_ms(per_page):.1f} ms | {page_bare_ms:.1f} ms | **{page_ms / page_bare_ms:.2f}x** |"
    )
    print(
        f"| - of which: scroll -> rows in the model (request, parse, rows, insert) | "
        f"{median_ms(to_rows):.1f} ms | {p90_ms(to_rows):.1f} ms | | |"
    )
    print(
        f"| - of which: rows in -> painted | {median_ms(to_paint):.1f} ms | "
        f"{p90_ms(to_paint):.1f} ms | | |"
    )
    print(
        f"\nPer-page ratios (view / its bare request): median "
        f"{statistics.median(ratios):.2f}, 10th-90th percentile "
        f"{low:.2f}-{high:.2f}."
        f" Scrolling to {loaded:,} orders took {scroll_seconds:.1f} s in all (including the "
        f"bare requests); process RSS {rss_before:.0f} -> {rss_after:.0f} MiB."
    )
    print(
        "\nCommand: `QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.history_scroll"
        f" --orders {args.orders} --scroll {args.scroll} --page-size {args.page_size}"
        f" --repeat {args.repeat}`"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
    # Collect the Qt objects while the interpreter is still whole: finalising a bridge that
    # delivered results during interpreter shutdown aborts on PySide6 6.12.
    gc.collect()

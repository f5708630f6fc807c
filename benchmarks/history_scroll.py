"""Order history against 100,000 orders: time to first rows, and scrolling 10,000 orders.

Starts a sandbox with the large seed (100,000 orders) in a separate process, then measures

- bare: one `GET /order?page=1&size=N` with plain httpx (connection already open), the floor;
- first rows: from `OrderHistoryModel.reload()` (a fresh model on a shown QTableView) until the
  first rows are in the table, through the real client and the async bridge; reported as a
  ratio to `bare`;
- scrolling: `QTableView.scrollToBottom()` repeated (each triggers fetchMore) until 10,000
  orders are loaded: wall time, pages/s, Python heap peak (tracemalloc) and process RSS growth.

Run:  QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.history_scroll
          [--orders 100000] [--scroll 10000] [--page-size 50] [--repeat 5]
Prints a Markdown section for docs/performance.md.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import os
import platform
import socket
import statistics
import time
import tracemalloc
from collections.abc import Callable
from multiprocessing.synchronize import Event
from pathlib import Path

import httpx
from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QCoreApplication, QEventLoop
from PySide6.QtWidgets import QApplication, QTableView

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.models import Order, Page
from impilo_desktop.sandbox import DEMO_API_KEY, SandboxServer, SeedSize
from impilo_desktop.ui.history.filters import OrderQuery
from impilo_desktop.ui.history.model import OrderHistoryModel
from impilo_desktop.ui.plumbing.bridge import AsyncBridge


def rss_mb() -> float:
    """Resident set size of this process in MiB (Linux /proc; 0 elsewhere)."""
    status = Path("/proc/self/status")
    if not status.exists():
        return 0.0
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def serve(port: int, orders: int, ready: Event, stop: Event) -> None:
    """The sandbox in its own process, so its memory and CPU stay out of the measurements."""
    server = SandboxServer(
        port=port, seed_size=SeedSize(patients=orders, orders=orders, history_days=730)
    ).start()
    ready.set()
    parent = os.getppid()
    # Also end when the benchmark itself died without saying so (no orphaned server).
    while not stop.wait(1.0) and os.getppid() == parent:
        pass
    server.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_events() -> None:
    """Block until Qt has something to do (a busy loop would hold the GIL the bridge thread
    needs to parse pages). The bridge posts an event for every result."""
    QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)


def wait_until(condition: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("condition not met")
        wait_for_events()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--scroll", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    app = QApplication([])  # noqa: F841  (kept alive for the whole run)
    started = time.perf_counter()
    port = free_port()
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    process = context.Process(target=serve, args=(port, args.orders, ready, stop), daemon=True)
    process.start()
    if not ready.wait(600):
        raise SystemExit("the sandbox did not start")
    seed_seconds = time.perf_counter() - started
    base_url = f"http://127.0.0.1:{port}"
    url = f"{base_url}/api/v3/order"
    headers = {"Impilo-API-Key": DEMO_API_KEY}
    params = {"page": "1", "size": str(args.page_size)}

    bare: list[float] = []
    with httpx.Client(timeout=30) as http:
        http.get(url, headers=headers, params=params).raise_for_status()  # warm up
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            http.get(url, headers=headers, params=params).raise_for_status()
            bare.append(time.perf_counter() - t0)

    bridge = AsyncBridge()
    client = ImpiloClient(base_url, DEMO_API_KEY)
    bridge.add_closer(client.aclose)

    async def fetch_page(query: OrderQuery, page: int, size: int) -> Page[Order]:
        return await client.list_orders(page=page, size=size)

    first_rows: list[float] = []
    requests: list[int] = []
    table = QTableView()
    table.resize(1200, 800)
    table.show()
    for attempt in range(args.repeat + 1):
        model = OrderHistoryModel(bridge, fetch_page, page_size=args.page_size)
        table.setModel(model)
        t0 = time.perf_counter()
        model.reload()
        wait_until(lambda m=model: m.rowCount() > 0)  # type: ignore[misc]
        if attempt:  # the first round opens the client's connection
            first_rows.append(time.perf_counter() - t0)
            requests.append(model.pages_requested)

    def scroll(limit: int) -> tuple[OrderHistoryModel, float]:
        model = OrderHistoryModel(bridge, fetch_page, page_size=args.page_size)
        table.setModel(model)
        t0 = time.perf_counter()
        model.reload()
        while model.rowCount() < limit:
            if not model.loading:
                model.fetchMore()  # what the view does when the scroll bar reaches the end
                table.scrollToBottom()
            wait_for_events()
        return model, time.perf_counter() - t0

    gc.collect()
    rss_before = rss_mb()
    model, scroll_seconds = scroll(args.scroll)
    gc.collect()
    rss_after = rss_mb()
    loaded = model.rowCount()
    pages = model.pages_requested
    table.setModel(None)
    del model
    gc.collect()

    # Second pass under tracemalloc (slower, so not timed): what the loaded rows retain.
    tracemalloc.start()
    model, _ = scroll(args.scroll)
    gc.collect()
    heap_now, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    table.setModel(None)
    del model

    bridge.close()
    stop.set()
    process.join(30)

    bare_ms = statistics.median(bare) * 1000
    first_ms = statistics.median(first_rows) * 1000
    print("## Order history\n")
    print(
        f"Machine: {platform.machine()}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, PySide6 {pyside_version}. Sandbox with "
        f"{args.orders:,} orders (seeded in {seed_seconds:.1f} s), page size {args.page_size}, "
        f"median of {args.repeat}.\n"
    )
    print("| measurement | result |\n|---|---|")
    print(f"| one bare `GET /order` page (httpx) | {bare_ms:.1f} ms |")
    print(
        f"| first rows in the table (model + client + bridge) | {first_ms:.1f} ms "
        f"= **{first_ms / bare_ms:.2f}x** the bare request; requests made: "
        f"{max(requests)} |"
    )
    print(
        f"| scroll to {loaded:,} orders ({pages} pages, scrollToBottom -> fetchMore) | "
        f"{scroll_seconds:.1f} s ({pages / scroll_seconds:.0f} pages/s, "
        f"{scroll_seconds / pages * 1000:.1f} ms per page) |"
    )
    print(
        f"| Python heap held by {loaded:,} loaded orders (tracemalloc, after gc) | "
        f"{heap_now / 2**20:.1f} MiB ({heap_now / 1024 / loaded:.1f} KiB per order); "
        f"peak while loading {heap_peak / 2**20:.1f} MiB |"
    )
    print(
        f"| process RSS before / after scrolling | {rss_before:.0f} / {rss_after:.0f} MiB "
        f"(+{rss_after - rss_before:.0f} MiB, {(rss_after - rss_before) * 1024 / loaded:.1f} "
        f"KiB per order) |"
    )
    print(
        "\nCommand: `QT_QPA_PLATFORM=offscreen .venv/bin/python -m benchmarks.history_scroll"
        f" --orders {args.orders} --scroll {args.scroll} --page-size {args.page_size}"
        f" --repeat {args.repeat}`"
    )


if __name__ == "__main__":
    main()
    # Collect the Qt objects while the interpreter is still whole: finalising a bridge that
    # delivered results during interpreter shutdown aborts on PySide6 6.12.
    gc.collect()

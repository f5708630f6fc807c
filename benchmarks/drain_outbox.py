"""Draining the outbox: 1,000 queued drafts sent to the sandbox, against bare httpx POSTs.

Starts `impilo-desktop sandbox --port 0` (no faults) as its own process, then measures

- bare: the same number of sequential `POST /order` with one plain `httpx.AsyncClient`
  (connection kept open), bodies prepared beforehand: the floor;
- drain: `OutboxSender.drain()` over a fresh store holding that many queued entries: the
  lock, the committed `sending` state before each POST, the `sent` state and the order cache
  after it (SQLite WAL, synchronous=FULL), through the real client.

Reports orders per second for both and the ratio drain/bare (time per order).

Run (from the project root):
    .venv/bin/python -m benchmarks.drain_outbox [--orders 1000] [--repeat 3]
Prints a Markdown section for docs/performance.md ("Draining the outbox").
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.domain import OrderDraft, PatientChoice, to_order_create
from impilo_desktop.sandbox import DEMO_API_KEY
from impilo_desktop.store import EntryState, Store, new_client_reference
from impilo_desktop.sync import OutboxSender

# Orderable seeded items, rotated so no item runs out of sandbox stock.
ITEMS = [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1013, 1014, 1015]


def draft(n: int) -> OrderDraft:
    result = OrderDraft()
    result.set_patient(PatientChoice(id=10001 + n % 50, first_name="Bench", last_name="Mark"))
    result.add_item(ITEMS[n % len(ITEMS)], 1)
    return result


def start_sandbox(home: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "impilo_desktop", "sandbox", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "IMPILO_DESKTOP_HOME": str(home)},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if "listening on" not in line:
        proc.kill()
        raise SystemExit(f"sandbox did not start: {line!r}")
    return proc, line.split()[-1]


async def bare_posts(base_url: str, n: int) -> float:
    bodies: list[dict[str, Any]] = [
        to_order_create(draft(i), new_client_reference()).to_wire() for i in range(n)
    ]
    headers = {"Impilo-API-Key": DEMO_API_KEY, "Accept": "application/json"}
    async with httpx.AsyncClient(base_url=base_url + "/api/v3", headers=headers) as client:
        (await client.get("/site", params={"size": 1})).raise_for_status()  # open the connection
        started = time.perf_counter()
        for body in bodies:
            response = await client.post("/order", json=body)
            response.raise_for_status()
            response.json()
        return time.perf_counter() - started


async def drain(base_url: str, n: int, folder: Path) -> float:
    with Store(folder / f"bench-{time.monotonic_ns()}.sqlite3") as store:
        for i in range(n):
            store.enqueue(draft(i), server=base_url)
        async with ImpiloClient(base_url, DEMO_API_KEY) as client:
            await client.list_sites(size=1)  # open the connection, as for `bare`
            sender = OutboxSender(store, lambda: _Borrowed(client))
            started = time.perf_counter()
            report = await sender.drain()
            elapsed = time.perf_counter() - started
        sent = sum(1 for e in store.list_outbox() if e.state == EntryState.SENT)
        if sent != n or len(report.results) != n:
            raise SystemExit(f"drain sent {sent} of {n}: {report}")
        return elapsed


class _Borrowed:
    """Lends an open client to one drain without closing it afterwards."""

    def __init__(self, client: ImpiloClient) -> None:
        self.client = client

    async def __aenter__(self) -> ImpiloClient:
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n = args.orders

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        proc, base_url = start_sandbox(folder / "sandbox-home")
        try:
            bare: list[float] = []
            drained: list[float] = []
            for _ in range(args.repeat):
                bare.append(asyncio.run(bare_posts(base_url, n)))
                drained.append(asyncio.run(drain(base_url, n, folder)))
        finally:
            proc.terminate()
            proc.communicate(timeout=30)

    bare_s, drain_s = statistics.median(bare), statistics.median(drained)
    command = f".venv/bin/python -m benchmarks.drain_outbox --orders {n} --repeat {args.repeat}"
    print("## Draining the outbox\n")
    print(f"Command: `{command}` (sandbox as a separate process, no faults, loopback).\n")
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.system()}.\n"
    )
    print("| what | median of runs | orders/s | time per order |")
    print("|---|---|---|---|")
    print(f"| {n} bare sequential httpx POSTs | {bare_s:.2f} s | {n / bare_s:.0f} |"
          f" {bare_s / n * 1000:.2f} ms |")  # fmt: skip
    print(f"| `OutboxSender.drain()` of {n} entries | {drain_s:.2f} s | {n / drain_s:.0f} |"
          f" {drain_s / n * 1000:.2f} ms |")  # fmt: skip
    # Each repetition measures bare and drain back to back, so a per-run ratio is less
    # exposed to a busy machine than the ratio of medians.
    ratios = [d / b for b, d in zip(bare, drained, strict=True)]
    print(
        f"\nRatio drain/bare (time per order, median of per-run ratios): "
        f"**{statistics.median(ratios):.2f}x** (runs: {', '.join(f'{r:.2f}' for r in ratios)})."
    )
    print(f"Runs (s): bare {', '.join(f'{t:.2f}' for t in bare)}; "
          f"drain {', '.join(f'{t:.2f}' for t in drained)}.")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Draining the outbox: queued drafts sent to the sandbox, against bare httpx POSTs.

Starts `impilo-desktop sandbox --port 0` (no faults) as its own process on 127.0.0.1 (stopped
at the end), then, in each repetition and in this order, measures

- bare: the same number of sequential `POST /order` with one plain `httpx.AsyncClient`
  (connection kept open), bodies prepared beforehand: the floor;
- drain: `OutboxSender.drain()` over a fresh store holding that many queued entries, as the
  app sends them (up to 4 creates in flight): the lock, the `sending` marks committed to disk
  before each POST (one transaction per batch), the `sent` state and the order cache after
  it (SQLite WAL, synchronous=FULL), through the real client;
- drain, one at a time: the same with `OutboxSender(..., in_flight=1)`, the sequential path
  the app had before pipelining (each `sending` mark its own transaction);
  `--in-flight 4,2,1` measures the drains with those windows instead (4 and 1 by default).

Reports orders per second and the ratio drain/bare (time per order) per repetition, bare and
drains interleaved, so each ratio is measured under the same load; also the benchmark
process's CPU time per order (all its threads: the client's side, the sandbox excluded),
less exposed to the load of a shared machine than the wall-clock times, and how much of it
the event loop's thread used (the rest is the drain's writes thread, sync/store_writes.py).

Run (from the project root; the machine, versions and load average are printed first):
    .venv/bin/python -m benchmarks.drain_outbox [--orders 500] [--repeat 3] [--latency S]
`--latency 0.02` makes the sandbox wait 20 ms before each answer, as a real server over a
network does (loopback alone answers in well under a millisecond). `--profile` instead runs
one bare loop and one drain (entries queued beforehand) under cProfile and prints where the
loop thread's time goes, grouped by package, per order (cProfile slows Python code about
twofold: read the shares, not the milliseconds; the drain's writes thread is not in it).
Prints a Markdown section for docs/performance.md ("Draining the outbox").
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Coroutine
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import httpx
from sqlcipher3 import dbapi2 as sqlcipher

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.domain import OrderDraft, PatientChoice, to_order_create
from impilo_desktop.sandbox import DEMO_API_KEY
from impilo_desktop.store import EntryState, Store, new_client_reference
from impilo_desktop.sync import OutboxSender
from impilo_desktop.sync.window import MAX_IN_FLIGHT

# The drains measured unless `--in-flight` says otherwise: the app's, and one at a time.
DEFAULT_WINDOWS = [MAX_IN_FLIGHT, 1]

# Orderable seeded items, rotated so no item runs out of sandbox stock.
ITEMS = [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010, 1011, 1013, 1014, 1015]


def draft(n: int) -> OrderDraft:
    result = OrderDraft()
    result.set_patient(PatientChoice(id=10001 + n % 50, first_name="Bench", last_name="Mark"))
    result.add_item(ITEMS[n % len(ITEMS)], 1)
    return result


def start_sandbox(home: Path, latency: float = 0.0) -> tuple[subprocess.Popen[str], str]:
    faults = ["--faults", f"latency={latency}"] if latency else []
    proc = subprocess.Popen(
        [sys.executable, "-m", "impilo_desktop", "sandbox", "--port", "0", *faults],
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


Timing = tuple[float, float, float]
"""Wall-clock seconds, the process's CPU seconds, the loop thread's CPU seconds."""


async def bare_posts(base_url: str, n: int) -> Timing:
    bodies: list[dict[str, Any]] = [
        to_order_create(draft(i), new_client_reference()).to_wire() for i in range(n)
    ]
    headers = {"Impilo-API-Key": DEMO_API_KEY, "Accept": "application/json"}
    async with httpx.AsyncClient(base_url=base_url + "/api/v3", headers=headers) as client:
        (await client.get("/site", params={"size": 1})).raise_for_status()  # open the connection
        started, cpu, loop = time.perf_counter(), time.process_time(), time.thread_time()
        for body in bodies:
            response = await client.post("/order", json=body)
            response.raise_for_status()
            response.json()
        loop = time.thread_time() - loop
        return time.perf_counter() - started, time.process_time() - cpu, loop


async def drain(base_url: str, n: int, folder: Path, in_flight: int) -> Timing:
    with Store(folder / f"bench-{time.monotonic_ns()}.sqlite3") as store:
        for i in range(n):
            store.enqueue(draft(i), server=base_url)
        async with ImpiloClient(base_url, DEMO_API_KEY) as client:
            await client.list_sites(size=1)  # open the connection, as for `bare`
            sender = OutboxSender(store, lambda: _Borrowed(client), in_flight=in_flight)
            started, cpu, loop = time.perf_counter(), time.process_time(), time.thread_time()
            report = await sender.drain()
            loop = time.thread_time() - loop
            elapsed = time.perf_counter() - started
            used = time.process_time() - cpu
        sent = sum(1 for e in store.list_outbox() if e.state == EntryState.SENT)
        if sent != n or len(report.results) != n:
            raise SystemExit(f"drain sent {sent} of {n}: {report}")
        return elapsed, used, loop


class _Borrowed:
    """Lends an open client to one drain without closing it afterwards."""

    def __init__(self, client: ImpiloClient) -> None:
        self.client = client

    async def __aenter__(self) -> ImpiloClient:
        return self.client

    async def __aexit__(self, *exc: object) -> None:
        return None


async def profiled_drain(base_url: str, n: int, folder: Path) -> cProfile.Profile:
    with Store(folder / f"profile-{time.monotonic_ns()}.sqlite3") as store:
        for i in range(n):
            store.enqueue(draft(i), server=base_url)
        async with ImpiloClient(base_url, DEMO_API_KEY) as client:
            await client.list_sites(size=1)
            sender = OutboxSender(store, lambda: _Borrowed(client))
            profile = cProfile.Profile()
            profile.enable()
            await sender.drain()
            profile.disable()
            return profile


async def profiled_bare(base_url: str, n: int) -> cProfile.Profile:
    profile = cProfile.Profile()
    profile.enable()
    await bare_posts(base_url, n)
    profile.disable()
    return profile


GROUPS = (
    "impilo_desktop/store",
    "impilo_desktop/sync",
    "impilo_desktop/api",
    "impilo_desktop/domain",
    "httpcore",
    "httpx",
    "anyio",
    "h11",
    "pydantic",
    "sniffio",
    "asyncio",
    "json",
    "contextlib",
    "concurrent",
    "threading",
)


def group(filename: str, function: str) -> str:
    """Where a function belongs: its package, or for C functions what they do."""
    if filename == "~":
        for word, name in (
            ("sqlcipher3", "SQLite (C, with waits for the disk)"),
            ("socket", "socket calls (C)"),
            ("epoll", "waiting in epoll"),
            ("pydantic", "pydantic (C)"),
            ("json", "json (C)"),
        ):
            if word in function:
                return name
        return "other C functions"
    if filename.startswith("<frozen importlib") or "importlib" in filename:
        return "importlib (failed imports of sniffio)"
    for name in GROUPS:
        if name in filename:
            return name
    return "other"


def print_profile(what: str, profile: cProfile.Profile, n: int) -> None:
    totals: dict[str, float] = {}
    stats: dict[Any, Any] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for (filename, _, function), (_, _, own, _, _) in stats.items():
        name = group(filename, function)
        totals[name] = totals.get(name, 0.0) + own
    whole = sum(totals.values())
    print(f"\n{what}: {whole / n * 1000:.2f} ms per order under cProfile\n")
    print("| where (loop thread) | per order | share |")
    print("|---|---|---|")
    for name, own in sorted(totals.items(), key=lambda item: -item[1]):
        if own / whole >= 0.01:
            print(f"| {name} | {own / n * 1000:.2f} ms | {own / whole:.0%} |")


def machine() -> str:
    pyside = "not installed"
    for name in ("PySide6-Essentials", "PySide6"):
        try:
            pyside = version(name)
            break
        except PackageNotFoundError:
            continue
    return (
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()},"
        f" PySide6 {pyside} (not used here), SQLite {sqlcipher.sqlite_version}"
        " (SQLCipher's, the store's),"
        f" {platform.system()}"
    )


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def row(what: str, times: list[float], cpu: list[float], loop: list[float], n: int) -> str:
    t = statistics.median(times)
    c = statistics.median(cpu)
    own = statistics.median(loop)
    return (
        f"| {what} | {t:.2f} s | {n / t:.0f} | {t / n * 1000:.2f} ms | {c / n * 1000:.2f} ms"
        f" | {own / n * 1000:.2f} ms |"
    )


def ratios(times: list[float], bare: list[float]) -> str:
    each = [d / b for b, d in zip(bare, times, strict=True)]
    runs = ", ".join(f"{r:.2f}" for r in each)
    return f"**{statistics.median(each):.2f}x** (runs: {runs})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds the sandbox waits before each answer, as a real network would",
    )
    parser.add_argument("--profile", action="store_true", help="where the time goes, per order")
    parser.add_argument(
        "--in-flight",
        type=in_flight_list,
        default=DEFAULT_WINDOWS,
        help="the drains measured, by their most creates in flight (default 4,1)",
    )
    args = parser.parse_args()
    n = args.orders
    print(f"Machine: {machine()}. Load average before: {load()}.", file=sys.stderr)
    if args.profile:
        with tempfile.TemporaryDirectory() as tmp:
            proc, base_url = start_sandbox(Path(tmp) / "sandbox-home", args.latency)
            try:
                asyncio.run(bare_posts(base_url, 20))  # the sandbox warmed up
                print_profile("bare", asyncio.run(profiled_bare(base_url, n)), n)
                print_profile("drain", asyncio.run(profiled_drain(base_url, n, Path(tmp))), n)
            finally:
                proc.terminate()
                proc.communicate(timeout=30)
        print(f"\nLoad average after: {load()}.")
        return 0

    windows: list[int] = args.in_flight
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        proc, base_url = start_sandbox(folder / "sandbox-home", args.latency)
        times: dict[int, list[float]] = {w: [] for w in (0, *windows)}  # 0: bare
        cpu: dict[int, list[float]] = {w: [] for w in times}
        loop: dict[int, list[float]] = {w: [] for w in times}
        try:
            for _ in range(args.repeat):
                for window in times:
                    run: Coroutine[Any, Any, Timing] = (
                        drain(base_url, n, folder, in_flight=window)
                        if window
                        else bare_posts(base_url, n)
                    )
                    elapsed, used, own = asyncio.run(run)
                    times[window].append(elapsed)
                    cpu[window].append(used)
                    loop[window].append(own)
        finally:
            proc.terminate()
            proc.communicate(timeout=30)

    command = f".venv/bin/python -m benchmarks.drain_outbox --orders {n} --repeat {args.repeat}"
    if args.latency:
        command += f" --latency {args.latency}"
    if windows != DEFAULT_WINDOWS:
        command += f" --in-flight {','.join(map(str, windows))}"
    network = f"{args.latency * 1000:g} ms sandbox latency" if args.latency else "no faults"
    print("## Draining the outbox\n")
    print(f"Command: `{command}` (sandbox as a separate process, {network}, loopback).\n")
    print(f"Machine: {machine()}. Load average after the run: {load()}.\n")
    print(
        f"| what | median of {args.repeat} runs | orders/s | time per order"
        " | client CPU per order | of which the loop thread |"
    )
    print("|---|---|---|---|---|---|")
    for window in times:
        print(row(what(window, n), times[window], cpu[window], loop[window], n))
    # Each repetition measures bare and the drains back to back, so a per-run ratio is less
    # exposed to a busy machine than the ratio of medians.
    print("\nRatios to bare (time per order, median of per-run ratios):")
    for window in windows:
        print(f"- {what(window, n)}: {ratios(times[window], times[0])};")
        print(f"  client CPU per order: {ratios(cpu[window], cpu[0])}.")
    runs = "; ".join(
        f"{'bare' if w == 0 else f'{w} in flight'} {', '.join(f'{t:.2f}' for t in times[w])}"
        for w in times
    )
    print(f"Runs (s): {runs}.")
    return 0


def what(window: int, n: int) -> str:
    if window == 0:
        return f"{n} bare sequential httpx POSTs (floor)"
    if window == 1:
        return "`OutboxSender(..., in_flight=1).drain()` (one at a time)"
    if window == MAX_IN_FLIGHT:
        return f"`OutboxSender.drain()` of {n} entries (up to {window} in flight)"
    return f"`OutboxSender(..., in_flight={window}).drain()` (up to {window} in flight)"


def in_flight_list(text: str) -> list[int]:
    windows = [int(part) for part in text.split(",") if part.strip()]
    if not windows or any(not 1 <= w <= MAX_IN_FLIGHT for w in windows):
        raise argparse.ArgumentTypeError(f"each from 1 to {MAX_IN_FLIGHT}, e.g. 4,2,1")
    return windows


if __name__ == "__main__":
    raise SystemExit(main())

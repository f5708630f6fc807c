"""Draining the outbox without the network: the drain's own CPU per order, by thread.

On loopback the drain and its floor (bare sequential httpx POSTs, `drain_outbox.py`) are
both bound by CPU, and their wall-clock ratio swings with the load of the shared machine.
This measures what the drain adds to the floor, steadier: the same orders answered by
`httpx.MockTransport` (no sockets, no sandbox; each answer is the sandbox's answer to a
create, a new order id each), so what remains is httpx's client side and our own work.

In each repetition, interleaved: bare (`httpx.AsyncClient.post` of prepared bodies, one
after another, the answer's JSON read), the drain with up to 4 creates in flight, and one
at a time (`in_flight=1`). For the drains it reports the CPU time of the loop's thread and
of the rest of the process (the drain's writes thread, sync/store_writes.py: the `sending`
and `sent` commits, SQLCipher, WAL, synchronous=FULL for the `sending` marks), per order,
and what the drain adds to bare.

Run (from the project root; it prints the machine and load average first):
    .venv/bin/python -m benchmarks.drain_own_cpu [--orders 500] [--repeat 5]
`--profile` instead runs one drain (up to 4 in flight) under cProfile on both threads, timed
by each thread's own CPU clock (waits for the disk, the GIL or the loop's epoll do not count),
and prints each thread's functions by their own time, per order; the clock is read at every
call, so the figures are inflated about threefold: read the shares.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import pstats
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.drain_outbox import _Borrowed, draft, load, machine
from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.domain import to_order_create
from impilo_desktop.store import EntryState, Store, new_client_reference
from impilo_desktop.sync import OutboxSender

URL = "http://127.0.0.1:9"  # never reached: the mock transport answers
# The sandbox's answer to a create (its shape and size: ~1.1 kB), a new id each time.
ANSWER: dict[str, Any] = {
    "id": 0,
    "externalOrderIds": ["impilo-desktop-0123456789abcdef0123"],
    "patient": {
        "id": 10001,
        "firstName": "Bench",
        "lastName": "Mark",
        "dateOfBirth": "1961-04-23",
        "sex": "female",
        "email": "bench.mark@example.org",
        "phoneNumber": "+1 555 0100",
        "externalIdentifier": "CL-4471",
        "site": {"id": 101, "name": "Dayton Clinic"},
        "address": {
            "lineOne": "12 Orchard Row",
            "city": "Dayton",
            "state": "OH",
            "zipCode": "45402",
            "country": "US",
        },
    },
    "currentStatus": "orderPlaced",
    "orderItems": [{"item": {"id": 1001, "name": "BP monitor", "sku": "BP-1"}, "count": 1}],
    "orderKits": [],
    "orderEvents": [{"status": "orderPlaced", "timestamp": "2026-11-30T22:00:00Z"}],
    "orderNotes": [],
    "trackingNumbers": [],
    "devices": [],
    "packedKits": [],
    "shippingOption": "standard",
}

Timing = tuple[float, float]
"""The loop thread's CPU seconds, the whole process's."""


def answering() -> httpx.MockTransport:
    ids = itertools.count(100_000)

    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0)  # an answer is never ready in the same loop turn
        return httpx.Response(200, json={**ANSWER, "id": next(ids)})

    return httpx.MockTransport(handler)


async def bare(n: int) -> Timing:
    bodies = [to_order_create(draft(i), new_client_reference()).to_wire() for i in range(n)]
    async with httpx.AsyncClient(base_url=URL + "/api/v3", transport=answering()) as client:
        loop, cpu = time.thread_time(), time.process_time()
        for body in bodies:
            response = await client.post("/order", json=body)
            response.raise_for_status()
            response.json()
        return time.thread_time() - loop, time.process_time() - cpu


async def drain(n: int, folder: Path, in_flight: int) -> Timing:
    with Store(folder / f"own-{time.monotonic_ns()}.sqlite3") as store:
        for i in range(n):
            store.enqueue(draft(i), server=URL)
        async with ImpiloClient(URL, "bench-key", transport=answering()) as client:
            sender = OutboxSender(store, lambda: _Borrowed(client), in_flight=in_flight)
            loop, cpu = time.thread_time(), time.process_time()
            report = await sender.drain()
            used = time.thread_time() - loop, time.process_time() - cpu
        sent = sum(1 for e in store.list_outbox() if e.state == EntryState.SENT)
        if sent != n or len(report.results) != n:
            raise SystemExit(f"drain sent {sent} of {n}: {report}")
        return used


async def profiled(n: int, folder: Path) -> dict[str, cProfile.Profile]:
    """One drain of `n` with every thread it starts, and the loop's, under cProfile."""
    profiles: dict[str, cProfile.Profile] = {}

    def start(*_: object) -> None:  # the first event of a thread the drain starts
        sys.setprofile(None)
        profile = profiles[threading.current_thread().name] = cProfile.Profile(time.thread_time)
        profile.enable()

    with Store(folder / f"profile-{time.monotonic_ns()}.sqlite3") as store:
        for i in range(n):
            store.enqueue(draft(i), server=URL)
        async with ImpiloClient(URL, "bench-key", transport=answering()) as client:
            sender = OutboxSender(store, lambda: _Borrowed(client))
            loop = profiles["event loop"] = cProfile.Profile(time.thread_time)
            threading.setprofile(start)
            loop.enable()
            await sender.drain()
            loop.disable()
            threading.setprofile(None)
    return profiles


def print_profiles(profiles: dict[str, cProfile.Profile], n: int) -> None:
    for thread, profile in profiles.items():
        stats: dict[Any, Any] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
        own = sorted(
            (
                (t, f"{Path(file).name}:{line} {name}")
                for (file, line, name), (_, _, t, _, _) in stats.items()
            ),
            reverse=True,
        )
        whole = sum(t for t, _ in own)
        print(f"\n{thread}: {whole / n * 1000:.3f} ms per order under cProfile\n")
        print("| function | own CPU per order | share |")
        print("|---|---|---|")
        for t, where in own[:20]:
            print(f"| `{where}` | {t / n * 1e6:.1f} µs | {t / whole:.1%} |")
        # Our functions with what they call: where the drain's own work begins.
        ours = sorted(
            (
                (cumulative, f"{Path(file).parent.name}/{Path(file).name}:{line} {name}")
                for (file, line, name), (_, _, _, cumulative, _) in stats.items()
                if "impilo_desktop" in file
            ),
            reverse=True,
        )
        print("\n| ours, with what it calls | CPU per order | share |")
        print("|---|---|---|")
        for t, where in ours[:20]:
            print(f"| `{where}` | {t / n * 1e6:.1f} µs | {t / whole:.1%} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="both threads under cProfile")
    args = parser.parse_args()
    n: int = args.orders
    print(f"Machine: {machine()}. Load average before: {load()}.", file=sys.stderr)
    if args.profile:
        with tempfile.TemporaryDirectory() as tmp:
            print_profiles(asyncio.run(profiled(n, Path(tmp))), n)
        print(f"\nLoad average after: {load()}.")
        return 0
    runs: dict[str, list[Timing]] = {"bare": [], "drain": [], "one": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            runs["bare"].append(asyncio.run(bare(n)))
            runs["drain"].append(asyncio.run(drain(n, Path(tmp), 4)))
            runs["one"].append(asyncio.run(drain(n, Path(tmp), 1)))

    def ms(values: list[float]) -> float:
        return statistics.median(values) / n * 1000

    floor = ms([loop for loop, _ in runs["bare"]])
    command = f".venv/bin/python -m benchmarks.drain_own_cpu --orders {n} --repeat {args.repeat}"
    print(f"Command: `{command}` (httpx.MockTransport: no sockets, no sandbox).\n")
    print(f"Machine: {machine()}. Load average after the run: {load()}.\n")
    print(
        f"| what (median of {args.repeat} runs, CPU per order) | loop thread | writes thread"
        " | whole process | above bare |"
    )
    print("|---|---|---|---|---|")
    floor_row = f"| {floor:.3f} ms | none | {floor:.3f} ms | 0 |"
    print(f"| {n} bare sequential httpx POSTs (floor) {floor_row}")
    for what, key in (("up to 4 in flight", "drain"), ("one at a time", "one")):
        loop = ms([own for own, _ in runs[key]])
        whole = ms([cpu for _, cpu in runs[key]])
        print(
            f"| `OutboxSender.drain()` of {n} entries ({what}) | {loop:.3f} ms"
            f" | {whole - loop:.3f} ms | {whole:.3f} ms | {whole - floor:.3f} ms |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

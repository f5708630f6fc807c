"""How long parsing a page of orders takes, compared with decoding the JSON alone.

Builds 100- and 250-order pages from the repository's example order in the guide's shape
(tests/data/fixtures/order.response.json, about 10.6 KB: devices, packed kits and a full
patient; ids varied per order) and times:

- `json.loads` alone (the floor: any parse has to do at least this),
- `Page[Order].model_validate_json(bytes)`: one call for the whole page,
- `Page[Order].model_validate(json.loads(...))`: the two-step alternative,
- `parse_page` (what `ImpiloClient` uses for lists): `json.loads`, then one order at a time,
  yielding to the event loop every `PARSE_CHUNK` orders,
- `ImpiloClient.list_orders` end to end over an in-process `httpx.MockTransport` (request
  building, httpx, error checks, parse_page): the app's path minus the network.

"Longest step" is the longest stretch the event loop could not run anything else (measured by
a ticker task): for one-call parsing that is the whole parse; it is also roughly how long the
parse can keep the UI thread waiting for the interpreter lock.

Run (from the project root):  .venv/bin/python -m benchmarks.parse_pages [--repeat N]
Prints a Markdown table (median of N runs after a warm-up, in ms) and the ratio to json.loads;
best-of-N is the figure to compare on a busy machine.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pydantic

from impilo_desktop.api.client import PARSE_CHUNK, ImpiloClient, parse_page
from impilo_desktop.api.models import Order, Page

FIXTURE = (
    Path(__file__).resolve().parents[1] / "tests" / "data" / "fixtures" / "order.response.json"
)


def build_page(order: dict[str, Any], count: int) -> bytes:
    """A page of `count` orders, each with its own ids and client reference."""
    content = []
    for n in range(count):
        item = copy.deepcopy(order)
        item["id"] = 100_000 + n
        item["externalOrderIds"] = [f"desk-2026-{n:06d}"]
        if isinstance(item.get("patient"), dict):
            item["patient"]["id"] = 5_000 + n % 400
        content.append(item)
    page = {"content": content, "page": 1, "size": count, "total": count * 3, "first": True}
    page["last"] = False
    return json.dumps(page).encode()


Step = Callable[[], Awaitable[object]]


async def measure(step: Step) -> tuple[float, float]:
    """(total ms, longest ms the loop was held) for one run of `step`."""
    gaps: list[float] = []
    running = True

    async def ticker() -> None:
        last = time.perf_counter()
        while running:
            await asyncio.sleep(0)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = time.perf_counter()
    await step()
    total = time.perf_counter() - started
    running = False
    await tick
    return total * 1000, max(gaps, default=total) * 1000


async def timings(step: Step, repeat: int) -> tuple[float, float, float, float]:
    """Best and median total, best and median longest step, over `repeat` runs."""
    await step()  # warm-up: pydantic builds validators lazily, httpx sets up its pool
    runs = [await measure(step) for _ in range(repeat)]
    totals = [t for t, _ in runs]
    longest = [g for _, g in runs]
    return min(totals), statistics.median(totals), min(longest), statistics.median(longest)


def steps_for(body: bytes, client: ImpiloClient) -> dict[str, Step]:
    async def loads() -> object:
        return json.loads(body)

    async def validate_json() -> object:
        return Page[Order].model_validate_json(body)

    async def validate_python() -> object:
        return Page[Order].model_validate(json.loads(body))

    async def pieces() -> object:
        return await parse_page(body, Page[Order])

    async def client_list() -> object:
        return await client.list_orders(size=250)

    return {
        "json.loads": loads,
        "Page[Order].model_validate_json": validate_json,
        "Page[Order].model_validate(json.loads)": validate_python,
        f"parse_page (client, {PARSE_CHUNK} per yield)": pieces,
        "ImpiloClient.list_orders (MockTransport)": client_list,
    }


async def run(repeat: int) -> None:
    order = json.loads(FIXTURE.read_text(encoding="utf-8"))
    print(
        f"Python {platform.python_version()}, pydantic {pydantic.VERSION}, httpx "
        f"{httpx.__version__}, {platform.machine()}, {os.cpu_count()} CPUs; "
        f"median of {repeat} runs after a warm-up\n"
    )
    print(
        "| orders | body KiB | step | best ms | median ms | median / json.loads"
        " | longest step: best ms | longest step: median ms |"
    )
    print("|---:|---:|---|---:|---:|---:|---:|---:|")
    for count in (100, 250):
        body = build_page(order, count)
        parsed = await parse_page(body, Page[Order])
        assert len(parsed.content) == count
        assert parsed.content[-1].id == 100_000 + count - 1
        transport = httpx.MockTransport(
            lambda request, b=body: httpx.Response(
                200, content=b, headers={"Content-Type": "application/json"}
            )
        )
        async with ImpiloClient("https://impilo.example.org", "bench", transport=transport) as c:
            floor = 0.0
            for name, step in steps_for(body, c).items():
                best, median, best_step, median_step = await timings(step, repeat)
                floor = floor or median
                print(
                    f"| {count} | {len(body) / 1024:.0f} | {name} | {best:.1f} | {median:.1f} |"
                    f" {median / floor:.1f} | {best_step:.1f} | {median_step:.1f} |"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description="Time parsing of order pages.")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(run(args.repeat))


if __name__ == "__main__":
    main()

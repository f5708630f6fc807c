"""What one create costs the client at each layer of httpx, loopback to the sandbox.

The outbox's floor (`drain_outbox.py`) is bare sequential `httpx.AsyncClient.post` calls, and on
loopback both it and the drain are bound by the client's CPU. This measures, on one client and
its one kept-open connection, the CPU per `POST /order` of:

- `client.post`: `AsyncClient.post(path, json=body)`, the answer read (the floor's way);
- `build+send`: `build_request` (URL, header, cookie and parameter merging), then
  `send(stream=True)` and `aread()` (the transport's way until round 4);
- `send(prepared)`: an `httpx.Request` built with headers prepared once and the body's JSON,
  through `AsyncClient.send(stream=True)` (auth flow, redirect and hook checks, cookies);
- `transport`: the same request handed straight to the client's own pool for its URL
  (`AsyncHTTPTransport.handle_async_request`, the pool and route `send` itself uses);
- `ours: Transport.send`: the app's own path (api/transport.py and api/sending.py: the
  deadline, the bounded read, status and error mapping), on its own client and connection.

Every variant starts from the same body dict and ends with the answer's bytes; the JSON is
encoded as httpx encodes it. The variants take turns in blocks of `--block` requests (the
order of the turns rotating), so each is measured under the same load; CPU is the event
loop's thread's (`time.thread_time`; the sandbox is another process).

Run (from the project root; it prints the machine and load average first):
    .venv/bin/python -m benchmarks.http_layers [--requests 2000] [--block 50]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from benchmarks.drain_outbox import draft, load, machine, start_sandbox
from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.domain import to_order_create
from impilo_desktop.sandbox import DEMO_API_KEY
from impilo_desktop.store import new_client_reference

Post = Callable[[dict[str, Any]], Awaitable[bytes]]


def encoded(body: dict[str, Any]) -> bytes:
    """The body's JSON as httpx writes it for `json=`."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def variants(client: httpx.AsyncClient, ours: ImpiloClient) -> dict[str, Post]:
    url = client.base_url.join("order")  # the client's base_url ends in "/api/v3/"
    transport = client._transport_for_url(url)
    timeout = client.timeout.as_dict()
    headers = httpx.Headers(client.headers)
    headers.update({"Accept": "application/json", "Impilo-API-Key": DEMO_API_KEY})
    headers["Content-Type"] = "application/json"

    def prepared(body: dict[str, Any]) -> httpx.Request:
        content = encoded(body)
        fields = headers.copy()
        fields["Content-Length"] = str(len(content))
        return httpx.Request(
            "POST", url, headers=fields, content=content, extensions={"timeout": timeout}
        )

    async def post(body: dict[str, Any]) -> bytes:
        response = await client.post("order", json=body)
        response.raise_for_status()
        return response.content

    async def build_send(body: dict[str, Any]) -> bytes:
        request = client.build_request(
            "POST",
            "order",
            json=body,
            headers={"Accept": "application/json", "Impilo-API-Key": DEMO_API_KEY},
        )
        response = await client.send(request, stream=True)
        try:
            response.raise_for_status()
            return await response.aread()
        finally:
            await response.aclose()

    async def send_prepared(body: dict[str, Any]) -> bytes:
        response = await client.send(prepared(body), stream=True)
        try:
            response.raise_for_status()
            return await response.aread()
        finally:
            await response.aclose()

    async def through_transport(body: dict[str, Any]) -> bytes:
        request = prepared(body)
        response = await transport.handle_async_request(request)
        response.request = request
        try:
            response.raise_for_status()
            return await response.aread()
        finally:
            await response.aclose()

    async def transport_send(body: dict[str, Any]) -> bytes:
        # The app's own way (api/transport.py): the deadline, the bounded read, the status
        # and error mapping, over its own client (its own kept-open connection).
        response = await ours._transport.send("POST", "/order", body=body)
        return response.content

    return {
        "client.post": post,
        "build+send": build_send,
        "send(prepared)": send_prepared,
        "transport": through_transport,
        "ours: Transport.send": transport_send,
    }


async def measure(base_url: str, requests: int, block: int) -> dict[str, tuple[float, float]]:
    headers = {"Impilo-API-Key": DEMO_API_KEY, "Accept": "application/json"}
    cpu: dict[str, float] = {}
    wall: dict[str, float] = {}
    ours = ImpiloClient(base_url, DEMO_API_KEY)
    async with ours, httpx.AsyncClient(base_url=base_url + "/api/v3/", headers=headers) as client:
        (await client.get("site", params={"size": 1})).raise_for_status()  # the connection
        await ours.list_sites(size=1)
        ways = variants(client, ours)
        for post in ways.values():  # each path warmed up once
            await post(to_order_create(draft(0), new_client_reference()).to_wire())
        names = list(ways)
        cpu = dict.fromkeys(names, 0.0)
        wall = dict.fromkeys(names, 0.0)
        n = itertools.count()
        for turn in range(requests // block):
            order = names[turn % len(names) :] + names[: turn % len(names)]
            for name in order:
                bodies = [
                    to_order_create(draft(next(n)), new_client_reference()).to_wire()
                    for _ in range(block)
                ]
                post = ways[name]
                started, own = time.perf_counter(), time.thread_time()
                for body in bodies:
                    await post(body)
                cpu[name] += time.thread_time() - own
                wall[name] += time.perf_counter() - started
    done = requests // block * block
    return {name: (cpu[name] / done, wall[name] / done) for name in cpu}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--block", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"Machine: {machine()}. Load average before: {load()}.", file=sys.stderr)
    results: list[dict[str, tuple[float, float]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        proc, base_url = start_sandbox(Path(tmp) / "sandbox-home")
        try:
            for _ in range(args.repeat):
                results.append(asyncio.run(measure(base_url, args.requests, args.block)))
        finally:
            proc.terminate()
            proc.communicate(timeout=30)
    command = (
        f".venv/bin/python -m benchmarks.http_layers --requests {args.requests}"
        f" --block {args.block} --repeat {args.repeat}"
    )
    print(f"Command: `{command}` (sandbox as a separate process, loopback).\n")
    print(f"Machine: {machine()}. Load average after the run: {load()}.\n")
    print(
        f"| way (each {args.requests} requests, median of {args.repeat}) | CPU per request"
        " | against `client.post` | wall per request |"
    )
    print("|---|---|---|---|")
    floor = statistics.median(r["client.post"][0] for r in results)
    for name in results[0]:
        own = statistics.median(r[name][0] for r in results)
        wall = statistics.median(r[name][1] for r in results)
        print(f"| `{name}` | {own * 1000:.3f} ms | {own / floor:.2f}x | {wall * 1000:.3f} ms |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

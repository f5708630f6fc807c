"""An exact, scriptable Impilo for fault cases, served through httpx.MockTransport (only the
order endpoints and paged reference lists the sync uses). The sandbox covers the realistic
behaviour; this covers "the server created the order, then the connection died"."""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.retry import RetryPolicy

BASE_URL = "https://impilo.test"
KEY = "test-key-not-secret"

# A scripted reaction to the next POST /order:
#   ("status", code, body, headers)      answer with that status, create nothing
#   ("create_then", exception)            create the order, then fail the connection
#   ("raise", exception)                  fail without creating anything
#   ("block", event)                      create nothing; wait until the event is set
#   ("block", event, then)                the same, then answer `then` (a step, or "create")
#   ("call", function)                    call it, then create the order normally
Script = tuple[Any, ...]


@dataclass
class FakeImpilo:
    orders: list[dict[str, Any]] = field(default_factory=list)
    posts: list[dict[str, Any]] = field(default_factory=list)
    lookups: list[list[str]] = field(default_factory=list)
    script: deque[Script] = field(default_factory=deque)
    lookup_script: deque[Script] = field(default_factory=deque)
    # Failures for the next patient lookups (by external ID, by email); otherwise nobody.
    patient_lookup_script: deque[Script] = field(default_factory=deque)
    patients: list[dict[str, Any]] = field(default_factory=list)
    blocked: asyncio.Event = field(default_factory=asyncio.Event)
    # How many POSTs reached a "block" step so far (`wait_blocked` waits for a number).
    blocked_count: int = 0
    _blocking: asyncio.Condition = field(default_factory=asyncio.Condition)
    requests: int = 0
    # Patients by id for GET/PATCH /patient/{id}; every PATCH body, and a script for them
    # (the same steps as for POST /order; "create_then" applies the change, then fails).
    patient_records: dict[int, dict[str, Any]] = field(default_factory=dict)
    patches: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    patch_script: deque[Script] = field(default_factory=deque)

    async def wait_blocked(self, count: int) -> None:
        """Return once `count` POSTs in all have reached "block" steps."""
        async with self._blocking:
            await self._blocking.wait_for(lambda: self.blocked_count >= count)

    def orders_with(self, reference: str) -> list[dict[str, Any]]:
        return [o for o in self.orders if reference in o["externalOrderIds"]]

    async def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        path = request.url.path.removeprefix("/api/v3")
        if request.method == "POST" and path == "/order":
            return await self._create(request)
        if request.method == "GET" and path == "/order":
            refs = request.url.params.get_list("externalOrderId")
            self.lookups.append(refs)
            if self.lookup_script:
                return self._scripted_failure(self.lookup_script.popleft())
            found = [o for o in self.orders if set(refs) & set(o["externalOrderIds"])]
            return httpx.Response(200, json=_page(found, 1, 50, len(found)))
        if request.method == "GET" and path == "/patient":
            page = int(request.url.params.get("page", "1"))
            size = int(request.url.params.get("size", "100"))
            chunk = self.patients[(page - 1) * size : page * size]
            return httpx.Response(200, json=_page(chunk, page, size, len(self.patients)))
        if path.startswith("/patient/") and path.removeprefix("/patient/").isdigit():
            return await self._patient(request, int(path.removeprefix("/patient/")))
        lookup = path.startswith("/patient/identifier/") or path == "/patient/find-by-email"
        if lookup and self.patient_lookup_script:
            return self._scripted_failure(self.patient_lookup_script.popleft())
        if request.method == "GET" and path in ("/site", "/item", "/kit"):
            return httpx.Response(200, json=_page([], 1, 100, 0))
        return httpx.Response(404, json={"message": f"no route {request.method} {path}"})

    async def _create(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.posts.append(body)
        if self.script:
            step = self.script.popleft()
            if step[0] == "create_then":
                self._store(body)
                raise step[1]
            if step[0] == "call":  # something happens while the request is in flight
                step[1]()
                return httpx.Response(200, json=self._store(body))
            if step[0] == "block":
                self.blocked.set()
                async with self._blocking:
                    self.blocked_count += 1
                    self._blocking.notify_all()
                await step[1].wait()
                if len(step) > 2:  # what to answer once released
                    if step[2] == "create":
                        return httpx.Response(200, json=self._store(body))
                    return self._scripted_failure(step[2])
            return self._scripted_failure(step)
        return httpx.Response(200, json=self._store(body))

    async def _patient(self, request: httpx.Request, patient_id: int) -> httpx.Response:
        record = self.patient_records.get(patient_id)
        if record is None:
            return httpx.Response(404, json={"message": "no such patient"})
        if request.method == "GET":
            return httpx.Response(200, json=record)
        body = json.loads(request.content)
        self.patches.append((patient_id, body))
        if self.patch_script:
            step = self.patch_script.popleft()
            if step[0] == "create_then":
                record.update(body)
                raise step[1]
            if step[0] == "call":
                step[1]()
            else:
                return self._scripted_failure(step)
        record.update(body)
        return httpx.Response(200, json=record)

    def _scripted_failure(self, step: Script) -> httpx.Response:
        if step[0] == "status":
            _, code, payload, headers = step
            return httpx.Response(code, json=payload, headers=headers)
        if step[0] == "raise":
            raise step[1]
        raise AssertionError(f"bad script step {step!r}")

    def _store(self, body: dict[str, Any]) -> dict[str, Any]:
        order = {**body, "id": 5000 + len(self.orders), "currentStatus": "orderPlaced"}
        self.orders.append(order)
        return order

    def client(self) -> ImpiloClient:
        return ImpiloClient(
            BASE_URL,
            KEY,
            transport=httpx.MockTransport(self.handle),
            retry=RetryPolicy(max_attempts=2),
            sleep=_no_wait,
        )

    def factory(self) -> Callable[[], ImpiloClient]:
        return self.client


async def _no_wait(seconds: float) -> None:
    return None


def _page(content: list[dict[str, Any]], page: int, size: int, total: int) -> dict[str, Any]:
    return {
        "content": content,
        "page": page,
        "size": size,
        "total": total,
        "first": page == 1,
        "last": page * size >= total,
    }


def request_for(method: str = "POST") -> httpx.Request:
    return httpx.Request(method, BASE_URL + "/api/v3/order")

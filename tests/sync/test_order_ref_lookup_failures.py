"""When the sender's lookup by order_ref fails (sync/order_ref_check.py): each failure counts
toward the backoff, a 5xx or 429 stops the drain, and an answer asking again cannot change
(a 414, an unreadable one) refuses the entry with a reason the coordinator reads."""

from __future__ import annotations

import httpx
import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.retry import OUTBOX_RETRY, RetryPolicy
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.sandbox.faults import FaultKind
from impilo_desktop.store import EntryState, Store
from impilo_desktop.sync import OutboxSender, Outcome, StopReason
from tests.sync.conftest import Clock
from tests.sync.test_order_ref_check import queue_imported, ref_draft, sandbox_orders_with
from tests.sync.test_sandbox_sync import make_sender

# Enough server errors that the client's own retries of the lookup fail too.
ERRORS: list[FaultKind] = ["error"] * 10
# The outbox's schedule with the jitter at its lowest: waits of 2.5, 5, 10, 20 s...
NO_JITTER = RetryPolicy(
    base_delay=OUTBOX_RETRY.base_delay, max_delay=OUTBOX_RETRY.max_delay, random=lambda: 0.0
)


@pytest.mark.anyio
async def test_each_failed_lookup_makes_the_next_wait_longer(
    store: Store, sandbox: SandboxServer, clock: Clock
) -> None:
    entry = queue_imported(store, ref_draft("B-1", 10001), sandbox.base_url)
    waits: list[float] = []
    for _ in range(4):
        sandbox.faults.force(*ERRORS)
        await make_sender(store, sandbox, retry=NO_JITTER).drain(due_only=False)
        sandbox.faults.clear()
        waiting = store.get_entry(entry.entry_id)
        assert waiting.state == EntryState.QUEUED
        assert waiting.next_attempt_at is not None
        waits.append(round(waiting.next_attempt_at.timestamp() - clock.now, 1))
    assert waits == [2.5, 5.0, 10.0, 20.0]
    assert store.get_entry(entry.entry_id).check_failures == 4
    assert await sandbox_orders_with(sandbox, "B-1") == []


@pytest.mark.anyio
async def test_a_server_error_on_a_lookup_stops_the_drain(
    store: Store, sandbox: SandboxServer
) -> None:
    first = queue_imported(store, ref_draft("S-1", 10001), sandbox.base_url)
    second = queue_imported(store, ref_draft("S-2", 10002), sandbox.base_url)
    sandbox.faults.force(*ERRORS)
    report = await make_sender(store, sandbox).drain()
    sandbox.faults.clear()

    assert report.stopped == StopReason.SERVER_TROUBLE
    assert [(r.entry_id, r.outcome) for r in report.results] == [(first.entry_id, Outcome.RETRY)]
    assert store.get_entry(second.entry_id).state == EntryState.QUEUED
    assert [a.outcome for a in store.entry_history(second.entry_id)] == ["queued"]


class _RefusesTheLookup(httpx.AsyncBaseTransport):
    """The sandbox over loopback, except that Impilo answers 414 to the lookup of orders by
    external order id (a proxy in front of it that limits URL length, say)."""

    def __init__(self) -> None:
        self._network = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and "externalOrderId" in str(request.url.query):
            body = {"code": "uri_too_long", "message": "Request-URI Too Long"}
            return httpx.Response(414, json=body, request=request)
        return await self._network.handle_async_request(request)

    async def aclose(self) -> None:
        await self._network.aclose()


@pytest.mark.anyio
async def test_a_lookup_impilo_refuses_rejects_the_entry_with_a_plain_reason(
    store: Store, sandbox: SandboxServer
) -> None:
    entry = queue_imported(store, ref_draft("R-414", 10001), sandbox.base_url)
    sender = OutboxSender(
        store,
        lambda: ImpiloClient(sandbox.base_url, sandbox.api_key, transport=_RefusesTheLookup()),
    )
    report = await sender.drain()

    assert [r.outcome for r in report.results] == [Outcome.REJECTED]
    refused = store.get_entry(entry.entry_id)
    assert refused.state == EntryState.REJECTED
    assert refused.server_message == (
        "Impilo would not say whether it already has an order with the order_ref R-414:"
        " Request-URI Too Long (uri_too_long). Nothing was sent. Check the order_ref; to send"
        " the order anyway, open it from Drafts and submit it."
    )
    assert await sandbox_orders_with(sandbox, "R-414") == []


@pytest.mark.anyio
async def test_an_unreadable_answer_to_the_lookup_rejects_the_entry(
    store: Store, sandbox: SandboxServer
) -> None:
    entry = queue_imported(store, ref_draft("R-BAD", 10001), sandbox.base_url)
    sandbox.faults.force("malformed")
    report = await make_sender(store, sandbox).drain()
    sandbox.faults.clear()

    assert [r.outcome for r in report.results] == [Outcome.REJECTED]
    refused = store.get_entry(entry.entry_id)
    assert refused.server_message is not None
    assert refused.server_message.startswith(
        "Impilo would not say whether it already has an order with the order_ref R-BAD: "
    )
    assert await sandbox_orders_with(sandbox, "R-BAD") == []

"""How the sender's order_ref check settles an entry (sync/order_ref_check.py): an entry that
changed while Impilo was asked is skipped, a sender that lost its lock meanwhile settles
nothing, and a new patient found with their order is cached as a created one is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState, Store
from impilo_desktop.sync import OutboxSender, Outcome, StopReason
from impilo_desktop.sync.sender import DEFAULT_LOCK_TTL
from tests.sync.conftest import Clock
from tests.sync.test_order_ref_check import queue_imported, ref_draft, sandbox_orders_with
from tests.sync.test_order_ref_rules import new_patient_draft
from tests.sync.test_sandbox_sync import make_sender

pytestmark = pytest.mark.anyio


class _MeanwhileOnLookup(httpx.AsyncBaseTransport):
    """The sandbox over loopback; `meanwhile` runs once, as the lookup by order_ref leaves
    (what happens elsewhere while Impilo is asked)."""

    def __init__(self, meanwhile: Callable[[], None]) -> None:
        self._meanwhile: Callable[[], None] | None = meanwhile
        self._network = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._meanwhile is not None and "externalOrderId" in str(request.url.query):
            meanwhile, self._meanwhile = self._meanwhile, None
            meanwhile()
        return await self._network.handle_async_request(request)

    async def aclose(self) -> None:
        await self._network.aclose()


def sender_with(
    store: Store, sandbox: SandboxServer, meanwhile: Callable[[], None]
) -> OutboxSender:
    return OutboxSender(
        store,
        lambda: ImpiloClient(
            sandbox.base_url, sandbox.api_key, transport=_MeanwhileOnLookup(meanwhile)
        ),
    )


async def placed_then_forgotten(store: Store, sandbox: SandboxServer, ref: str) -> int:
    first = queue_imported(store, ref_draft(ref, 10001), sandbox.base_url)
    await make_sender(store, sandbox).drain()
    placed = store.get_entry(first.entry_id).order_id
    assert placed is not None
    store.prune_sent(-1)
    return placed


async def test_an_entry_settled_while_its_ref_was_looked_up_is_skipped(
    store: Store, sandbox: SandboxServer
) -> None:
    placed = await placed_then_forgotten(store, sandbox, "M-1")
    again = queue_imported(store, ref_draft("M-1", 10001), sandbox.base_url)

    def settled_by_another_sender() -> None:
        store.mark_sending(again.entry_id)
        store.mark_sent(again.entry_id, placed, "order found by a sender that took over")

    report = await sender_with(store, sandbox, settled_by_another_sender).drain()

    assert [r.outcome for r in report.results] == [Outcome.SKIPPED]
    entry = store.get_entry(again.entry_id)
    assert (entry.state, entry.order_id, entry.already_on_impilo) == (
        EntryState.SENT,
        placed,
        False,
    )
    assert await sandbox_orders_with(sandbox, "M-1") == [placed]


async def test_a_sender_that_lost_its_lock_during_the_lookup_settles_nothing(
    store: Store, sandbox: SandboxServer, clock: Clock
) -> None:
    await placed_then_forgotten(store, sandbox, "M-2")
    again = queue_imported(store, ref_draft("M-2", 10001), sandbox.base_url)

    def frozen_past_its_lease() -> None:
        clock.now += DEFAULT_LOCK_TTL + 1

    report = await sender_with(store, sandbox, frozen_past_its_lease).drain()

    assert report.stopped == StopReason.TAKEN_OVER
    assert [r.outcome for r in report.results] == [Outcome.SKIPPED]
    assert store.get_entry(again.entry_id).state == EntryState.QUEUED


async def test_a_new_patient_found_with_their_order_is_cached(
    store: Store, sandbox: SandboxServer, tmp_path: Path
) -> None:
    # Computer A places the order, creating the patient; this computer never saw them.
    with Store(tmp_path / "computer-a.sqlite3") as other:
        first = queue_imported(other, new_patient_draft("NP-9"), sandbox.base_url)
        await make_sender(other, sandbox).drain()
        order_id = other.get_entry(first.entry_id).order_id
    assert order_id is not None

    again = queue_imported(store, new_patient_draft("NP-9"), sandbox.base_url)
    report = await make_sender(store, sandbox).drain()

    assert [r.outcome for r in report.results] == [Outcome.ADOPTED]
    order = store.cached_order(order_id)
    assert order is not None
    assert order.patient is not None
    assert order.patient.id is not None
    assert list(store.cached_patients_with_ids([order.patient.id])) == [order.patient.id]
    assert store.get_entry(again.entry_id).already_on_impilo

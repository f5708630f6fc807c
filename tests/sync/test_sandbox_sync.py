"""The sender and refresher against the real sandbox server over loopback, with its faults."""

from __future__ import annotations

import asyncio

import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.retry import RetryPolicy
from impilo_desktop.domain import OrderDraft, PatientChoice
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState, ReferenceKind, Store
from impilo_desktop.sync import (
    DEFAULT_SETTLE,
    Connectivity,
    ConnectivityState,
    OutboxSender,
    Outcome,
    ReferenceRefresher,
)
from tests.sync.conftest import Clock

pytestmark = pytest.mark.anyio

NOT_ORDERABLE_ITEM = 1012


def sandbox_draft(item_id: int = 1001, count: int = 1) -> OrderDraft:
    """A draft for a seeded sandbox patient and item."""
    draft = OrderDraft()
    draft.set_patient(PatientChoice(id=10001, first_name="Jacqueline", last_name="Seed"))
    draft.add_item(item_id, count)
    return draft


def factory(sandbox: SandboxServer) -> ImpiloClient:
    # No waiting between GET retries: the sandbox answers at once.
    return ImpiloClient(sandbox.base_url, sandbox.api_key, retry=RetryPolicy(base_delay=0.0))


def make_sender(store: Store, sandbox: SandboxServer, **kwargs: object) -> OutboxSender:
    return OutboxSender(store, lambda: factory(sandbox), **kwargs)  # type: ignore[arg-type]


async def orders_with(sandbox: SandboxServer, reference: str) -> list[int]:
    async with factory(sandbox) as client:
        page = await client.list_orders(external_order_ids=[reference])
    return [o.id for o in page.content if o.id is not None and reference in o.external_order_ids]


async def test_drain_creates_orders_on_sandbox(store: Store, sandbox: SandboxServer) -> None:
    entries = [store.enqueue(sandbox_draft(1001 + n), server=sandbox.base_url) for n in range(3)]
    report = await make_sender(store, sandbox).drain()
    assert [r.outcome for r in report.results] == [Outcome.SENT] * 3
    for entry in entries:
        [order_id] = await orders_with(sandbox, entry.client_reference)
        assert store.get_entry(entry.entry_id).order_id == order_id


async def test_dropped_after_create_is_adopted(
    store: Store, sandbox: SandboxServer, clock: Clock
) -> None:
    entry = store.enqueue(sandbox_draft(), server=sandbox.base_url)
    sandbox.faults.force("drop_after_create")

    first = await make_sender(store, sandbox).drain()
    assert first.results[0].outcome == Outcome.RETRY
    assert store.get_entry(entry.entry_id).state == EntryState.IN_DOUBT
    # Not looked up before the create it checks on has settled...
    early = await make_sender(store, sandbox).drain(due_only=False)
    assert early.results[0].outcome == Outcome.RETRY
    assert "earlier attempt" in early.results[0].message
    clock.now += DEFAULT_SETTLE + 1  # ...and adopted once it has.

    second = await make_sender(store, sandbox).drain(due_only=False)
    assert second.results[0].outcome == Outcome.ADOPTED
    assert len(await orders_with(sandbox, entry.client_reference)) == 1


async def test_server_error_then_success(
    store: Store, sandbox: SandboxServer, clock: Clock
) -> None:
    entry = store.enqueue(sandbox_draft(), server=sandbox.base_url)
    sandbox.faults.force("error")
    await make_sender(store, sandbox).drain()
    failed = store.get_entry(entry.entry_id)
    assert failed.state == EntryState.IN_DOUBT
    assert failed.next_attempt_at is not None
    assert failed.next_attempt_at.timestamp() >= clock.now + DEFAULT_SETTLE - 0.001
    clock.now += DEFAULT_SETTLE + 1

    report = await make_sender(store, sandbox).drain(due_only=False)
    assert report.results[0].outcome == Outcome.SENT
    assert len(await orders_with(sandbox, entry.client_reference)) == 1


async def test_rate_limited_waits_for_retry_after(
    store: Store, sandbox: SandboxServer, clock: Clock
) -> None:
    sandbox.faults.retry_after = 30
    entry = store.enqueue(sandbox_draft(), server=sandbox.base_url)
    sandbox.faults.force("ratelimit")
    await make_sender(store, sandbox).drain()
    limited = store.get_entry(entry.entry_id)
    assert limited.state == EntryState.QUEUED
    assert limited.next_attempt_at is not None
    assert (
        limited.next_attempt_at.timestamp() >= clock.now + 29.999
    )  # (datetimes keep microseconds)
    assert await orders_with(sandbox, entry.client_reference) == []


async def test_sandbox_rejection_returns_draft(store: Store, sandbox: SandboxServer) -> None:
    bad = store.enqueue(sandbox_draft(NOT_ORDERABLE_ITEM), server=sandbox.base_url)
    good = store.enqueue(sandbox_draft(), server=sandbox.base_url)
    report = await make_sender(store, sandbox).drain()
    assert [r.outcome for r in report.results] == [Outcome.REJECTED, Outcome.SENT]
    rejected = store.get_entry(bad.entry_id)
    assert rejected.server_message
    assert "cannot be ordered" in rejected.server_message
    assert rejected.draft.item_lines[0].item_id == NOT_ORDERABLE_ITEM
    assert store.get_entry(good.entry_id).state == EntryState.SENT


async def test_wrong_key_pauses(store: Store, sandbox: SandboxServer) -> None:
    store.enqueue(sandbox_draft(), server=sandbox.base_url)
    connectivity = Connectivity()
    sender = OutboxSender(
        store, lambda: ImpiloClient(sandbox.base_url, "wrong-key"), connectivity=connectivity
    )
    report = await sender.drain()
    assert report.paused == "API key rejected"
    assert connectivity.state == ConnectivityState.UNAUTHORIZED


async def test_network_gone_and_back(store: Store, sandbox: SandboxServer) -> None:
    entry = store.enqueue(sandbox_draft(), server=sandbox.base_url)
    connectivity = Connectivity()
    heard: list[ConnectivityState] = []
    connectivity.subscribe(lambda state, message: heard.append(state))
    sandbox.stop()
    offline = await make_sender(store, sandbox, connectivity=connectivity).drain()
    assert offline.stopped == "offline"
    assert heard == [ConnectivityState.OFFLINE]
    assert store.get_entry(entry.entry_id).state == EntryState.QUEUED

    sandbox.start()
    online = await make_sender(store, sandbox, connectivity=connectivity).drain(due_only=False)
    assert online.results[0].outcome == Outcome.SENT
    assert heard == [ConnectivityState.OFFLINE, ConnectivityState.ONLINE]


async def test_back_online_sends_what_waited_for_the_network_not_what_the_server_held(
    store: Store, sandbox: SandboxServer
) -> None:
    sandbox.faults.retry_after = 600  # "come back in ten minutes"
    held = store.enqueue(sandbox_draft(), server=sandbox.base_url)
    sandbox.faults.force("ratelimit")
    await make_sender(store, sandbox).drain()
    assert store.get_entry(held.entry_id).state == EntryState.QUEUED

    waiting = store.enqueue(sandbox_draft(), server=sandbox.base_url)
    sandbox.stop()
    offline = await make_sender(store, sandbox).drain()
    assert offline.stopped == "offline"
    # Both now wait with a time ahead of them: one the server's, one the app's own backoff.
    for entry in (held, waiting):
        assert store.get_entry(entry.entry_id).next_attempt_at is not None

    sandbox.start()
    back = await make_sender(store, sandbox).drain(waiting_for_network=True)
    assert [(r.entry_id, r.outcome) for r in back.results] == [(waiting.entry_id, Outcome.SENT)]
    assert store.get_entry(held.entry_id).state == EntryState.QUEUED
    assert await orders_with(sandbox, held.client_reference) == []


async def test_reference_refresh_from_sandbox(store: Store, sandbox: SandboxServer) -> None:
    progress: dict[ReferenceKind, tuple[int, int]] = {}
    report = await ReferenceRefresher(store, lambda: factory(sandbox)).refresh(
        progress=lambda kind, done, total: progress.__setitem__(kind, (done, total))
    )
    assert report.stored[ReferenceKind.PATIENT] == store.reference_count(ReferenceKind.PATIENT)
    assert report.stored[ReferenceKind.PATIENT] >= 2000
    assert progress[ReferenceKind.PATIENT][0] == progress[ReferenceKind.PATIENT][1]
    assert len(store.cached_sites()) == 25
    assert len(store.cached_items()) == 80
    assert len(store.cached_kits(include_archived=True)) == 12
    [first] = store.search_patients("jacqueline", limit=1)
    assert first.id is not None


async def test_a_refresh_told_to_stop_ends_after_the_page_on_its_way(
    store: Store, sandbox: SandboxServer
) -> None:
    """At quit the app waits for requests in flight, not for a whole refresh: the page being
    fetched is stored, nothing more is asked, and the refresh ends as if cancelled."""
    refresher = ReferenceRefresher(store, lambda: factory(sandbox), page_size=100)
    pages: list[int] = []

    def progress(kind: ReferenceKind, done: int, total: int) -> None:
        pages.append(done)
        if len(pages) == 2:
            refresher.stop_after_page()  # while the third page would be next

    with pytest.raises(asyncio.CancelledError):
        await refresher.refresh([ReferenceKind.PATIENT], progress=progress)
    assert pages == [100, 200]
    assert store.reference_count(ReferenceKind.PATIENT) == 200  # what arrived is kept
    assert store.reference_fetched_at(ReferenceKind.PATIENT) is None  # not a whole pass
    with pytest.raises(asyncio.CancelledError):  # and a later refresh asks nothing
        await refresher.refresh(progress=progress)
    assert pages == [100, 200]

    # Resumed (its controller started again), it refreshes again, to the end.
    refresher.resume()
    await refresher.refresh([ReferenceKind.PATIENT])
    assert store.reference_fetched_at(ReferenceKind.PATIENT) is not None

"""The exactly-once protocol, case by case, through a scripted HTTP transport."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from impilo_desktop.store import EntryState, Store
from impilo_desktop.sync import (
    API_KEY_REJECTED,
    DEFAULT_SETTLE,
    Connectivity,
    ConnectivityState,
    OutboxSender,
    Outcome,
)
from tests.store.samples import valid_draft
from tests.sync.conftest import Clock
from tests.sync.fake_impilo import BASE_URL, FakeImpilo, request_for

pytestmark = pytest.mark.anyio


def sender(store: Store, impilo: FakeImpilo, **kwargs: object) -> OutboxSender:
    return OutboxSender(store, impilo.factory(), **kwargs)  # type: ignore[arg-type]


async def test_drain_sends_each_entry_once_with_reference(store: Store, impilo: FakeImpilo) -> None:
    drafts = [valid_draft(item_id=2000 + n) for n in range(3)]
    drafts[0].external_order_ids.append("clinic-77")
    entries = [store.enqueue(d, server=BASE_URL) for d in drafts]
    progress: list[tuple[int, int]] = []
    connectivity = Connectivity()

    report = await sender(store, impilo, connectivity=connectivity).drain(
        progress=lambda done, total: progress.append((done, total))
    )

    assert [r.outcome for r in report.results] == [Outcome.SENT] * 3
    assert progress == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert len(impilo.posts) == 3
    assert impilo.posts[0]["externalOrderIds"] == ["clinic-77", entries[0].client_reference]
    for entry in entries:
        [order] = impilo.orders_with(entry.client_reference)
        stored = store.get_entry(entry.entry_id)
        assert stored.state == EntryState.SENT
        assert stored.order_id == order["id"]
        assert store.cached_order(order["id"]) is not None
    assert connectivity.state == ConnectivityState.ONLINE
    assert store.sender_lock_holder() is None  # released


async def test_timeout_after_create_is_adopted_not_resent(
    store: Store, impilo: FakeImpilo, clock: Clock
) -> None:
    entry = store.enqueue(valid_draft(), server=BASE_URL)
    impilo.script.append(("create_then", httpx.ReadTimeout("late", request=request_for())))

    first = await sender(store, impilo).drain()
    assert first.results[0].outcome == Outcome.RETRY
    assert store.get_entry(entry.entry_id).state == EntryState.IN_DOUBT

    clock.now += DEFAULT_SETTLE + 1
    second = await sender(store, impilo).drain(due_only=False)
    assert second.results[0].outcome == Outcome.ADOPTED
    assert impilo.lookups == [[entry.client_reference]]
    assert len(impilo.posts) == 1  # never posted twice
    assert len(impilo.orders_with(entry.client_reference)) == 1
    assert store.get_entry(entry.entry_id).order_id == impilo.orders[0]["id"]


async def test_reset_before_create_is_checked_then_sent_once(
    store: Store, impilo: FakeImpilo, clock: Clock
) -> None:
    entry = store.enqueue(valid_draft(), server=BASE_URL)
    impilo.script.append(("raise", httpx.RemoteProtocolError("reset", request=request_for())))

    await sender(store, impilo).drain()
    assert store.get_entry(entry.entry_id).state == EntryState.IN_DOUBT
    clock.now += DEFAULT_SETTLE + 1
    report = await sender(store, impilo).drain(due_only=False)

    assert report.results[0].outcome == Outcome.SENT
    assert impilo.lookups == [[entry.client_reference]]
    assert len(impilo.orders_with(entry.client_reference)) == 1


async def test_entry_left_sending_by_a_crash_is_reconciled(
    store: Store, impilo: FakeImpilo, clock: Clock
) -> None:
    reached = store.enqueue(valid_draft(item_id=1), server=BASE_URL)
    lost = store.enqueue(valid_draft(item_id=2), server=BASE_URL)
    # A sender died after committing `sending`: one request reached Impilo, one did not.
    store.mark_sending(reached.entry_id)
    store.mark_sending(lost.entry_id)
    impilo._store({"externalOrderIds": [reached.client_reference], "patient": {"id": 1001}})
    clock.now += DEFAULT_SETTLE + 1

    report = await sender(store, impilo).drain()

    outcomes = {r.entry_id: r.outcome for r in report.results}
    assert outcomes == {reached.entry_id: Outcome.ADOPTED, lost.entry_id: Outcome.SENT}
    assert len(impilo.orders_with(reached.client_reference)) == 1
    assert len(impilo.orders_with(lost.client_reference)) == 1
    assert len(impilo.posts) == 1


async def test_rejection_goes_back_to_user_and_others_still_go(
    store: Store, impilo: FakeImpilo
) -> None:
    bad_draft = valid_draft(count=7)
    bad = store.enqueue(bad_draft, server=BASE_URL)
    good = store.enqueue(valid_draft(), server=BASE_URL)
    impilo.script.append(("status", 400, {"message": "insufficient_inventory"}, {}))

    report = await sender(store, impilo).drain()

    assert [r.outcome for r in report.results] == [Outcome.REJECTED, Outcome.SENT]
    rejected = store.get_entry(bad.entry_id)
    assert rejected.state == EntryState.REJECTED
    assert rejected.server_message == "insufficient_inventory"
    assert rejected.draft == bad_draft
    assert store.get_entry(good.entry_id).state == EntryState.SENT
    # A rejected entry is not retried by later drains.
    again = await sender(store, impilo).drain(due_only=False)
    assert again.results == []


async def test_unauthorized_pauses_the_whole_outbox(store: Store, impilo: FakeImpilo) -> None:
    first = store.enqueue(valid_draft(item_id=1), server=BASE_URL)
    second = store.enqueue(valid_draft(item_id=2), server=BASE_URL)
    impilo.script.append(("status", 401, {"message": "bad key"}, {}))
    connectivity = Connectivity()
    heard: list[ConnectivityState] = []
    connectivity.subscribe(lambda state, message: heard.append(state))

    report = await sender(store, impilo, connectivity=connectivity).drain()

    assert report.paused == API_KEY_REJECTED
    assert [r.outcome for r in report.results] == [Outcome.PAUSED]
    assert store.get_entry(first.entry_id).state == EntryState.QUEUED
    assert store.get_entry(first.entry_id).last_error == API_KEY_REJECTED
    assert store.get_entry(second.entry_id).attempts == 0  # the drain stopped
    assert store.outbox_paused() == API_KEY_REJECTED
    assert heard == [ConnectivityState.UNAUTHORIZED]

    posts = len(impilo.posts)
    paused = await sender(store, impilo).drain(due_only=False)
    assert paused.paused == API_KEY_REJECTED
    assert len(impilo.posts) == posts  # nothing sent while paused

    store.resume_outbox()  # the user entered a new key
    resumed = await sender(store, impilo).drain(due_only=False)
    assert [r.outcome for r in resumed.results] == [Outcome.SENT, Outcome.SENT]


async def test_server_error_schedules_a_checked_retry(
    store: Store, impilo: FakeImpilo, clock: Clock
) -> None:
    entry = store.enqueue(valid_draft(), server=BASE_URL)
    impilo.script.append(("status", 503, {"message": "down"}, {}))

    await sender(store, impilo).drain()
    failed = store.get_entry(entry.entry_id)
    assert failed.state == EntryState.IN_DOUBT  # a 5xx may come after the write
    assert failed.next_attempt_at is not None
    assert failed.next_attempt_at.timestamp() > clock.now

    not_yet = await sender(store, impilo).drain()
    assert not_yet.results == []  # not due yet: no request at all
    assert len(impilo.posts) == 1

    clock.now = failed.next_attempt_at.timestamp() + 1
    report = await sender(store, impilo).drain()
    assert report.results[0].outcome == Outcome.SENT
    assert impilo.lookups == [[entry.client_reference]]
    assert len(impilo.orders_with(entry.client_reference)) == 1


async def test_rate_limit_honours_retry_after_and_skips_lookup(
    store: Store, impilo: FakeImpilo, clock: Clock
) -> None:
    entry = store.enqueue(valid_draft(), server=BASE_URL)
    impilo.script.append(("status", 429, {}, {"Retry-After": "120"}))

    await sender(store, impilo).drain()
    limited = store.get_entry(entry.entry_id)
    assert limited.state == EntryState.QUEUED  # refused before processing: nothing created
    assert limited.next_attempt_at is not None
    assert limited.next_attempt_at.timestamp() >= clock.now + 119.999

    await sender(store, impilo).drain(due_only=False)
    assert impilo.lookups == []
    assert store.get_entry(entry.entry_id).state == EntryState.SENT


async def test_backoff_grows_with_attempts(store: Store, impilo: FakeImpilo, clock: Clock) -> None:
    entry = store.enqueue(valid_draft(), server=BASE_URL)
    waits: list[float] = []
    for _ in range(4):
        impilo.script.append(("raise", httpx.ConnectError("refused", request=request_for())))
        await sender(store, impilo).drain(due_only=False)
        failed = store.get_entry(entry.entry_id)
        assert failed.state == EntryState.QUEUED
        assert failed.next_attempt_at is not None
        waits.append(failed.next_attempt_at.timestamp() - clock.now)
    # Jitter keeps each wait in [half, full] of base * 2**(n-1) (base 5 s).
    for n, wait in enumerate(waits, start=1):
        full = 5.0 * 2 ** (n - 1)
        assert full / 2 - 1e-3 <= wait <= full + 1e-3  # stored with microseconds


async def test_offline_stops_the_drain(store: Store, impilo: FakeImpilo) -> None:
    first = store.enqueue(valid_draft(item_id=1), server=BASE_URL)
    second = store.enqueue(valid_draft(item_id=2), server=BASE_URL)
    impilo.script.append(("raise", httpx.ConnectError("refused", request=request_for())))
    connectivity = Connectivity()

    report = await sender(store, impilo, connectivity=connectivity).drain()

    assert report.stopped == "offline"
    assert [r.entry_id for r in report.results] == [first.entry_id]
    assert store.get_entry(first.entry_id).state == EntryState.QUEUED
    assert store.get_entry(second.entry_id).attempts == 0
    assert connectivity.state == ConnectivityState.OFFLINE


async def test_old_entries_are_held_not_sent(
    store: Store, impilo: FakeImpilo, clock: Clock
) -> None:
    old = store.enqueue(valid_draft(item_id=1), server=BASE_URL)
    clock.now += timedelta(hours=73).total_seconds()
    new = store.enqueue(valid_draft(item_id=2), server=BASE_URL)

    report = await sender(store, impilo).drain()

    assert {r.entry_id: r.outcome for r in report.results} == {
        old.entry_id: Outcome.HELD,
        new.entry_id: Outcome.SENT,
    }
    assert store.get_entry(old.entry_id).state == EntryState.HELD
    assert impilo.orders_with(old.client_reference) == []

    store.release_held(old.entry_id, server=BASE_URL)
    released = await sender(store, impilo).drain()
    assert released.results[0].outcome == Outcome.SENT
    assert len(impilo.orders_with(old.client_reference)) == 1


async def test_max_age_is_configurable(store: Store, impilo: FakeImpilo, clock: Clock) -> None:
    entry = store.enqueue(valid_draft(), server=BASE_URL)
    clock.now += 3 * 3600
    report = await sender(store, impilo, max_age=timedelta(hours=2)).drain()
    assert report.results[0].outcome == Outcome.HELD
    assert store.get_entry(entry.entry_id).state == EntryState.HELD


async def test_only_one_sender_at_a_time(store: Store, impilo: FakeImpilo) -> None:
    store.enqueue(valid_draft(), server=BASE_URL)
    assert store.acquire_sender_lock("someone-else", ttl=60)
    report = await sender(store, impilo).drain()
    assert report.lock_busy
    assert impilo.requests == 0


async def test_cancelled_mid_request_leaves_entry_in_doubt(
    store: Store, impilo: FakeImpilo, clock: Clock
) -> None:
    entry = store.enqueue(valid_draft(), server=BASE_URL)
    never = asyncio.Event()
    impilo.script.append(("block", never))

    task = asyncio.create_task(sender(store, impilo).drain())
    await asyncio.wait_for(impilo.blocked.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert store.get_entry(entry.entry_id).state == EntryState.IN_DOUBT
    assert store.sender_lock_holder() is None
    clock.now += DEFAULT_SETTLE + 1
    report = await sender(store, impilo).drain(due_only=False)
    assert report.results[0].outcome == Outcome.SENT
    assert impilo.lookups == [[entry.client_reference]]


async def test_failed_lookup_keeps_entry_in_doubt(store: Store, impilo: FakeImpilo) -> None:
    entry = store.enqueue(valid_draft(), server=BASE_URL)
    store.mark_sending(entry.entry_id)
    store.recover_interrupted()
    for _ in range(2):  # the client retries a GET once (max_attempts=2)
        impilo.lookup_script.append(("status", 502, {}, {}))

    report = await sender(store, impilo).drain()

    assert report.results[0].outcome == Outcome.RETRY
    assert store.get_entry(entry.entry_id).state == EntryState.IN_DOUBT
    assert impilo.posts == []  # never sent without a successful check


async def test_sender_stops_when_its_lock_was_taken_over(
    store: Store, impilo: FakeImpilo, clock: Clock
) -> None:
    first = store.enqueue(valid_draft(item_id=1), server=BASE_URL)
    second = store.enqueue(valid_draft(item_id=2), server=BASE_URL)
    # The other sender is on another computer sharing the folder, where this one's OS lock
    # does not reach: here, a file system without OS locks, so the row decides alone.
    store.sender_lock_file().mkdir()

    def stall_then_lose_lock() -> None:
        # The request hung past the lock's expiry and another sender took over meanwhile.
        clock.now += 120
        assert store.acquire_sender_lock("another-sender", ttl=60)

    impilo.script.append(("call", stall_then_lose_lock))
    report = await sender(store, impilo, lock_ttl=60).drain()

    assert report.stopped == "another sender took over"
    outcomes = [(r.entry_id, r.outcome) for r in report.results]
    assert outcomes == [(first.entry_id, Outcome.SENT), (second.entry_id, Outcome.SKIPPED)]
    assert store.get_entry(second.entry_id).attempts == 0  # never started: the lock was gone
    holder = store.sender_lock_holder()
    assert holder is not None
    assert holder.owner == "another-sender"  # not released by the sender that lost it


async def test_an_order_arriving_after_its_entry_was_settled_is_logged_without_patient_data(
    store: Store, impilo: FakeImpilo, caplog: pytest.LogCaptureFixture
) -> None:
    entry = store.enqueue(valid_draft(), server=BASE_URL)

    def settled_by_another_sender() -> None:
        # The request was in flight while a sender that took over adopted this very order.
        store.mark_sent(entry.entry_id, 4242, "order 4242 (it already existed)")

    impilo.script.append(("call", settled_by_another_sender))
    with caplog.at_level("WARNING", logger="impilo_desktop.sync.sender"):
        report = await sender(store, impilo).drain()

    assert report.results[0].outcome == Outcome.SKIPPED
    arrived = [r.message for r in caplog.records if "after the entry was settled" in r.message]
    assert len(arrived) == 1
    assert arrived[0].startswith(f"Entry {entry.entry_id}: order ")
    # The entry's id only: its repr carries the server's text (last_error, server_message),
    # which can name a patient.
    assert "OutboxEntry(" not in caplog.text

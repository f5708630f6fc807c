"""`mark_sending_batch` and `unmark_sending`: the pipelined sender's `sending` marks for a few
entries in one transaction that proves the lock, and their way back when never started;
`mark_sent_batch`: the `sent` marks of orders that came back together."""

from __future__ import annotations

from dataclasses import fields
from functools import cached_property

import pytest

from impilo_desktop.api.models import Order
from impilo_desktop.store import EntryState, OutboxEntry, SenderLease, SenderLockLost, Store
from impilo_desktop.store.entries import KEPT_BY_MARKS
from tests.store.samples import SERVER, valid_draft

OWNER = "this-sender"


def entries_of(store: Store, ids: list[int]) -> list[OutboxEntry]:
    return [store.get_entry(entry_id) for entry_id in ids]


def test_a_batch_is_marked_sending_in_one_go_under_the_lock(store: Store) -> None:
    entries = [store.enqueue(valid_draft(item_id=2000 + n), server=SERVER) for n in range(4)]
    ids = [entry.entry_id for entry in entries]
    store.mark_held(ids[1], "too old")  # no longer queued (the snapshot says queued): left out
    assert store.acquire_sender_lock(OWNER, 60)

    marked = store.mark_sending_batch(entries, SenderLease(OWNER, 300))

    assert [e.entry_id for e in marked] == [ids[0], ids[2], ids[3]]
    for entry in marked:
        assert (entry.state, entry.attempts) == (EntryState.SENDING, 1)
        assert entry.last_sent_at is not None
        assert entry == store.get_entry(entry.entry_id)  # as the mark left it, not read back
    assert store.get_entry(ids[1]).state == EntryState.HELD
    holder = store.sender_lock_holder()
    assert holder is not None
    assert holder.expires_at.timestamp() > store.now() + 200  # extended to the lease's ttl


def test_a_batch_changes_nothing_when_the_lock_is_not_ours(store: Store) -> None:
    ids = [store.enqueue(valid_draft(item_id=2000 + n), server=SERVER).entry_id for n in range(2)]
    assert store.acquire_sender_lock("someone-else", 60)
    with pytest.raises(SenderLockLost):
        store.mark_sending_batch(entries_of(store, ids), SenderLease(OWNER, 300))
    assert [store.get_entry(i).state for i in ids] == [EntryState.QUEUED] * 2
    assert [h.outcome for h in store.entry_history(ids[0])] == ["queued"]


def test_entries_never_started_go_back_to_queued_uncounted(store: Store) -> None:
    ids = [store.enqueue(valid_draft(item_id=2000 + n), server=SERVER).entry_id for n in range(3)]
    assert store.acquire_sender_lock(OWNER, 60)
    store.mark_sending_batch(entries_of(store, ids), SenderLease(OWNER, 300))
    store.mark_sent(ids[0], 9001)  # this one was sent meanwhile: not put back

    store.unmark_sending(ids, "the drain stopped before it was sent")

    assert store.get_entry(ids[0]).state == EntryState.SENT
    for entry_id in ids[1:]:
        entry = store.get_entry(entry_id)
        assert (entry.state, entry.attempts) == (EntryState.QUEUED, 0)
        assert store.entry_history(entry_id)[-1].outcome == "not_sent"


def test_an_in_doubt_entry_is_never_batched(store: Store) -> None:
    """A batch's marks may go back to `queued` (never started); an in-doubt entry must keep
    its lookup by reference, so it is not marked with a batch at all."""
    ids = [store.enqueue(valid_draft(item_id=2000 + n), server=SERVER).entry_id for n in range(2)]
    assert store.acquire_sender_lock(OWNER, 60)
    store.mark_sending(ids[0], SenderLease(OWNER, 300))
    store.mark_in_doubt(ids[0], "timed out")

    marked = store.mark_sending_batch(entries_of(store, ids), SenderLease(OWNER, 300))

    assert [e.entry_id for e in marked] == [ids[1]]
    assert store.get_entry(ids[0]).state == EntryState.IN_DOUBT


def test_orders_that_came_back_together_are_marked_sent_in_one_go(store: Store) -> None:
    ids = [store.enqueue(valid_draft(item_id=2000 + n), server=SERVER).entry_id for n in range(4)]
    assert store.acquire_sender_lock(OWNER, 60)
    store.mark_sending_batch(entries_of(store, ids), SenderLease(OWNER, 300))
    store.mark_in_doubt(ids[1], "timed out")  # in doubt: may still become sent
    store.mark_sent(ids[2], 9002)  # settled meanwhile (adopted by a sender that took over)
    store.mark_rejected(ids[3], "no", "rejected")
    store.discard_entry(ids[3])
    orders = {i: Order.model_validate({"id": 7000 + i}) for i in ids}

    marked = store.mark_sent_batch([(i, orders[i], f"order {7000 + i}") for i in ids])

    assert marked == [ids[0], ids[1]]
    for entry_id in marked:
        entry = store.get_entry(entry_id)
        assert (entry.state, entry.order_id) == (EntryState.SENT, 7000 + entry_id)
        assert store.entry_history(entry_id)[-1].detail == f"order {7000 + entry_id}"
        assert store.cached_order(7000 + entry_id) is not None
    # The one settled meanwhile keeps its own order; its late answer is not cached.
    assert store.get_entry(ids[2]).order_id == 9002
    assert store.cached_order(7000 + ids[2]) is None
    assert store.cached_order(7000 + ids[3]) is None


def test_a_marked_entry_keeps_the_draft_already_parsed(store: Store) -> None:
    """The drain parsed each draft to build its body: the marked entry it gets back carries
    that draft instead of parsing the stored JSON a second time."""
    entry = store.enqueue(valid_draft(item_id=2001), server=SERVER)
    draft = entry.draft
    assert store.acquire_sender_lock(OWNER, 60)

    [marked] = store.mark_sending_batch([entry], SenderLease(OWNER, 300))

    assert marked.draft is draft
    assert store.get_entry(entry.entry_id).draft == draft


class Labelled(OutboxEntry):
    """An entry with a cached value computed from what a mark changes (its state), as a later
    cached property of `OutboxEntry` might be."""

    @cached_property
    def label(self) -> str:
        return f"{self.state.value} after {self.attempts}"


def test_a_cached_value_a_mark_changes_is_computed_again_not_carried_over(store: Store) -> None:
    queued = store.enqueue(valid_draft(item_id=2001), server=SERVER)
    entry = Labelled(**{item.name: getattr(queued, item.name) for item in fields(queued)})
    assert entry.label == "queued after 0"
    draft = entry.draft
    assert store.acquire_sender_lock(OWNER, 60)

    [marked] = store.mark_sending_batch([entry], SenderLease(OWNER, 300))

    assert isinstance(marked, Labelled)
    assert marked.label == "sending after 1"
    assert marked.draft is draft  # parsed from JSON the mark did not change: kept


def test_a_mark_keeps_only_cached_values_and_builds_nothing_in_post_init() -> None:
    """`marked_sending` copies fields by name and keeps the cached values it names: both hold
    only while every name it keeps is a cached property and no field is computed on
    construction."""
    kept = [getattr(OutboxEntry, name, None) for name in KEPT_BY_MARKS]
    assert all(isinstance(value, cached_property) for value in kept)
    assert not hasattr(OutboxEntry, "__post_init__")


def test_landed_orders_and_the_next_marks_share_one_commit(store: Store) -> None:
    entries = [store.enqueue(valid_draft(item_id=2000 + n), server=SERVER) for n in range(4)]
    assert store.acquire_sender_lock(OWNER, 60)
    lease = SenderLease(OWNER, 300)
    landed = store.mark_sending_batch(entries[:2], lease)
    orders = {e.entry_id: Order.model_validate({"id": 8000 + e.entry_id}) for e in landed}
    sent = [(i, order, f"order {order.id}") for i, order in orders.items()]

    sent_ids, marked = store.mark_sent_and_sending(sent, entries[2:], lease)

    assert sent_ids == [e.entry_id for e in landed]
    assert [e.entry_id for e in marked] == [e.entry_id for e in entries[2:]]
    for entry_id, order in orders.items():
        assert store.get_entry(entry_id).state == EntryState.SENT
        assert store.cached_order(order.id or 0) is not None
    assert all(store.get_entry(e.entry_id).state == EntryState.SENDING for e in marked)


def test_a_lost_lock_records_neither_the_landed_orders_nor_the_marks(store: Store) -> None:
    """The caller records the landed orders on their own then (`mark_sent_batch`)."""
    entries = [store.enqueue(valid_draft(item_id=2000 + n), server=SERVER) for n in range(2)]
    assert store.acquire_sender_lock(OWNER, 60)
    [first] = store.mark_sending_batch(entries[:1], SenderLease(OWNER, 300))
    store.release_sender_lock(OWNER)
    assert store.acquire_sender_lock("someone-else", 60)
    order = Order.model_validate({"id": 8100})

    with pytest.raises(SenderLockLost):
        store.mark_sent_and_sending(
            [(first.entry_id, order, "order 8100")], entries[1:], SenderLease(OWNER, 300)
        )

    assert store.get_entry(first.entry_id).state == EntryState.SENDING
    assert store.get_entry(entries[1].entry_id).state == EntryState.QUEUED
    assert store.cached_order(8100) is None

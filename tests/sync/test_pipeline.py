"""The pipelined outbox (sync/pipeline.py): several creates in flight against the real sandbox
over loopback (which counts the creates it is answering at once), the window shrinking on 429
and 5xx and growing back, entries that need a lookup going alone, and the stop, cancel and
progress cases through the scripted transport."""

from __future__ import annotations

import asyncio

import pytest

from impilo_desktop.domain import OrderDraft, to_order_create
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import PATIENT_MATCH, EntryState, Store
from impilo_desktop.sync import API_KEY_REJECTED, EntryResult, OutboxSender, Outcome, StopReason
from impilo_desktop.sync.connectivity import ConnectivityState
from impilo_desktop.sync.window import MAX_IN_FLIGHT
from tests.store.samples import new_patient_draft, valid_draft
from tests.sync.fake_impilo import BASE_URL, FakeImpilo
from tests.sync.test_sandbox_sync import factory, make_sender, orders_with, sandbox_draft

pytestmark = pytest.mark.anyio

# Long enough that the next creates arrive while one is answered, on a loaded machine too;
# nothing below depends on how long it is.
LATENCY = 0.03


def queue_many(store: Store, sandbox: SandboxServer, count: int) -> list[int]:
    # Items rotated so that no seeded item runs out of sandbox stock.
    return [
        store.enqueue(sandbox_draft(1001 + n % 10), server=sandbox.base_url).entry_id
        for n in range(count)
    ]


async def test_up_to_four_creates_in_flight_each_order_once(
    store: Store, sandbox: SandboxServer
) -> None:
    ids = queue_many(store, sandbox, 16)
    sandbox.faults.latency = LATENCY
    progress: list[tuple[int, int]] = []

    report = await make_sender(store, sandbox).drain(
        progress=lambda done, total: progress.append((done, total))
    )

    assert sandbox.creates.most == MAX_IN_FLIGHT  # more than one, never more than four
    assert [r.outcome for r in report.results] == [Outcome.SENT] * 16
    assert progress == [(n, 16) for n in range(17)]
    for entry_id in ids:
        entry = store.get_entry(entry_id)
        assert entry.state == EntryState.SENT
        assert entry.attempts == 1
        assert await orders_with(sandbox, entry.client_reference) == [entry.order_id]
    # The window opens one at a time: the first create goes alone.
    assert sandbox.creates.arrivals[0] == 1


async def test_one_at_a_time_when_asked(store: Store, sandbox: SandboxServer) -> None:
    queue_many(store, sandbox, 6)
    sandbox.faults.latency = LATENCY
    report = await make_sender(store, sandbox, in_flight=1).drain()
    assert [r.outcome for r in report.results] == [Outcome.SENT] * 6
    assert sandbox.creates.most == 1


@pytest.mark.parametrize(
    ("fault", "state"), [("error", EntryState.IN_DOUBT), ("ratelimit", EntryState.QUEUED)]
)
async def test_window_drops_to_one_on_trouble_and_grows_back(
    store: Store, sandbox: SandboxServer, fault: str, state: EntryState
) -> None:
    queue_many(store, sandbox, 40)  # many left when the trouble comes
    sandbox.faults.latency = LATENCY
    marks: list[int] = []

    def on_result(result: EntryResult) -> None:
        sent = sum(1 for r in seen if r.outcome == Outcome.SENT)
        seen.append(result)
        if result.outcome == Outcome.SENT and sent + 1 == 10:  # the window had long been four
            sandbox.faults.force(fault)  # type: ignore[arg-type]  # the next create meets it
        if result.outcome == Outcome.RETRY:
            marks.append(len(sandbox.creates.arrivals))

    seen: list[EntryResult] = []
    report = await make_sender(store, sandbox).drain(on_result=on_result)

    [troubled] = [r for r in report.results if r.outcome == Outcome.RETRY]
    assert store.get_entry(troubled.entry_id).state == state
    arrivals = list(sandbox.creates.arrivals)
    [mark] = marks
    assert max(arrivals[:mark]) == MAX_IN_FLIGHT  # it had grown to four before
    # Once the trouble was heard (the creates already started still arriving), a create
    # went alone, the next with at most one other, and the window grew back to four.
    alone = arrivals.index(1, mark)
    assert arrivals[alone + 1] <= 2
    assert max(arrivals[alone:]) == MAX_IN_FLIGHT
    assert len(arrivals) == 40  # each entry posted once
    assert sum(1 for r in report.results if r.outcome == Outcome.SENT) == 39


async def test_orders_for_the_same_new_patient_never_both_create_them(
    store: Store, sandbox: SandboxServer
) -> None:
    def same_person(item_id: int) -> OrderDraft:
        return new_patient_draft(
            item_id=item_id, email="pipeline.twice@example.org", external_identifier="PIPE-2"
        )

    ids = queue_many(store, sandbox, 4)
    first = store.enqueue(same_person(1001), server=sandbox.base_url)
    ids += queue_many(store, sandbox, 4)
    second = store.enqueue(same_person(1002), server=sandbox.base_url)
    ids += queue_many(store, sandbox, 4)
    sandbox.faults.latency = LATENCY

    report = await make_sender(store, sandbox).drain()

    by_id = {r.entry_id: r.outcome for r in report.results}
    assert by_id[first.entry_id] == Outcome.SENT
    # The second order's check saw the patient the first one created (it went alone, once
    # the first had landed): held for the coordinator, not a second patient.
    held = store.get_entry(second.entry_id)
    assert (held.state, held.held_for) == (EntryState.HELD, PATIENT_MATCH)
    placed = store.cached_order(store.get_entry(first.entry_id).order_id or 0)
    assert placed is not None
    assert placed.patient is not None
    assert [m.patient_id for m in held.patient_matches] == [placed.patient.id]
    assert all(by_id[i] == Outcome.SENT for i in ids)
    assert sandbox.creates.most >= 2  # the plain orders around them were pipelined


async def test_a_spreadsheets_orders_are_looked_up_and_sent_together(
    store: Store, sandbox: SandboxServer
) -> None:
    drafts = []
    for n in range(12):
        draft = sandbox_draft(1001 + n % 10)
        draft.external_order_ids.append(f"SHEET-PIPE-{n}")
        drafts.append(draft)
    # One of them was placed before (from another computer): found by its order_ref.
    async with factory(sandbox) as client:
        earlier = await client.create_order(
            to_order_create(drafts[5], "impilo-desktop-another-computer")
        )
    batch = store.enqueue_batch(drafts, server=sandbox.base_url, file_name="orders.csv")
    sandbox.faults.latency = LATENCY
    sandbox.creates.reset()

    report = await make_sender(store, sandbox).drain()

    outcomes = [r.outcome for r in report.results]
    assert outcomes.count(Outcome.SENT) == 11
    assert outcomes.count(Outcome.ADOPTED) == 1
    assert sandbox.creates.most >= 2  # looked up, then pipelined
    for entry in store.list_outbox():
        if entry.import_batch != batch.batch_id:
            continue
        [ref] = entry.draft.external_order_ids
        history = [h.outcome for h in store.entry_history(entry.entry_id)]
        if ref == "SHEET-PIPE-5":
            assert entry.order_id == earlier.id  # not posted again
            assert "sending" not in history
        else:
            assert history.count("checked") == 1  # looked up before its create
            assert history.count("sending") == 1
            assert await orders_with(sandbox, entry.client_reference) == [entry.order_id]


# -- stop, cancel and progress, through the scripted transport ------------------------------


def fake_sender(store: Store, impilo: FakeImpilo, **kwargs: object) -> OutboxSender:
    return OutboxSender(store, impilo.factory(), **kwargs)  # type: ignore[arg-type]


async def test_a_stop_starts_no_new_create_and_lets_those_in_flight_finish(
    store: Store, impilo: FakeImpilo
) -> None:
    ids = [store.enqueue(valid_draft(item_id=2000 + n), server=BASE_URL).entry_id for n in range(9)]
    # Three answered (the window grows to four); the next four are held at Impilo until all
    # four are on their way; then the key is refused on the first of them, and the other
    # three are answered only once the refusal has paused the outbox.
    refuse, answer = asyncio.Event(), asyncio.Event()
    impilo.script.extend([("call", lambda: None)] * 3)
    impilo.script.append(("block", refuse, ("status", 401, {"message": "bad key"}, {})))
    impilo.script.extend([("block", answer, "create")] * 3)
    progress: list[tuple[int, int]] = []

    refused = asyncio.Event()  # the sender heard the refusal (and stopped, in that step)

    async def impilo_answers() -> None:
        await impilo.wait_blocked(4)
        refuse.set()
        await refused.wait()
        answer.set()

    sender = fake_sender(store, impilo)
    sender.connectivity.subscribe(
        lambda state, _message: refused.set() if state == ConnectivityState.UNAUTHORIZED else None
    )
    answering = asyncio.create_task(impilo_answers())
    report = await sender.drain(progress=lambda done, total: progress.append((done, total)))
    await answering

    outcomes = {r.entry_id: r.outcome for r in report.results}
    assert [outcomes[i] for i in ids[:3]] == [Outcome.SENT] * 3
    assert outcomes[ids[3]] == Outcome.PAUSED
    assert [outcomes[i] for i in ids[4:7]] == [Outcome.SENT] * 3  # in flight: finished
    assert len(impilo.posts) == 7  # nothing new started after the refusal
    assert report.stopped == StopReason.KEY_REFUSED
    assert report.paused == API_KEY_REJECTED
    assert progress == [(n, 9) for n in range(8)]
    assert store.get_entry(ids[3]).state == EntryState.QUEUED
    for entry_id in ids[7:]:
        entry = store.get_entry(entry_id)
        assert (entry.state, entry.attempts) == (EntryState.QUEUED, 0)


async def test_entries_not_started_stay_queued_uncounted_on_a_stop(
    store: Store, impilo: FakeImpilo
) -> None:
    ids = [
        store.enqueue(valid_draft(item_id=2000 + n), server=BASE_URL).entry_id for n in range(12)
    ]
    first, second = asyncio.Event(), asyncio.Event()
    refused: tuple[object, ...] = ("status", 401, {"message": "bad key"}, {})
    # Three answered: the window is four. Four creates then wait; when the first of them is
    # answered, the next entry is marked `sending` (only as many as the window has room for:
    # a mark never waits for room) and starts; then the key is refused.
    impilo.script.extend([("call", lambda: None)] * 3)
    impilo.script.append(("block", first, "create"))
    impilo.script.append(("block", second, refused))
    impilo.script.extend([("block", second, "create")] * 3)

    async def answer() -> None:
        await impilo.wait_blocked(4)
        first.set()
        await impilo.wait_blocked(5)
        second.set()

    answering = asyncio.create_task(answer())
    report = await fake_sender(store, impilo).drain()
    await answering

    outcomes = {r.entry_id: r.outcome for r in report.results}
    assert [outcomes[i] for i in ids[:4]] == [Outcome.SENT] * 4
    assert outcomes[ids[4]] == Outcome.PAUSED
    assert [outcomes[i] for i in ids[5:8]] == [Outcome.SENT] * 3
    assert report.stopped == StopReason.KEY_REFUSED
    assert len(impilo.posts) == 8
    for entry_id in ids[8:]:  # never marked, never started, not reported
        assert entry_id not in outcomes
        entry = store.get_entry(entry_id)
        assert (entry.state, entry.attempts) == (EntryState.QUEUED, 0)
    # A batch being marked when the refusal arrived (its `sending` commit runs on the
    # drain's writes thread) is put back: each entry marked went back to queued, none sent.
    history = [h for i in ids[8:] for h in store.entry_history(i)]
    marked = [h for h in history if h.outcome == "sending"]
    put_back = [h.detail for h in history if h.outcome == "not_sent"]
    assert put_back == ["the drain stopped before it was sent"] * len(marked)


async def test_a_cancelled_drain_leaves_every_create_in_flight_in_doubt(
    store: Store, impilo: FakeImpilo
) -> None:
    ids = [store.enqueue(valid_draft(item_id=2000 + n), server=BASE_URL).entry_id for n in range(9)]
    never = asyncio.Event()
    impilo.script.extend([("call", lambda: None)] * 3)
    impilo.script.extend([("block", never)] * 6)

    drain = asyncio.create_task(fake_sender(store, impilo).drain())
    await impilo.wait_blocked(4)
    drain.cancel()
    with pytest.raises(asyncio.CancelledError):
        await drain

    states = [store.get_entry(i).state for i in ids]
    assert states[:3] == [EntryState.SENT] * 3
    assert states[3:7] == [EntryState.IN_DOUBT] * 4  # on the wire when cancelled
    for entry_id in ids[7:]:  # never started: certainly not created
        entry = store.get_entry(entry_id)
        assert (entry.state, entry.attempts) == (EntryState.QUEUED, 0)
    assert store.sender_lock_holder() is None

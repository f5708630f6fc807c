"""A `sending` mark is made just before its create leaves, or (while creates come back quickly)
AHEAD windows' worth ahead, and then waits for room at most MARK_WAIT by the store's clock: the
wait before an in-doubt entry is looked up (`settle`) is counted from the mark, so a mark made
long before its POST would let that lookup come too early and the order be posted twice.
Creates here take 10 s each on the store's clock, answered in turn; one is refused with a 503
mid-drain (the window drops to one). In the app a commit takes milliseconds; here every answer
that lands meanwhile counts 10 s, which makes a mark that waited for room stand out: those
marked ahead go back to `queued` and are marked again when they go. And when the window
shrinks between a batch's marks and their creates, the marks that no longer fit go back to
`queued` at once (`Pipeline._requeue`)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from impilo_desktop.store import EntryState, Store
from impilo_desktop.sync import OutboxSender, Outcome
from impilo_desktop.sync.window import AHEAD, MARK_WAIT, MAX_IN_FLIGHT
from tests.store.samples import new_patient_draft, valid_draft
from tests.sync.conftest import Clock
from tests.sync.fake_impilo import BASE_URL, FakeImpilo

pytestmark = pytest.mark.anyio

ANSWER = 10.0  # seconds of the store's clock each create takes


async def test_each_create_leaves_in_the_turn_its_entry_was_marked(
    store: Store, impilo: FakeImpilo, clock: Clock
) -> None:
    for n in range(14):
        store.enqueue(valid_draft(item_id=2000 + n), server=BASE_URL)
    lags: list[float] = []
    answered = 0
    turn = asyncio.Condition()

    async def create(request: httpx.Request) -> httpx.Response:
        nonlocal answered
        body = json.loads(request.content)
        entry = store.find_entry(body["externalOrderIds"][-1])
        assert entry is not None
        assert entry.last_sent_at is not None
        lags.append(clock.now - entry.last_sent_at.timestamp())
        impilo.posts.append(body)
        mine = len(impilo.posts)
        # Answered in the order they arrived, one at a time, each taking ANSWER seconds.
        async with turn:
            await turn.wait_for(lambda: answered == mine - 1)
            # Let the others that are on their way arrive first (the window fills).
            for _ in range(20):
                turn.release()
                await asyncio.sleep(0)
                await turn.acquire()
            clock.now += ANSWER
            answered += 1
            turn.notify_all()
        if mine == 6:
            return httpx.Response(503, json={"message": "busy"})
        return httpx.Response(200, json=impilo._store(body))

    impilo._create = create  # type: ignore[method-assign]

    report = await OutboxSender(store, impilo.factory()).drain()

    assert len(report.results) == 14
    assert len(impilo.posts) == 14
    # A mark may precede its POST by the answers that came back while its own commit was on
    # the disk (the creates already in flight: fewer than MAX_IN_FLIGHT), never by a wait for
    # room in the window beyond MARK_WAIT (2 s; an answer here is 10 s): waiting for room
    # made it 6 answers here, growing with every answer the drop made the marked entries
    # wait for.
    assert max(lags) < MAX_IN_FLIGHT * ANSWER, lags


async def test_marks_that_no_longer_fit_a_shrunken_window_go_back_to_queued(
    store: Store, impilo: FakeImpilo
) -> None:
    """`Pipeline._requeue`. A spreadsheet's batch is looked up by its order_refs, then its
    entries are marked `sending` together; when one lookup times out (the connection gives
    no answer: a transport-level fault) the window drops to one, so of the others marked
    only one can start. The rest go back to `queued`, their attempt uncounted, and are
    looked up and marked again when they go: their marks never wait for room. Each order is
    created exactly once."""
    form = [store.enqueue(valid_draft(item_id=2000 + n), server=BASE_URL) for n in range(6)]
    # Goes alone: the window is empty (and at four) when the spreadsheet's batch is formed.
    alone = store.enqueue(new_patient_draft(), server=BASE_URL, new_patient_confirmed=True)
    drafts = []
    for n in range(4):
        draft = valid_draft(item_id=2100 + n)
        draft.external_order_ids.append(f"SHEET-ROOM-{n}")
        drafts.append(draft)
    batch = store.enqueue_batch(drafts, server=BASE_URL, file_name="orders.csv")
    sheet = [e for e in store.list_outbox() if e.import_batch == batch.batch_id]
    answer = impilo.handle

    async def first_ref_times_out(request: httpx.Request) -> httpx.Response:
        if "SHEET-ROOM-0" in request.url.params.get_list("externalOrderId"):
            raise httpx.ReadTimeout("no answer", request=request)
        return await answer(request)

    impilo.handle = first_ref_times_out  # type: ignore[method-assign]

    report = await OutboxSender(store, impilo.factory()).drain()

    outcomes = {r.entry_id: r.outcome for r in report.results}
    assert len(report.results) == 11  # each entry reported once
    assert outcomes[sheet[0].entry_id] == Outcome.RETRY
    assert impilo.orders_with(sheet[0].client_reference) == []
    for entry in [*form, alone, *sheet[1:]]:
        assert outcomes[entry.entry_id] == Outcome.SENT
        assert len(impilo.orders_with(entry.client_reference)) == 1
        assert store.get_entry(entry.entry_id).attempts == 1
    requeued = [
        e.entry_id
        for e in sheet
        if "not_sent" in [h.outcome for h in store.entry_history(e.entry_id)]
    ]
    assert requeued == [e.entry_id for e in sheet[2:]]  # s1 started; s2, s3 had no room
    for entry_id in requeued:
        history = [(h.outcome, h.detail) for h in store.entry_history(entry_id)]
        assert [outcome for outcome, _ in history if outcome != "checked"] == [
            "queued",
            "sending",
            "not_sent",
            "sending",
            "sent",
        ]
        assert ("not_sent", "waited for room; marked again when it goes") in history


async def test_the_next_entry_is_marked_while_a_quick_create_is_in_flight(
    store: Store, impilo: FakeImpilo
) -> None:
    """While creates come back quickly, the next batch's `sending` marks are committed before
    the window has room for them (the disk's wait overlaps the creates in flight), at most
    AHEAD windows' worth ahead: here, AHEAD entries. Each order is still created once, each mark
    committed before its POST."""
    ids = [store.enqueue(valid_draft(item_id=2000 + n), server=BASE_URL).entry_id for n in range(8)]
    posted: set[int] = set()
    ahead: list[int] = []

    async def create(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        entry = store.find_entry(body["externalOrderIds"][-1])
        assert entry is not None
        assert entry.state == EntryState.SENDING  # committed before its POST
        posted.add(entry.entry_id)
        marked = [e for e in store.list_outbox() if e.state == EntryState.SENDING]
        ahead.append(sum(1 for e in marked if e.entry_id not in posted))
        impilo.posts.append(body)
        return httpx.Response(200, json=impilo._store(body))

    impilo._create = create  # type: ignore[method-assign]

    report = await OutboxSender(store, impilo.factory(), in_flight=1).drain()

    assert [r.outcome for r in report.results] == [Outcome.SENT] * 8
    for entry_id in ids:
        entry = store.get_entry(entry_id)
        assert len(impilo.orders_with(entry.client_reference)) == 1
        assert entry.attempts == 1
    # The first create went with nothing marked ahead; once it came back (quickly), the next
    # 1 + AHEAD were marked in one commit, AHEAD of them ahead of their room; never more than
    # AHEAD windows. (Later marks ahead are committed while the create before them is on its
    # way: whether they are on the disk already when that create arrives is the threads' race.)
    assert ahead[:2] == [0, AHEAD]
    assert max(ahead) == AHEAD


async def test_a_mark_that_waited_too_long_for_room_is_never_posted(
    store: Store, impilo: FakeImpilo, clock: Clock
) -> None:
    """One create in flight at a time, each answered quickly by the loop's clock (so the next
    ones are marked ahead) but 10 s later by the store's: the entries marked ahead find their
    marks older than MARK_WAIT when room frees, go back to `queued` and are marked again. So
    every POST leaves within MARK_WAIT of its entry's mark (nothing else is in flight between
    a start and its POST here), and each order is created once."""
    ids = [store.enqueue(valid_draft(item_id=2000 + n), server=BASE_URL).entry_id for n in range(6)]
    lags: list[float] = []
    answer = impilo.handle

    async def slow_by_the_store(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            body = json.loads(request.content)
            entry = store.find_entry(body["externalOrderIds"][-1])
            assert entry is not None
            assert entry.last_sent_at is not None
            lags.append(clock.now - entry.last_sent_at.timestamp())
            response = await answer(request)
            clock.now += ANSWER
            return response
        return await answer(request)

    impilo.handle = slow_by_the_store  # type: ignore[method-assign]

    report = await OutboxSender(store, impilo.factory(), in_flight=1).drain()

    assert [r.outcome for r in report.results] == [Outcome.SENT] * 6
    assert len(lags) == 6
    assert max(lags) < MARK_WAIT, lags
    for entry_id in ids:
        entry = store.get_entry(entry_id)
        assert len(impilo.orders_with(entry.client_reference)) == 1
        assert entry.attempts == 1
    requeued = [
        entry_id
        for entry_id in ids
        if ("not_sent", "waited for room; marked again when it goes")
        in [(h.outcome, h.detail) for h in store.entry_history(entry_id)]
    ]
    assert requeued  # marks ahead were made, and put back

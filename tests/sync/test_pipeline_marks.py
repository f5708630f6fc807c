"""A `sending` mark is made just before its create leaves, never while the entry waits for
room in the window: the wait before an in-doubt entry is looked up (`settle`) is counted from
the mark, so a mark made long before its POST would let that lookup come too early and the
order be posted twice. Creates here take 10 s each on the store's clock, answered in turn; one
is refused with a 503 mid-drain (the window drops to one). In the app a commit takes
milliseconds; here every answer that lands meanwhile counts 10 s, which makes a mark that
waited for room stand out."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from impilo_desktop.store import Store
from impilo_desktop.sync import OutboxSender
from impilo_desktop.sync.pipeline import MAX_IN_FLIGHT
from tests.store.samples import valid_draft
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
    # room in the window: that made it 6 answers here, growing with every answer the drop
    # made the marked entries wait for.
    assert max(lags) < MAX_IN_FLIGHT * ANSWER, lags

"""Against servers that misbehave, the client and `sync --once` end promptly with a plain
message, never make two orders of one entry, and send a bounded number of requests (counted
by the server)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import UnexpectedResponse, Unreachable
from impilo_desktop.api.models import Site
from impilo_desktop.api.retry import RetryPolicy
from impilo_desktop.cli import main
from impilo_desktop.domain import OrderDraft, import_create_json
from impilo_desktop.store import EntryState, ReferenceKind, Store
from impilo_desktop.store.process_lock import process_alive
from impilo_desktop.sync import DEFAULT_SETTLE, OutboxSender, Outcome, ReferenceRefresher
from tests.misbehaving_server import KEY, Behaviour, MisbehavingServer
from tests.sync.conftest import Clock, keyed_store

pytestmark = pytest.mark.anyio

ORDER = {
    "patient": {"id": 10001, "firstName": "Lindiwe", "lastName": "Mokoena"},
    "orderItems": [{"item": {"id": 1001}, "count": 1}],
    "shippingOption": "standard",
}


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[MisbehavingServer]:
    behaviour = getattr(request, "param", Behaviour())
    with MisbehavingServer(behaviour) as running:
        yield running


@pytest.fixture
def order_file(tmp_path: Path) -> Path:
    path = tmp_path / "order.json"
    path.write_text(json.dumps(ORDER), encoding="utf-8")
    return path


@pytest.fixture
def with_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMPILO_API_KEY", KEY)


def client(server: MisbehavingServer, **options: object) -> ImpiloClient:
    return ImpiloClient(server.base_url, KEY, **options)  # type: ignore[arg-type]


def custom_store_path(app_home: Path) -> Path:
    """The store `--base-url <loopback>` files its drafts in: a custom profile's."""
    return app_home / "profiles" / "custom" / "impilo.sqlite3"


def custom_store(app_home: Path, clock: Callable[[], float] = time.time) -> Store:
    return keyed_store(custom_store_path(app_home), clock=clock)


# --- lists that never end ----------------------------------------------------------------------


@pytest.mark.parametrize("server", [Behaviour(endless_lists=True)], indirect=True)
async def test_client_stops_a_list_that_never_advances(server: MisbehavingServer) -> None:
    async with client(server) as impilo:
        with pytest.raises(UnexpectedResponse) as caught:
            _ = [s async for s in impilo.iterate_all(impilo.list_sites)]
    assert "same page" in caught.value.message
    assert server.count("GET", "/site") == 2  # page 1, then page 2 answered as page 1


@pytest.mark.parametrize("server", [Behaviour(endless_lists=True)], indirect=True)
def test_sync_once_against_endless_lists_ends_with_a_plain_message(
    server: MisbehavingServer, with_key: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["sync", "--once", "--base-url", server.base_url])

    err = capsys.readouterr().err
    assert code == 0  # nothing was waiting to be sent
    assert "Reference data not refreshed: Impilo sent the same page of a list again" in err
    assert sum(server.requests.values()) == 2, server.requests


@pytest.mark.parametrize("server", [Behaviour(endless_lists=True)], indirect=True)
async def test_a_list_cut_short_drops_nothing_from_the_cache(
    server: MisbehavingServer, tmp_path: Path
) -> None:
    with Store(tmp_path / "impilo.sqlite3") as store:
        known = [Site(id=i, name=f"Site {i}") for i in (1, 2, 3)]
        store.store_reference_page(ReferenceKind.SITE, known)
        refresher = ReferenceRefresher(store, lambda: client(server))
        with pytest.raises(UnexpectedResponse):
            await refresher.refresh([ReferenceKind.SITE])
        # Sites 2 and 3 were not seen again, but the list was not seen whole either.
        assert sorted(s.id or 0 for s in store.cached_sites()) == [1, 2, 3]
    assert server.count("GET", "/site") == 2


# --- a Retry-After of an hour -------------------------------------------------------------------


@pytest.mark.parametrize("server", [Behaviour(retry_after=3600)], indirect=True)
def test_an_hour_long_retry_after_schedules_the_entry_an_hour_later(
    server: MisbehavingServer,
    with_key: None,
    order_file: Path,
    app_home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["drafts", "import", str(order_file), "--base-url", server.base_url]) == 0
    before = time.time()

    code = main(["sync", "--once", "--base-url", server.base_url])

    out = capsys.readouterr()
    assert code == 1  # the entry waits
    assert "wait 60 minutes" in out.out + out.err
    # One create, one list: no early retries of either.
    assert server.requests == {"POST /order": 1, "GET /site": 1}, server.requests
    with custom_store(app_home) as store:
        [entry] = store.list_outbox()
    assert entry.state == EntryState.QUEUED  # a 429 created nothing
    assert entry.next_attempt_at is not None
    assert entry.next_attempt_at.timestamp() >= before + 3600 - 1


# --- answers that never finish or never stop ----------------------------------------------------


@pytest.mark.parametrize("server", [Behaviour(trickle=True)], indirect=True)
async def test_a_trickling_answer_is_cut_off_at_the_deadline(server: MisbehavingServer) -> None:
    retry = RetryPolicy(max_attempts=2, base_delay=0.01)
    async with client(server, deadline=0.5, timeout=10.0, retry=retry) as impilo:
        with pytest.raises(Unreachable) as caught:
            await impilo.list_sites()
    assert "did not finish answering in time" in caught.value.message
    assert server.count("GET", "/site") == 2  # each attempt ended by its deadline


@pytest.mark.parametrize("server", [Behaviour(trickle=True)], indirect=True)
async def test_a_trickling_create_leaves_the_entry_in_doubt_once(
    server: MisbehavingServer, tmp_path: Path
) -> None:
    with Store(tmp_path / "impilo.sqlite3") as store:
        entry = store.enqueue(_draft(), server=server.base_url)
        sender = OutboxSender(store, lambda: client(server, deadline=0.5, timeout=10.0))
        report = await sender.drain()
        assert report.results[0].outcome == Outcome.RETRY
        assert store.get_entry(entry.entry_id).state == EntryState.IN_DOUBT
    assert server.count("POST", "/order") == 1


@pytest.mark.parametrize("server", [Behaviour(body_bytes=3_000_000)], indirect=True)
async def test_an_oversized_answer_is_refused_unread(server: MisbehavingServer) -> None:
    async with client(server, max_body=1_000_000) as impilo:
        with pytest.raises(UnexpectedResponse) as caught:
            await impilo.list_sites()
    assert "larger answer than the app accepts" in caught.value.message
    assert server.count("GET", "/site") == 1


# --- a create held open past the lock's lifetime -------------------------------------------------


@pytest.mark.parametrize("server", [Behaviour(hold_until_released=True)], indirect=True)
async def test_the_lock_outlives_a_create_held_open_past_its_lifetime(
    server: MisbehavingServer, tmp_path: Path
) -> None:
    path = tmp_path / "impilo.sqlite3"
    with Store(path) as first_store, Store(path) as second_store:
        entry = first_store.enqueue(_draft(), server=server.base_url)
        first = OutboxSender(first_store, lambda: client(server), lock_ttl=0.4)
        draining = asyncio.create_task(first.drain())
        await asyncio.to_thread(server.create_received.wait, 10)
        taken_at = time.time()
        # Past the lifetime the lock had when the create started: the heartbeat kept it.
        await _until(lambda: time.time() > taken_at + 1.0)
        holder = second_store.sender_lock_holder()
        assert holder is not None
        assert holder.owner == first.owner

        second = OutboxSender(second_store, lambda: client(server), lock_ttl=0.4)
        assert (await second.drain()).lock_busy

        server.release_create.set()
        report = await draining
    assert report.results[0].outcome == Outcome.SENT
    assert server.count("POST", "/order") == 1
    assert [o["externalOrderIds"] for o in server.orders] == [[entry.client_reference]]


def _windows_like(_pid: int) -> bool:
    """As on Windows: a process id cannot tell a dead sender from a live one."""
    return True


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
@pytest.mark.parametrize("server", [Behaviour(hold_until_released=True)], indirect=True)
@pytest.mark.parametrize(
    "alive", [process_alive, _windows_like], ids=["pid-check", "no-pid-check-as-on-windows"]
)
async def test_a_sender_taking_over_waits_for_the_dead_senders_create_to_settle(
    server: MisbehavingServer,
    order_file: Path,
    app_home: Path,
    with_key: None,
    alive: Callable[[int], bool],
) -> None:
    assert main(["drafts", "import", str(order_file), "--base-url", server.base_url]) == 0
    # Another copy sends it and dies with the create still open on the server.
    dying = _sync_process(server, app_home)
    try:
        assert await asyncio.to_thread(server.create_received.wait, 60)
    finally:
        dying.send_signal(signal.SIGKILL)
        dying.wait(timeout=30)

    clock = Clock()
    with keyed_store(custom_store_path(app_home), clock=clock, process_alive=alive) as store:
        # The dead sender's row has minutes to live: it is not what lets the next one in.
        holder = store.sender_lock_holder()
        assert holder is not None
        assert holder.pid == dying.pid
        sender = OutboxSender(store, lambda: client(server))
        # The lock of a dead process is taken at once (the kernel released its OS lock); its
        # entry is in doubt, and its create may still be running: no lookup (an empty answer
        # could not be trusted), no send.
        early = await sender.drain(due_only=False)
        assert not early.lock_busy
        assert early.results[0].outcome == Outcome.RETRY
        assert "earlier attempt" in early.results[0].message
        assert server.count("GET", "/order") == 0
        assert server.count("POST", "/order") == 1

        server.release_create.set()  # the server finishes what it was given...
        assert await asyncio.to_thread(server.order_created.wait, 10)
        clock.now += DEFAULT_SETTLE + 1  # ...within the settle period after it was sent

        report = await sender.drain(due_only=False)
        [entry] = store.list_outbox()
    assert report.results[0].outcome == Outcome.ADOPTED
    assert entry.state == EntryState.SENT
    assert entry.order_id == server.orders[0]["id"]
    assert len(server.orders) == 1
    assert server.count("POST", "/order") == 1
    assert server.count("GET", "/order") == 1


# --- helpers --------------------------------------------------------------------------------------


def _draft() -> OrderDraft:
    result = import_create_json(ORDER)
    assert result.ok
    assert result.draft is not None
    return result.draft


def _sync_process(server: MisbehavingServer, app_home: Path) -> subprocess.Popen[bytes]:
    """`impilo-desktop sync --once` against `server`, as its own process."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "impilo_desktop",
            "sync",
            "--once",
            "--no-refresh",
            "--base-url",
            server.base_url,
        ],
        env={**os.environ, "IMPILO_DESKTOP_HOME": str(app_home), "IMPILO_API_KEY": KEY},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _until(condition: Callable[[], bool], limit: float = 10.0) -> None:
    """Let the loop run (the sender's heartbeat among it) until `condition` holds."""
    give_up = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < give_up, "condition not reached"
        await asyncio.sleep(0.02)

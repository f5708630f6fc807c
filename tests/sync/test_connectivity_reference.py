"""Connectivity notifications and the page-by-page reference refresh."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from impilo_desktop.api.errors import AuthenticationError, ServerError, Unreachable
from impilo_desktop.store import ReferenceKind, Store
from impilo_desktop.sync import Connectivity, ConnectivityState, ReferenceRefresher
from tests.sync.fake_impilo import FakeImpilo
from tests.test_memory import GLIBC


def test_connectivity_notifies_changes_only() -> None:
    connectivity = Connectivity()
    heard: list[tuple[ConnectivityState, str]] = []
    unsubscribe = connectivity.subscribe(lambda state, message: heard.append((state, message)))

    def broken(state: ConnectivityState, message: str) -> None:
        raise RuntimeError("a listener bug")

    connectivity.subscribe(broken)
    connectivity.report_success()
    connectivity.report_success()
    connectivity.report_error(ServerError())  # the server answered: still online
    connectivity.report_error(Unreachable())
    connectivity.report_error(AuthenticationError())
    unsubscribe()
    connectivity.report_success()

    assert [state for state, _ in heard] == [
        ConnectivityState.ONLINE,
        ConnectivityState.OFFLINE,
        ConnectivityState.UNAUTHORIZED,
    ]
    assert heard[1][1] == Unreachable.default_message
    assert connectivity.state == ConnectivityState.ONLINE


def _patients(n: int) -> list[dict[str, object]]:
    return [
        {"id": i, "firstName": f"P{i:04d}", "lastName": "Test", "site": {"id": i % 3}}
        for i in range(1, n + 1)
    ]


@pytest.mark.anyio
async def test_refresh_pages_with_progress_and_drops_stale(
    store: Store, impilo: FakeImpilo
) -> None:
    impilo.patients = _patients(250)
    seen: list[tuple[ReferenceKind, int, int]] = []
    refresher = ReferenceRefresher(store, impilo.factory(), page_size=100)

    report = await refresher.refresh(
        [ReferenceKind.PATIENT], progress=lambda kind, done, total: seen.append((kind, done, total))
    )

    assert report.stored[ReferenceKind.PATIENT] == 250
    assert seen == [(ReferenceKind.PATIENT, n, 250) for n in (100, 200, 250)]
    assert store.reference_count(ReferenceKind.PATIENT) == 250

    impilo.patients = impilo.patients[:120]  # Impilo no longer lists 130 of them
    again = await refresher.refresh([ReferenceKind.PATIENT])
    assert again.dropped[ReferenceKind.PATIENT] == 130
    assert store.reference_count(ReferenceKind.PATIENT) == 120
    assert store.reference_fetched_at(ReferenceKind.PATIENT) is not None


@pytest.mark.anyio
async def test_cancelled_refresh_keeps_pages_but_not_the_fetch_stamp(
    store: Store, impilo: FakeImpilo
) -> None:
    impilo.patients = _patients(300)
    refresher = ReferenceRefresher(store, impilo.factory(), page_size=100)
    tasks: list[asyncio.Task[object]] = []

    def progress(kind: ReferenceKind, done: int, total: int) -> None:
        tasks[0].cancel()  # the user pressed Cancel after the first page arrived

    tasks.append(asyncio.create_task(refresher.refresh([ReferenceKind.PATIENT], progress=progress)))
    task = tasks[0]
    with pytest.raises(asyncio.CancelledError):
        await task

    assert store.reference_count(ReferenceKind.PATIENT) == 100
    assert store.reference_fetched_at(ReferenceKind.PATIENT) is None


@pytest.mark.anyio
async def test_refresh_failure_updates_connectivity(store: Store) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"message": "expired"})

    from impilo_desktop.api.client import ImpiloClient

    connectivity = Connectivity()
    refresher = ReferenceRefresher(
        store,
        lambda: ImpiloClient("https://impilo.test", "k", transport=httpx.MockTransport(refuse)),
        connectivity=connectivity,
    )
    with pytest.raises(AuthenticationError):
        await refresher.refresh()
    assert connectivity.state == ConnectivityState.UNAUTHORIZED


@pytest.mark.anyio
@pytest.mark.skipif(not GLIBC, reason="memory is returned through glibc's malloc_trim only")
async def test_a_refresh_returns_freed_memory_however_it_ends(
    store: Store, impilo: FakeImpilo, caplog: pytest.LogCaptureFixture
) -> None:
    impilo.patients = _patients(250)
    refresher = ReferenceRefresher(store, impilo.factory(), page_size=100)

    def returned() -> int:
        return sum("after the reference refresh" in r.getMessage() for r in caplog.records)

    with caplog.at_level(logging.DEBUG, logger="impilo_desktop.memory"):
        await refresher.refresh([ReferenceKind.PATIENT])
        assert returned() == 1  # once, at the end: not per page

        def stop(kind: ReferenceKind, done: int, total: int) -> None:
            refresher.stop_after_page()

        with pytest.raises(asyncio.CancelledError):
            await refresher.refresh([ReferenceKind.PATIENT], progress=stop)
        assert returned() == 2

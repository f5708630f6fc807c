"""OrderHistoryModel against an injected page source (no network): paging, dedup, sort,
filter, load-all and the model contract."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from impilo_desktop.api.models import Order, Page
from impilo_desktop.ui.history.filters import LocalFilter, OrderQuery
from impilo_desktop.ui.history.model import ROW_ROLE, OrderHistoryModel
from impilo_desktop.ui.history.order_row import Column
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.ui.plumbing.freed_memory import FreedMemoryAfterBurst
from tests.test_memory import GLIBC


def make_order(i: int, status: str = "shipped", site: int = 1) -> Order:
    return Order.model_validate(
        {
            "id": i,
            "currentStatus": status,
            "patient": {
                "id": 1000 + i,
                "firstName": f"Pat{i}",
                "lastName": "Doe",
                "site": {"id": site, "name": f"Site {site}"},
            },
            "orderItems": [{"item": {"id": 5, "name": "Scale"}, "count": 1}],
            "orderEvents": [
                {"name": "orderPlaced", "eventTimestamp": f"2026-01-{1 + i % 28:02d}T10:00:00Z"}
            ],
        }
    )


class FakeServer:
    """Serves `n` orders in pages and counts requests."""

    def __init__(self, n: int) -> None:
        self.orders = [
            make_order(i, "shipped" if i % 2 else "delivered", 1 + i % 3) for i in range(1, n + 1)
        ]
        self.requests: list[tuple[OrderQuery, int, int]] = []

    async def fetch_page(self, query: OrderQuery, page: int, size: int) -> Page[Order]:
        self.requests.append((query, page, size))
        chunk = self.orders[(page - 1) * size : page * size]
        return Page[Order](
            content=chunk,
            page=page,
            size=size,
            total=len(self.orders),
            last=page * size >= len(self.orders),
        )


@pytest.fixture
def bridge() -> Iterator[AsyncBridge]:
    b = AsyncBridge()
    yield b
    b.close()


def test_pages_on_demand_and_contract(
    qtbot: QtBot, qtmodeltester: ModelTester, bridge: AsyncBridge
) -> None:
    server = FakeServer(25)
    model = OrderHistoryModel(bridge, server.fetch_page, page_size=10)
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() == 10, timeout=20_000)
    assert len(server.requests) == 1
    assert model.canFetchMore()
    model.fetchMore()
    model.fetchMore()  # ignored: one request in flight at a time
    qtbot.waitUntil(lambda: model.rowCount() == 20, timeout=20_000)
    assert len(server.requests) == 2
    model.fetchMore()
    qtbot.waitUntil(lambda: model.rowCount() == 25, timeout=20_000)
    assert not model.canFetchMore()
    assert model.exhausted
    qtmodeltester.check(model)
    model.sort(Column.ORDER_ID, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, Column.ORDER_ID)) == "25"
    row: Any = model.data(model.index(0, 0), ROW_ROLE)
    assert row.order_id == 25
    qtmodeltester.check(model)


def test_local_filter_and_load_all(qtbot: QtBot, bridge: AsyncBridge) -> None:
    server = FakeServer(45)
    model = OrderHistoryModel(bridge, server.fetch_page, page_size=10)
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() == 10, timeout=20_000)
    model.set_local_filter(LocalFilter(statuses=frozenset({"delivered"}), site_id=None))
    assert model.rowCount() == 5
    assert not model.canFetchMore()  # scrolling must not pull the server list while filtered
    with qtbot.waitSignal(model.load_all_finished, timeout=10_000) as blocker:
        model.load_all_matching()
    assert blocker.args == [True]
    assert model.loaded_count == 45
    assert model.rowCount() == 22
    assert all(r.status == "delivered" for r in model.rows())


def test_duplicate_orders_update_in_place(qtbot: QtBot, bridge: AsyncBridge) -> None:
    server = FakeServer(10)
    model = OrderHistoryModel(bridge, server.fetch_page, page_size=10)
    model.reload()
    qtbot.waitUntil(lambda: model.rowCount() == 10, timeout=20_000)
    model.upsert_order(make_order(3, "voided"))
    assert model.rowCount() == 10
    assert model.data(model.index(model.row_of(3), Column.STATUS)) == "Voided"
    model.upsert_order(make_order(99, "orderPlaced"))
    assert model.rowCount() == 11
    assert model.row_of(99) == 0


def _returned(caplog: pytest.LogCaptureFixture, after: str) -> int:
    return sum(f"after {after}" in r.getMessage() for r in caplog.records)


@pytest.mark.skipif(not GLIBC, reason="memory is returned through glibc's malloc_trim only")
def test_a_burst_returns_freed_memory_once_it_is_quiet(
    qtbot: QtBot, bridge: AsyncBridge, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="impilo_desktop.memory")
    freed = FreedMemoryAfterBurst(bridge, "a burst", quiet_ms=50)
    for _ in range(5):  # five pages, no quiet between them
        freed.noted()
    qtbot.waitUntil(lambda: _returned(caplog, "a burst") > 0, timeout=10_000)
    assert _returned(caplog, "a burst") == 1


@pytest.mark.skipif(not GLIBC, reason="memory is returned through glibc's malloc_trim only")
def test_history_pages_return_freed_memory_when_they_stop(
    qtbot: QtBot, bridge: AsyncBridge, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="impilo_desktop.memory")
    server = FakeServer(45)
    model = OrderHistoryModel(bridge, server.fetch_page, page_size=10)
    model.reload()
    with qtbot.waitSignal(model.load_all_finished, timeout=10_000):
        model.load_all_matching()
    qtbot.waitUntil(lambda: _returned(caplog, "history pages") > 0, timeout=10_000)

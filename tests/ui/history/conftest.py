"""Fixtures for the history page (the bridge and real services on the sandbox come from
tests/ui/conftest.py)."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest
from pytestqt.qtbot import QtBot

from impilo_desktop.api.models import (
    ItemRef,
    Order,
    OrderCreate,
    OrderItemCreate,
    PatientRef,
    ShippingOption,
)
from impilo_desktop.ui.history.view import OrderHistoryView
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.ui.plumbing.services import AppServices

T = TypeVar("T")


def run(qtbot: QtBot, bridge: AsyncBridge, coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on the bridge and wait (with Qt events flowing) for its result."""
    job = bridge.submit(coro)
    qtbot.waitUntil(job.done, timeout=20_000)
    result: T = job.future.result()
    return result


async def place_order(services: AppServices, reference: str) -> int:
    """A fresh patient order for an orderable item (status orderPlaced); its id."""
    client = services.client()
    items = await client.list_items(page=1, size=100)
    item = next(i for i in items.content if i.orderable and i.id is not None)
    patients = await client.list_patients(page=1, size=1)
    patient = patients.content[0]
    assert patient.id is not None
    assert item.id is not None
    order = await client.create_order(
        OrderCreate(
            patient=PatientRef(
                id=patient.id, first_name=patient.first_name, last_name=patient.last_name
            ),
            order_items=[OrderItemCreate(item=ItemRef(id=item.id), count=1)],
            external_order_ids=[reference],
            shipping_option=ShippingOption.STANDARD,
        )
    )
    assert order.id is not None
    return order.id


def saved_order(qtbot: QtBot, services: AppServices, order_id: int) -> Order:
    """A listed order as the order cache keeps it (rows keep only their texts; every page
    is saved to the cache on the bridge, so wait for it)."""
    found: list[Order] = []

    def saved() -> bool:
        order = services.store.cached_order(order_id)
        if order is not None:
            found.append(order)
        return bool(found)

    qtbot.waitUntil(saved, timeout=20_000)
    return found[0]


@pytest.fixture
def history(qtbot: QtBot, services: AppServices) -> OrderHistoryView:
    """The history page with small pages, shown, first page loaded."""
    view = OrderHistoryView(services, page_size=20, poll_interval_seconds=3600)
    qtbot.addWidget(view)
    view.resize(1400, 800)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=20_000)
    return view

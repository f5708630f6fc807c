"""The needs-action count after a history page: read again only when the page can change it.

Every page saved to the cache used to re-read and parse every cached order needing action,
work per page that grew with the cache while the coordinator scrolled. Now a page that says
nothing new about those orders asks for no read; one that does (an order needing action not
counted, in another state than counted, or counted and no longer needing action) reads the
cache again, and the count follows. Real services on the sandbox; the orders are Impilo's."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from impilo_desktop.api.models import Order
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.ui.history.needs_action import NeedsActionOrders
from impilo_desktop.ui.plumbing.services import AppServices

from .conftest import place_order, run


def fetched(qtbot: QtBot, services: AppServices, order_id: int) -> Order:
    order: Order = run(qtbot, services.bridge, services.client().get_order(order_id))
    return order


def read(qtbot: QtBot, needs: NeedsActionOrders) -> None:
    """Wait for the read under way to answer."""
    qtbot.waitUntil(lambda: not needs.reading, timeout=20_000)


def test_a_page_reads_the_count_again_only_when_it_changes_it(
    qtbot: QtBot, services: AppServices, sandbox: SandboxServer
) -> None:
    waiting_id = run(qtbot, services.bridge, place_order(services, "count-waiting"))
    other_id = run(qtbot, services.bridge, place_order(services, "count-other"))
    sandbox.put_in_needs_action(waiting_id, "reconfirmAddress")
    waiting = fetched(qtbot, services, waiting_id)
    other = fetched(qtbot, services, other_id)
    services.store.cache_orders([waiting, other])

    needs = NeedsActionOrders(services)
    needs.refresh_after_page([other])  # never read yet: reads whatever the page
    assert needs.reading
    read(qtbot, needs)
    assert [row.order_id for row in needs.rows] == [waiting_id]
    counted = needs.count

    # Nothing new about the orders needing action: no read.
    needs.refresh_after_page([waiting, other])
    assert not needs.reading
    needs.refresh_after_page([])
    assert not needs.reading

    # The other order now needs action too: read, and counted.
    sandbox.put_in_needs_action(other_id, "pendingAdditionalInformation")
    other = fetched(qtbot, services, other_id)
    services.store.cache_orders([other])
    needs.refresh_after_page([other])
    assert needs.reading
    read(qtbot, needs)
    assert counted is not None
    assert needs.count == counted + 1

    # A counted order in another state that needs action: read (the rows show its state).
    changed = waiting.model_copy(update={"current_status": "pendingAdditionalInformation"})
    services.store.cache_orders([changed])
    needs.refresh_after_page([changed])
    assert needs.reading
    read(qtbot, needs)
    assert {row.order_id: row.status for row in needs.rows}[waiting_id] == (
        "pendingAdditionalInformation"
    )

    # A counted order that no longer needs action: read, and no longer counted.
    done = waiting.model_copy(update={"current_status": "awaitingShipment"})
    services.store.cache_orders([done])
    needs.refresh_after_page([done])
    assert needs.reading
    read(qtbot, needs)
    assert needs.count == counted
    assert waiting_id not in {row.order_id for row in needs.rows}


def test_a_page_during_a_read_reads_again(
    qtbot: QtBot, services: AppServices, sandbox: SandboxServer
) -> None:
    # The rows are not current while a read is under way: the page cannot be judged by them.
    order_id = run(qtbot, services.bridge, place_order(services, "count-during"))
    sandbox.put_in_needs_action(order_id, "reconfirmAddress")
    order = fetched(qtbot, services, order_id)
    needs = NeedsActionOrders(services)
    needs.refresh()
    services.store.cache_orders([order])
    needs.refresh_after_page([])  # asked while the first read may not have seen the order
    read(qtbot, needs)
    assert order_id in {row.order_id for row in needs.rows}

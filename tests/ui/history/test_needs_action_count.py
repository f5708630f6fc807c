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
from impilo_desktop.ui.history.view import OrderHistoryView
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


def test_pages_during_a_read_are_judged_by_what_it_reads(
    qtbot: QtBot, services: AppServices, sandbox: SandboxServer
) -> None:
    # A page saved while a read is under way may or may not be in what that read sees: it is
    # judged by the rows the read brings, and read again only if it changes them.
    order_id = run(qtbot, services.bridge, place_order(services, "count-during"))
    sandbox.put_in_needs_action(order_id, "reconfirmAddress")
    order = fetched(qtbot, services, order_id)
    needs = NeedsActionOrders(services)
    needs.refresh()
    read(qtbot, needs)
    counted = needs.count

    needs.refresh()
    services.store.cache_orders([order])  # saved while the read may not have seen it
    needs.refresh_after_page([order])
    assert needs.reading
    read(qtbot, needs)  # and the second read, if the first did not see the order
    assert order_id in {row.order_id for row in needs.rows}
    assert counted is not None
    assert needs.count == counted + 1

    # Pages that change nothing, during a read ("Load all"): no read after it for them.
    answers: list[int] = []
    needs.changed.connect(answers.append)  # one per read answered
    needs.refresh()
    for _ in range(3):
        needs.refresh_after_page([order])
    read(qtbot, needs)
    assert len(answers) == 1


def test_the_needs_action_view_keeps_cached_orders_after_a_reload(
    qtbot: QtBot, services: AppServices
) -> None:
    # With Needs action on, orders the cache knows but no loaded page shows are included in
    # the list; a reload (Refresh) starts the list again and must bring them back with its
    # first page, not only after the next read of the cache (review of the change above).
    view = OrderHistoryView(services, page_size=20, poll_interval_seconds=3600)
    qtbot.addWidget(view)
    view.resize(1400, 800)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() > 0, timeout=20_000)
    page3 = run(qtbot, services.bridge, services.client().list_orders(page=3, size=20))
    old = page3.content[0]
    assert old.id is not None
    assert not view.model.has_order(old.id)
    services.store.cache_orders([old.model_copy(update={"current_status": "reconfirmAddress"})])
    view.needs.refresh()
    read(qtbot, view.needs)
    view.show_needs_action()
    assert view.model.has_order(old.id)

    with qtbot.waitSignal(view.model.page_loaded, timeout=20_000):
        view.refresh()

    assert view.model.has_order(old.id)

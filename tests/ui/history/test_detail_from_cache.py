"""The detail panel reads the chosen order from the order cache (rows keep only their texts,
issue 16 memory): by keyboard, after scrolling far, "Loading order N…" for the moment it
takes; an order missing from the cache is fetched from Impilo, or offline said to be missing
in plain words."""

from __future__ import annotations

from pydantic import ValidationError
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.ui.history.view import OrderHistoryView
from impilo_desktop.ui.plumbing.services import AppServices

from .conftest import run, saved_order


def _shows(history: OrderHistoryView, order_id: int) -> bool:
    order = history.detail.order
    return order is not None and order.id == order_id


def _current_id(history: OrderHistoryView) -> int:
    row = history.model.row_at(history.table.currentIndex().row())
    assert row is not None
    return row.order_id


def test_the_chosen_order_is_read_from_the_cache_after_scrolling_far(
    qtbot: QtBot, history: OrderHistoryView, services: AppServices
) -> None:
    model = history.model
    while model.rowCount() < 100:  # five pages of 20, the way a coordinator scrolls
        loaded = model.rowCount()

        def more(n: int = loaded) -> bool:
            return model.rowCount() > n and not model.loading

        history.table.scrollToBottom()
        qtbot.waitUntil(more, timeout=20_000)
    history.table.setFocus()
    qtbot.keyClick(history.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    far = _current_id(history)
    assert history.table.currentIndex().row() >= 99
    # Read on the bridge: until it arrives the panel says what it is doing.
    assert history.detail.is_empty
    assert history.detail.empty.title.text() == f"Loading order {far}\N{HORIZONTAL ELLIPSIS}"
    qtbot.waitUntil(lambda: _shows(history, far), timeout=20_000)
    # The order as Impilo sent it: the patient's phone and street, which the cache leaves
    # out, come back from the row.
    assert history.detail.order == run(qtbot, services.bridge, services.client().get_order(far))
    assert f"Order {far}" in history.detail.text()
    assert not history.detail.source_label.isVisible()  # online: not called a saved copy
    # Up twice in a row: the panel ends on the row the keyboard ended on.
    qtbot.keyClick(history.table, Qt.Key.Key_Up)
    qtbot.keyClick(history.table, Qt.Key.Key_Up)
    above = _current_id(history)
    assert above != far
    qtbot.waitUntil(lambda: _shows(history, above), timeout=20_000)
    assert history.detail.order == run(qtbot, services.bridge, services.client().get_order(above))


def test_online_the_patients_phone_and_street_are_shown_though_the_cache_drops_them(
    qtbot: QtBot, history: OrderHistoryView, services: AppServices
) -> None:
    row = next(r for r in history.model.rows() if r.dropped)
    cached = saved_order(qtbot, services, row.order_id)
    assert cached.patient is not None
    assert cached.patient.phone_number is None  # docs/decisions.md "Patient data at rest"
    live = run(qtbot, services.bridge, services.client().get_order(row.order_id))
    assert live.patient is not None
    assert live.patient.phone_number
    history.table.setFocus()
    history.show_order(row.order_id)  # a loaded row: selected, read from the cache
    qtbot.waitUntil(lambda: _shows(history, row.order_id), timeout=20_000)
    assert history.detail.order == live
    assert live.patient.phone_number in history.detail.text()


def test_an_order_missing_from_the_cache_is_fetched_from_impilo(
    qtbot: QtBot, history: OrderHistoryView, services: AppServices
) -> None:
    qtbot.waitUntil(lambda: len(services.store.cached_orders()) >= 20, timeout=20_000)
    assert services.store.prune_cached_orders(keep_days=-1) > 0  # the cache emptied
    history.table.setFocus()
    qtbot.keyClick(history.table, Qt.Key.Key_Down)
    wanted = _current_id(history)
    qtbot.waitUntil(lambda: _shows(history, wanted), timeout=20_000)
    assert f"Order {wanted}" in history.detail.text()
    # Saved again, so the next look needs no network.
    qtbot.waitUntil(lambda: services.store.cached_order(wanted) is not None, timeout=20_000)


def test_offline_a_row_whose_saved_order_is_missing_says_so(
    qtbot: QtBot, history: OrderHistoryView, services: AppServices, sandbox: SandboxServer
) -> None:
    qtbot.waitUntil(lambda: len(services.store.cached_orders()) >= 20, timeout=20_000)
    sandbox.stop()
    history.refresh()
    qtbot.waitUntil(lambda: history.offline and history.model.rowCount() >= 20, timeout=60_000)
    rows = history.model.rowCount()
    assert services.store.prune_cached_orders(keep_days=-1) > 0
    history.table.setFocus()
    qtbot.keyClick(history.table, Qt.Key.Key_Down)
    missing = _current_id(history)
    title = history.detail.empty.title
    qtbot.waitUntil(
        lambda: title.text() == f"Order {missing} is not saved on this computer", timeout=20_000
    )
    assert history.detail.is_empty
    assert "once Impilo can be reached" in history.detail.empty.hint.text()
    assert history.model.rowCount() >= rows  # the list loses nothing (it may load on)
    sandbox.start()


def _spoil_saved_copy(services: AppServices, order_id: int) -> None:
    """A saved copy the current order model rejects (as one saved by an older version
    could be), written into the real database."""

    def spoil(conn: object) -> None:
        conn.execute(  # type: ignore[attr-defined]
            "UPDATE order_cache SET body = ? WHERE order_id = ?",
            ('{"id": "not a number"}', order_id),
        )

    services.store._db.write(spoil)


def test_a_saved_copy_that_cannot_be_read_is_fetched_online_and_said_offline(
    qtbot: QtBot, history: OrderHistoryView, services: AppServices, sandbox: SandboxServer
) -> None:
    qtbot.waitUntil(lambda: len(services.store.cached_orders()) >= 20, timeout=20_000)
    first, second = (r.order_id for r in history.model.rows()[1:3])
    _spoil_saved_copy(services, first)
    history.table.setFocus()
    qtbot.keyClick(history.table, Qt.Key.Key_Down)
    assert _current_id(history) == first
    # Online: Impilo sends it (and it is saved again), no "Loading…" for good.
    qtbot.waitUntil(lambda: _shows(history, first), timeout=20_000)

    def saved_again() -> bool:
        # The copy is saved again on the bridge, after the detail shows: until then the
        # spoiled one is still there.
        try:
            order = services.store.cached_order(first)
        except ValidationError:
            return False
        return order is not None and order.id == first

    qtbot.waitUntil(saved_again, timeout=20_000)

    sandbox.stop()
    history.refresh()
    qtbot.waitUntil(lambda: history.offline and history.model.rowCount() >= 20, timeout=60_000)
    _spoil_saved_copy(services, second)
    history.show_order(second)
    title = history.detail.empty.title
    qtbot.waitUntil(
        lambda: title.text() == f"Order {second} cannot be shown just now", timeout=20_000
    )
    assert "could not be read" in history.detail.empty.hint.text()
    # Chosen again: tried again (not ignored as still loading).
    history.show_order(first)
    qtbot.waitUntil(lambda: _shows(history, first), timeout=20_000)
    history.show_order(second)
    qtbot.waitUntil(
        lambda: title.text() == f"Order {second} cannot be shown just now", timeout=20_000
    )
    sandbox.start()

"""Where the keyboard focus goes after a picker closes, and transient messages that must not
outlive the order they were about."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from impilo_desktop.ui.order_entry.banner import BannerKind
from impilo_desktop.ui.order_entry.view import OrderEntryView

from .conftest import WAIT_MS
from .test_order_flows import choose_patient, orderable_items, scan

Enter = Qt.Key.Key_Return


def _activate(qtbot: QtBot, view: OrderEntryView) -> None:
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)


def test_choosing_a_patient_moves_on_to_the_items(qtbot: QtBot, view: OrderEntryView) -> None:
    _activate(qtbot, view)
    patient = next(r for r in view.form.patient_picker.model.records if not r.archived)
    view.form.patient_picker.setFocus()
    choose_patient(qtbot, view, patient.external_identifier)
    # Not left on "Change…", where the next keystrokes would go nowhere.
    assert QApplication.focusWidget() is view.form.item_search.search_field


def test_choosing_the_site_kind_moves_to_the_site_search(
    qtbot: QtBot, view: OrderEntryView
) -> None:
    _activate(qtbot, view)
    f = view.form
    f.site_button.setFocus()
    qtbot.keyClick(f.site_button, Qt.Key.Key_Space)  # what Alt+S does: check it
    assert f.site_button.isChecked()
    assert QApplication.focusWidget() is f.site_picker.search_field
    site = f.site_picker.model.records[0]
    qtbot.keyClicks(QApplication.focusWidget(), site.name)
    qtbot.keyClick(f.site_picker.search_field, Enter)
    assert view.draft.site is not None
    assert QApplication.focusWidget() is f.item_search.search_field


def test_item_status_clears_when_the_order_is_submitted(qtbot: QtBot, view: OrderEntryView) -> None:
    f = view.form
    patient = next(r for r in f.patient_picker.model.records if not r.archived)
    choose_patient(qtbot, view, patient.external_identifier)
    item = orderable_items(view)[0]
    scan(qtbot, view, item.sku)
    assert f.item_search.status.isVisibleTo(view)
    assert "Added" in f.item_search.status.text()
    qtbot.keyClicks(f.kit_search.search_field, "zz-no-such-kit")
    view.submit()
    qtbot.waitUntil(lambda: f.banner.kind == BannerKind.SUCCESS, timeout=WAIT_MS)
    assert not f.item_search.status.isVisibleTo(view)
    assert f.item_search.status.text() == ""
    assert f.kit_search.search_field.text() == ""
    assert not f.kit_search.status.isVisibleTo(view)
    assert not f.kit_search.results.isVisibleTo(view)


def test_item_status_clears_when_a_new_order_starts(qtbot: QtBot, view: OrderEntryView) -> None:
    f = view.form
    scan(qtbot, view, orderable_items(view)[0].sku)
    assert f.item_search.status.isVisibleTo(view)
    view.new_order()
    assert not f.item_search.status.isVisibleTo(view)


def test_picker_header_click_sorts_in_the_model(qtbot: QtBot, view: OrderEntryView) -> None:
    picker = view.form.patient_picker
    qtbot.keyClicks(picker.search_field, "smi")
    qtbot.waitUntil(picker.results.isVisible)
    header = picker.results.horizontalHeader()
    births = 1  # Name, Date of birth, ...
    assert header.isSortIndicatorShown()
    x = header.sectionViewportPosition(births) + header.sectionSize(births) // 2
    y = header.height() // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    model = picker.model
    shown = [model.record(r) for r in range(model.rowCount())]
    dates = [r.date_of_birth for r in shown if r is not None]
    assert len(dates) > 2
    assert dates == sorted(dates) or dates == sorted(dates, reverse=True)
    assert header.sortIndicatorSection() == births
    assert picker.results.model() is model  # no proxy in between


def test_problem_labels_take_the_dark_colours(qtbot: QtBot, view: OrderEntryView) -> None:
    """Switched to dark while the page is hidden (Settings > View > Appearance): the inline
    problems must not keep the light theme's dark red on a dark page."""
    from PySide6.QtGui import QPalette

    from impilo_desktop.ui.plumbing.theme import DARK_STATUS, LIGHT_STATUS, scheme_follower

    def colour(label: QLabel) -> str:
        return label.palette().color(QPalette.ColorRole.WindowText).name()

    f = view.form
    view.submit()  # nothing chosen yet: the recipient problem shows
    assert f.recipient_error.isVisibleTo(view)
    follower = scheme_follower()
    try:
        follower.set_scheme(Qt.ColorScheme.Light)
        assert colour(f.recipient_error) == LIGHT_STATUS.bad
        view.hide()
        follower.set_scheme(Qt.ColorScheme.Dark)
        view.show()
        assert colour(f.recipient_error) == DARK_STATUS.bad
        assert colour(f.reason_label) == DARK_STATUS.bad
    finally:
        follower.set_scheme(Qt.ColorScheme.Unknown)


def test_kit_results_open_in_sight(qtbot: QtBot, view: OrderEntryView) -> None:
    """The kit list opens near the bottom of the form; the form scrolls so it is seen."""
    view.resize(1000, 600)
    f = view.form
    viewport = f.scroll_area.viewport()
    f.kit_search.search_field.setFocus()
    name = f.kit_search.model.records[0].name
    qtbot.keyClicks(f.kit_search.search_field, name[:3])
    assert f.kit_search.results.isVisibleTo(view)

    def list_in_sight() -> bool:
        results = f.kit_search.results
        bottom = results.mapTo(viewport, results.rect().bottomLeft())
        return 0 <= bottom.y() <= viewport.height()

    qtbot.waitUntil(list_in_sight)


def test_find_patient_then_escape_keeps_the_chosen_patient(
    qtbot: QtBot, view: OrderEntryView
) -> None:
    _activate(qtbot, view)
    f = view.form
    patient = next(r for r in f.patient_picker.model.records if not r.archived)
    choose_patient(qtbot, view, patient.external_identifier)
    assert view.draft.patient is not None
    chosen_id = view.draft.patient.id

    view.find_patient_action.trigger()  # Ctrl+F: back to searching
    assert view.draft.patient is None
    assert QApplication.focusWidget() is f.patient_picker.search_field
    qtbot.keyClick(f.patient_picker.search_field, Qt.Key.Key_Escape)

    assert view.draft.patient is not None
    assert view.draft.patient.id == chosen_id
    assert f.patient_picker.card.isVisibleTo(view)

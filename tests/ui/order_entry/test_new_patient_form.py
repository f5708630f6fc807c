"""The new-patient form in the New order page: offered when the search finds nobody (and by
"New patient…" / Ctrl+Shift+P), typed by keyboard alone, each problem under its field,
autosaved and restored, and set aside (not lost) when the coordinator searches after all."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from impilo_desktop.domain.new_patient import NewPatient, UsAddress
from impilo_desktop.ui.order_entry.typed_text import iso_date_of_birth, names_from_search
from impilo_desktop.ui.order_entry.view import OrderEntryView
from impilo_desktop.ui.plumbing.services import AppServices

from .conftest import WAIT_MS, make_view

Enter = Qt.Key.Key_Return
Ctrl = Qt.KeyboardModifier.ControlModifier
CtrlShift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def focused() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


def test_dates_and_names_as_typed() -> None:
    assert iso_date_of_birth("1961-04-09") == "1961-04-09"
    assert iso_date_of_birth("4/9/1961") == "1961-04-09"
    assert iso_date_of_birth(" 04/09/1961 ") == "1961-04-09"
    assert iso_date_of_birth("02/30/1961") == "02/30/1961"  # no such day: the rules say so
    assert iso_date_of_birth("9 April") == "9 April"
    assert names_from_search("Okafor, Adaeze") == ("Adaeze", "Okafor")
    assert names_from_search("Adaeze Okafor") == ("Adaeze", "Okafor")
    assert names_from_search("Okafor 04/09/1961") == ("", "Okafor")
    assert names_from_search("a.okafor@example.org") == ("", "")


def test_nobody_found_then_a_new_patient_by_keyboard_alone(
    qtbot: QtBot, view: OrderEntryView
) -> None:
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    f = view.form
    picker = f.patient_picker

    def press(key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        qtbot.keyClick(focused(), key, modifier)

    press(Qt.Key.Key_F, Ctrl)
    qtbot.keyClicks(focused(), "Vrbnkova, Qwzxia")
    # Nobody here or on Impilo: the picker offers a new patient with those names.
    qtbot.waitUntil(picker.offer_button.isVisible, timeout=WAIT_MS)
    assert "Vrbnkova, Qwzxia" in picker.offer_button.text()
    assert picker.new_patient_button.isVisible()  # always beside the search too

    press(Qt.Key.Key_P, CtrlShift)
    form = f.new_patient_form
    assert f.recipient_stack.currentWidget() is form
    assert view.draft.is_new_patient_order
    assert (form.fields["first_name"].text(), form.fields["last_name"].text()) == (
        "Qwzxia",
        "Vrbnkova",
    )
    # Names are there: the cursor waits in the date of birth. Tab goes as the eye reads.
    assert focused() is form.fields["date_of_birth"]
    typed = [
        ("04/09/1961", form.fields["date_of_birth"]),
        ("f", form.sex),  # a combo box chooses by the first letter: Female
        ("q.vrbnkova@example.org", form.fields["email"]),
        ("(555) 010-2030", form.fields["phone_number"]),
        ("MRN-4417", form.fields["external_identifier"]),
        ("", form.site),
        ("12 Harbour Lane", form.fields["address.line_one"]),
        ("Apt 3", form.fields["address.line_two"]),
        ("Albany", form.fields["address.city"]),
        ("ny", form.fields["address.state"]),
        ("12207", form.fields["address.zip_code"]),
    ]
    for text, widget in typed:
        assert focused() is widget, widget.objectName()
        if text:
            qtbot.keyClicks(widget, text)
        if widget is form.fields["address.state"]:
            popup = form.fields["address.state"].completer().popup()
            assert popup is not None
            popup.hide()  # the states completer offered NY - New York
        press(Qt.Key.Key_Tab)
    assert focused() is form.search_button

    assert view.draft.new_patient == NewPatient(
        first_name="Qwzxia",
        last_name="Vrbnkova",
        date_of_birth="1961-04-09",
        sex="female",
        email="q.vrbnkova@example.org",
        phone_number="(555) 010-2030",
        external_identifier="MRN-4417",
        address=UsAddress(
            line_one="12 Harbour Lane",
            line_two="Apt 3",
            city="Albany",
            state="NY",
            zip_code="12207",
        ),
    )
    assert form.fields["date_of_birth"].text() == "1961-04-09"  # shown as kept, once left
    assert form.fields["address.state"].text() == "NY"
    assert not [p for p in view.problems if p.field.startswith("new_patient")]
    assert not any(label.isVisible() for label in form.errors.values())

    # Enter in a field moves on; it never submits (there is an item, so it could).
    item = next(r for r in f.item_search.model.records if r.can_order)
    f.item_search.search_field.setFocus()
    qtbot.keyClicks(f.item_search.search_field, item.sku)
    press(Enter)
    assert f.submit_button.isEnabled(), view.problems
    submitted: list[object] = []
    view.submitted.connect(submitted.append)
    form.fields["address.city"].setFocus()
    press(Enter)
    assert focused() is form.fields["address.state"]
    assert submitted == []
    assert view.draft.is_new_patient_order


def test_each_problem_under_its_field(qtbot: QtBot, view: OrderEntryView) -> None:
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    view.start_new_patient("")
    form = view.form.new_patient_form
    email = form.fields["email"]
    # Nothing red before a field is left.
    assert not any(label.isVisible() for label in form.errors.values())
    email.setFocus()
    qtbot.keyClicks(email, "not-an-email")
    qtbot.keyClick(email, Qt.Key.Key_Tab)
    assert form.errors["email"].isVisible()
    assert "email address" in form.errors["email"].text()
    assert not form.errors["address.city"].isVisible()  # not touched yet

    qtbot.keyClick(view, Enter, Ctrl)  # submit: every problem shows, the cursor on the first
    for key in ("first_name", "last_name", "address.line_one", "address.city"):
        assert form.errors[key].isVisible(), key
        assert form.errors[key].text().startswith("Enter the"), form.errors[key].text()
    assert form.errors["address.state"].isVisible()
    assert form.errors["address.zip_code"].isVisible()
    assert not form.errors["address.line_two"].isVisible()  # optional
    assert focused() is form.fields["first_name"]
    assert not view.form.submit_button.isEnabled()

    zip_code = form.fields["address.zip_code"]
    zip_code.setFocus()
    qtbot.keyClicks(zip_code, "1220")
    # State and ZIP share the line under them.
    assert form.errors["address.zip_code"] is form.errors["address.state"]
    assert "ZIP" in form.errors["address.zip_code"].text()
    qtbot.keyClicks(zip_code, "7")
    assert "ZIP" not in form.errors["address.zip_code"].text()
    assert form.errors["address.state"].text() == "Enter the state"


def test_a_new_patient_is_autosaved_and_comes_back(
    qtbot: QtBot, view: OrderEntryView, started: AppServices
) -> None:
    site = next(s for s in started.store.cached_sites() if s.active is not False)
    view.start_new_patient("Adaeze Okafor")
    form = view.form.new_patient_form
    form.site.setCurrentIndex(form.site.findData(site.id))
    with qtbot.waitSignal(view.draft_saved, timeout=WAIT_MS):
        qtbot.keyClicks(form.fields["address.city"], "Troy")
    saved = view.draft.model_copy(deep=True)
    assert saved.new_patient is not None
    assert saved.new_patient.site_id == site.id
    assert saved.new_patient.site_name == site.name

    # The app again (same store): the new patient is back in the form.
    again = make_view(qtbot, started)
    qtbot.waitUntil(lambda: again.draft.draft_id == saved.draft_id, timeout=WAIT_MS)
    shown = again.form.new_patient_form
    assert again.form.recipient_stack.currentWidget() is shown
    assert shown.fields["first_name"].text() == "Adaeze"
    assert shown.fields["address.city"].text() == "Troy"
    assert shown.site.currentData() == site.id
    assert again.draft.new_patient == saved.new_patient


def test_searching_instead_keeps_what_was_typed(qtbot: QtBot, view: OrderEntryView) -> None:
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    f = view.form
    picker = f.patient_picker
    qtbot.mouseClick(picker.new_patient_button, Qt.MouseButton.LeftButton)
    form = f.new_patient_form
    assert focused() is form.fields["first_name"]
    qtbot.keyClicks(focused(), "Thandiwe")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), "Mokoena")

    qtbot.mouseClick(form.search_button, Qt.MouseButton.LeftButton)
    assert f.recipient_stack.currentWidget() is picker
    assert view.draft.new_patient is None
    assert view.draft.patient is None
    assert focused() is picker.search_field
    assert picker.search_field.text() == "Thandiwe Mokoena"  # searched for, just in case
    assert picker.new_patient_button.text().startswith("Back to new patient")

    qtbot.keyClick(focused(), Qt.Key.Key_P, CtrlShift)  # back, as typed
    assert f.recipient_stack.currentWidget() is form
    assert view.draft.new_patient is not None
    assert (view.draft.new_patient.first_name, view.draft.new_patient.last_name) == (
        "Thandiwe",
        "Mokoena",
    )
    # Ctrl+F (find patient) leaves the form for the search too; choosing someone forgets it.
    qtbot.keyClick(focused(), Qt.Key.Key_F, Ctrl)
    assert f.recipient_stack.currentWidget() is picker
    someone = next(r for r in picker.model.records if not r.archived)
    picker.search_field.clear()
    qtbot.keyClicks(picker.search_field, someone.external_identifier or str(someone.id))
    qtbot.keyClick(picker.search_field, Enter)
    assert view.draft.patient is not None
    assert not picker.new_patient_button.isVisible()  # a patient is chosen
    picker.clear_choice()
    assert picker.new_patient_button.text().startswith("New patient")


def test_a_set_aside_patient_survives_a_restart(
    qtbot: QtBot, view: OrderEntryView, started: AppServices
) -> None:
    """Switching to a site sets the typed patient aside; it is saved with the draft, so the
    app opened again (same store) still brings it back."""
    view.start_new_patient("Nomvula Dlamini")
    form = view.form.new_patient_form
    qtbot.keyClicks(form.fields["address.city"], "Salem")
    with qtbot.waitSignal(view.draft_saved, timeout=WAIT_MS):
        qtbot.mouseClick(view.form.site_button, Qt.MouseButton.LeftButton)
    assert view.draft.recipient_kind == "site"
    assert view.draft.new_patient is None
    draft_id = view.draft.draft_id

    again = make_view(qtbot, started)  # the app again: the saved draft comes back
    qtbot.waitUntil(lambda: again.draft.draft_id == draft_id, timeout=WAIT_MS)
    picker = again.form.patient_picker
    assert picker.new_patient_button.text().startswith("Back to new patient")
    again.start_new_patient(None)
    shown = again.form.new_patient_form
    assert again.form.recipient_stack.currentWidget() is shown
    assert shown.fields["first_name"].text() == "Nomvula"
    assert shown.fields["address.city"].text() == "Salem"
    assert again.draft.new_patient is not None
    assert again.draft.new_patient.last_name == "Dlamini"
    assert again.draft.set_aside_patient is None  # back on the form, no longer aside

"""While the patients are still being cached, a search does not count a partial list
("Found 25 patients"): it says "Searching Impilo… (cache 40 % loaded)", asks Impilo, and
shows Impilo's matches beside the cached ones."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from impilo_desktop.api.models import Patient
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import ReferenceKind
from impilo_desktop.ui.order_entry.picker_widgets import PatientPicker
from impilo_desktop.ui.order_entry.records import PatientRecord
from impilo_desktop.ui.order_entry.view import OrderEntryView
from impilo_desktop.ui.plumbing.services import AppServices

from .conftest import WAIT_MS, run

SEARCHING = "Searching Impilo\N{HORIZONTAL ELLIPSIS} (cache 40 % loaded)"


def record(pid: int, first: str, last: str) -> PatientRecord:
    return PatientRecord(pid, first, last, "1970-01-01", f"MRN-{pid}", "", 1, "Site", "City")


def test_a_search_while_the_cache_fills_asks_impilo_and_says_so(qtbot: QtBot) -> None:
    picker = PatientPicker()
    qtbot.addWidget(picker)
    picker.show()
    picker.model.set_records([record(1, "Anna", "Smith"), record(2, "Ben", "Smith")])
    picker.set_cache_progress(40, 100)
    with qtbot.waitSignal(picker.remote_lookup_requested) as asked:
        qtbot.keyClicks(picker, "smith")
        assert picker.status.text() == SEARCHING  # not "2 matches": the list is partial
        assert picker.results.isVisible()  # what is cached so far is listed meanwhile
        assert picker.model.rowCount() == 2
    assert asked.args == ["smith"]
    assert picker.status.text() == SEARCHING
    picker.remote_results("smith", [record(3, "Cara", "Smith"), record(1, "Anna", "Smith")])
    shown = {picker.model.record(r).id for r in range(picker.model.rowCount())}  # type: ignore[union-attr]
    assert shown == {1, 2, 3}
    assert (
        picker.status.text() == "2 patients from Impilo, 1 more cached so far (cache 40 % loaded)"
    )

    picker.set_cache_progress(0, None)  # the cache is complete: counting it is right again
    picker.search_field.clear()
    qtbot.keyClicks(picker, "smith")
    assert picker.status.text().startswith("3 matches")
    assert not picker.remote_pending


def test_the_page_tells_the_patient_picker_how_far_the_cache_is(
    qtbot: QtBot, services: AppServices, sandbox: SandboxServer
) -> None:
    """The window's refresh reports its progress; the page's patient search follows it and
    asks the sandbox for real."""
    view = OrderEntryView(services)  # nothing cached yet: a first start
    with qtbot.waitSignal(view.reference_loaded, timeout=WAIT_MS):
        qtbot.addWidget(view)
        view.show()
    picker = view.form.patient_picker
    assert len(picker.model.records) == 0
    patient = next(p for p in sandbox.seed.patients.values() if not p.archived)
    services.outbox.reference_progress.emit("site", 5, 10)  # the catalog comes first
    qtbot.keyClicks(picker, patient.last_name)
    assert picker.status.text() == "Searching Impilo\N{HORIZONTAL ELLIPSIS} (cache not complete)"
    services.outbox.reference_progress.emit("patient", 400, 1000)
    picker.search_field.clear()
    qtbot.keyClicks(picker, patient.last_name)
    assert picker.status.text() == SEARCHING
    qtbot.waitUntil(lambda: "from Impilo" in picker.status.text(), timeout=WAIT_MS)
    assert picker.status.text().endswith("cached so far (cache 40 % loaded)")
    shown = [picker.model.record(r) for r in range(picker.model.rowCount())]
    assert patient.id in {r.id for r in shown if r is not None}

    # The download failed or was cancelled part way: the cache is still partial, so a search
    # with a local match still asks Impilo (and says how far the cache got).
    with qtbot.waitSignal(picker.remote_lookup_requested, timeout=WAIT_MS):
        services.outbox.reference_refreshed.emit(False)
        picker.search_field.clear()
        qtbot.keyClicks(picker, patient.last_name)
    assert picker.status.text() == SEARCHING

    # Only a download that finished makes the cache complete (the store stamps it).
    with qtbot.waitSignal(services.outbox.reference_refreshed, timeout=WAIT_MS) as refreshed:
        services.outbox.start()
    assert refreshed.args == [True]
    qtbot.waitUntil(lambda: picker.cache_note == "", timeout=WAIT_MS)
    picker.search_field.clear()
    qtbot.keyClicks(picker, patient.last_name)
    assert "cache" not in picker.status.text()
    assert not picker.remote_pending


def test_a_partial_cache_left_by_an_earlier_run_is_not_taken_as_complete(
    qtbot: QtBot, services: AppServices
) -> None:
    """Patients cached by a first download that never finished (the app was closed, or the
    network went): the next start, offline, still asks Impilo for every search."""

    async def first_page() -> list[Patient]:
        page = await services.client().list_patients(page=1, size=3, archived=False)
        services.store.store_reference_page(ReferenceKind.PATIENT, page.content)
        return list(page.content)

    seeded = run(qtbot, services.bridge, first_page())  # and then the download stopped
    assert services.store.reference_fetched_at(ReferenceKind.PATIENT) is None
    view = OrderEntryView(services)
    qtbot.addWidget(view)
    view.show()
    picker = view.form.patient_picker
    qtbot.waitUntil(lambda: len(picker.model.records) == 3, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: picker.cache_note == "(cache not complete)", timeout=WAIT_MS)
    with qtbot.waitSignal(picker.remote_lookup_requested, timeout=WAIT_MS):
        qtbot.keyClicks(picker, seeded[0].last_name or "")  # a local match, yet Impilo is asked


def test_nobody_while_the_cache_fills_offers_a_new_patient(qtbot: QtBot) -> None:
    """A first start is when most new patients are typed: Impilo's "nobody" is the answer,
    whatever the partial cache holds, so the new patient is offered."""
    picker = PatientPicker()
    qtbot.addWidget(picker)
    picker.show()
    picker.model.set_records([record(1, "Anna", "Smith")])
    picker.set_cache_progress(40, 100)
    with qtbot.waitSignal(picker.remote_lookup_requested):
        qtbot.keyClicks(picker, "okafor")
    assert not picker.offer_button.isVisible()
    with qtbot.waitSignal(picker.found_nothing) as nobody:
        picker.remote_results("okafor", [])
    assert nobody.args == ["okafor"]
    assert picker.offer_button.isVisible()
    with qtbot.waitSignal(picker.new_patient_wanted) as wanted:
        picker.offer_button.click()
    assert wanted.args == ["okafor"]


def test_the_form_shows_at_once_and_says_it_is_loading_until_the_cache_arrives(
    qtbot: QtBot, services: AppServices
) -> None:
    """The cache is read on a worker thread: the form is on screen before it arrives, its
    search fields saying what they wait for rather than offering a search of nothing."""
    view = OrderEntryView(services)
    qtbot.addWidget(view)
    view.show()
    field = view.form.patient_picker.search_field
    assert field.placeholderText() == "Loading patients\N{HORIZONTAL ELLIPSIS}"
    assert view.form.item_search.search_field.placeholderText().startswith("Loading")
    with qtbot.waitSignal(view.reference_loaded, timeout=WAIT_MS):
        pass
    assert not field.placeholderText().startswith("Loading")
    assert field.placeholderText()  # its own hint again

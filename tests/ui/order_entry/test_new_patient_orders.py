"""A new patient's order, typed in the New order page and placed through the outbox: online
at once, and offline (the sandbox stopped: queued, then sent when it is back). Either way Impilo
ends up with exactly one new patient and one order for them."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from impilo_desktop.api.models import Order, Patient
from impilo_desktop.api.patient_requests import PatientPatch
from impilo_desktop.domain.new_patient import NewPatient, UsAddress
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState
from impilo_desktop.ui.order_entry.banner import BannerKind
from impilo_desktop.ui.order_entry.view import OrderEntryView
from impilo_desktop.ui.plumbing.services import AppServices

from .conftest import WAIT_MS, run


def type_new_patient(qtbot: QtBot, view: OrderEntryView, patient: NewPatient) -> None:
    """From the search, as a coordinator would: the names typed there, the rest in the form."""
    picker = view.form.patient_picker
    picker.search_field.setFocus()
    qtbot.keyClicks(picker.search_field, f"{patient.last_name}, {patient.first_name}")
    qtbot.waitUntil(picker.offer_button.isVisible, timeout=WAIT_MS)  # nobody, here or there
    qtbot.mouseClick(picker.offer_button, Qt.MouseButton.LeftButton)
    form = view.form.new_patient_form
    for key, field in form.fields.items():
        if key in ("first_name", "last_name"):
            assert field.text() == getattr(patient, key)  # from the search
            continue
        value = patient.address if key.startswith("address.") else patient
        qtbot.keyClicks(field, str(getattr(value, key.removeprefix("address."))))
    form.sex.setCurrentIndex(form.sex.findData(patient.sex))
    if patient.site_id is not None:
        form.site.setCurrentIndex(form.site.findData(patient.site_id))


def add_item_and_reference(qtbot: QtBot, view: OrderEntryView, reference: str) -> None:
    item = next(r for r in view.form.item_search.model.records if r.can_order)
    qtbot.keyClicks(view.form.item_search.search_field, item.sku)
    qtbot.keyClick(view.form.item_search.search_field, Qt.Key.Key_Return)
    qtbot.keyClicks(view.form.external_ids, reference)
    assert view.form.submit_button.isEnabled(), view.problems


def server_copy(
    qtbot: QtBot, services: AppServices, reference: str, email: str
) -> tuple[list[Order], list[Patient]]:
    """The orders carrying `reference` and the patients with `email`, as Impilo has them."""

    async def fetch() -> tuple[list[Order], list[Patient]]:
        client = services.client()
        orders = await client.list_orders(external_order_ids=[reference])
        patients = await client.list_patients(email=email)
        return orders.content, patients.content

    return run(qtbot, services.bridge, fetch())


def someone_new(view: OrderEntryView) -> NewPatient:
    tag = uuid.uuid4().hex[:6].translate(str.maketrans("0123456789", "ghijklmnop"))  # a name
    site_id = view.form.new_patient_form.site.itemData(1)  # the first site offered
    assert isinstance(site_id, int)
    return NewPatient(
        first_name="Nokuthula",
        last_name=f"Zwane-{tag}",
        date_of_birth="1958-07-21",
        sex="female",
        email=f"n.zwane.{tag}@example.org",
        phone_number="518-555-0199",
        external_identifier=f"MRN-{tag}",
        site_id=site_id,
        address=UsAddress(
            line_one="7 Quarry Road", line_two="", city="Troy", state="NY", zip_code="12180"
        ),
    )


def test_a_new_patients_order_placed_online(
    qtbot: QtBot, view: OrderEntryView, started: AppServices
) -> None:
    patient = someone_new(view)
    reference = f"NP-{uuid.uuid4().hex[:8]}"
    type_new_patient(qtbot, view, patient)
    add_item_and_reference(qtbot, view, reference)
    with qtbot.waitSignal(started.outbox.entry_sent, timeout=WAIT_MS) as sent:
        qtbot.keyClick(view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: view.form.banner.kind == BannerKind.SUCCESS, timeout=WAIT_MS)
    assert "Nokuthula" in view.form.banner.text.text()
    assert view.draft.is_empty()

    orders, patients = server_copy(qtbot, started, reference, patient.email)
    assert [o.id for o in orders] == [sent.args[0].order_id]
    assert len(patients) == 1
    created = patients[0]
    assert orders[0].patient is not None
    assert orders[0].patient.id == created.id
    assert (created.first_name, created.last_name) == (patient.first_name, patient.last_name)
    assert created.external_identifier == patient.external_identifier
    assert (created.date_of_birth or "")[:10] == "1958-07-21"
    assert created.site is not None
    assert created.site.id == patient.site_id
    assert created.address is not None
    assert (created.address.city, created.address.state) == ("Troy", "NY")
    # Known on this computer at once: the picker and the next duplicate check find them.
    cached = {p.id: p for p in started.store.cached_patients()}
    assert created.id in cached
    address = cached[created.id].address
    assert address is None or address.line_one is None  # the cache keeps no street


def submit_and_wait_for_its_drain(qtbot: QtBot, view: OrderEntryView, started: AppServices) -> int:
    """Submit, and wait until the drain the submit started has tried the entry (a fresh entry
    is QUEUED, not SENDING, so its state cannot tell): restarting the sandbox before would let
    that drain reach Impilo. The entry is the only one in the store, so the first drain with a
    result is its own."""
    with (
        qtbot.waitSignal(
            started.outbox.drain_finished,
            timeout=WAIT_MS,
            check_params_cb=lambda report: bool(report.results),
        ),
        qtbot.waitSignal(view.submitted, timeout=WAIT_MS) as submitted,
    ):
        qtbot.mouseClick(view.form.submit_button, Qt.MouseButton.LeftButton)
    entry_id: int = submitted.args[0].entry_id
    assert started.store.get_entry(entry_id).state == EntryState.QUEUED  # waits to be sent
    return entry_id


def test_a_new_patients_order_offline_is_sent_once_when_impilo_is_back(
    qtbot: QtBot, view: OrderEntryView, started: AppServices, sandbox: SandboxServer
) -> None:
    patient = someone_new(view)
    reference = f"NPOFF-{uuid.uuid4().hex[:8]}"
    type_new_patient(qtbot, view, patient)
    add_item_and_reference(qtbot, view, reference)

    sandbox.stop()
    entry_id = submit_and_wait_for_its_drain(qtbot, view, started)
    qtbot.waitUntil(lambda: view.form.banner.kind == BannerKind.WARNING, timeout=WAIT_MS)
    assert "Impilo will be checked for this patient" in view.form.banner.text.text()

    sandbox.start()
    with qtbot.waitSignal(started.outbox.entry_sent, timeout=WAIT_MS):
        started.outbox.send_now()
    entry = started.store.get_entry(entry_id)
    assert entry.state == EntryState.SENT
    with qtbot.waitSignal(started.outbox.drain_finished, timeout=WAIT_MS):
        started.outbox.send_now()  # nothing more to send
    orders, patients = server_copy(qtbot, started, reference, patient.email)
    assert [o.id for o in orders] == [entry.order_id]
    assert len(patients) == 1
    assert orders[0].patient is not None
    assert orders[0].patient.id == patients[0].id


def test_a_new_patients_order_held_by_the_sender_says_so_on_the_banner(
    qtbot: QtBot, view: OrderEntryView, started: AppServices, sandbox: SandboxServer
) -> None:
    """Queued offline, and meanwhile someone gave a patient in Impilo the same email: the
    sender holds the order for the coordinator, and the banner says so (not "Sending…")."""
    patient = someone_new(view)
    type_new_patient(qtbot, view, patient)
    add_item_and_reference(qtbot, view, f"NPHELD-{uuid.uuid4().hex[:8]}")
    sandbox.stop()
    entry_id = submit_and_wait_for_its_drain(qtbot, view, started)

    sandbox.start()
    existing = next(r for r in view.form.patient_picker.model.records if not r.archived)

    async def same_email() -> None:
        await started.client().patch_patient(existing.id, PatientPatch(email=patient.email))

    run(qtbot, started.bridge, same_email())
    with qtbot.waitSignal(started.outbox.drain_finished, timeout=WAIT_MS):
        started.outbox.send_now()
    assert started.store.get_entry(entry_id).state == EntryState.HELD
    qtbot.waitUntil(lambda: "held in Drafts" in view.form.banner.text.text(), timeout=WAIT_MS)
    assert view.form.banner.kind == BannerKind.WARNING
    assert "email" in view.form.banner.text.text()

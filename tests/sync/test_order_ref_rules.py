"""The sender's order_ref check, second review (sync/order_ref_check.py, same_recipient.py):
a new patient without a date of birth, names spelt apart only by case, spaces or Unicode
form, the preview agreeing with the sender, an in-doubt entry another computer placed."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from impilo_desktop.api.models import Order, Patient
from impilo_desktop.domain import OrderDraft
from impilo_desktop.domain.new_patient import NewPatient, UsAddress
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState, Store
from impilo_desktop.sync import Outcome
from impilo_desktop.sync.order_import.contract import OrderStanding
from impilo_desktop.sync.order_import.standing import Placed
from impilo_desktop.sync.same_recipient import same_draft_recipient, same_recipient
from impilo_desktop.sync.sender import DEFAULT_SETTLE
from tests.sync.conftest import Clock
from tests.sync.test_order_ref_check import queue_imported, ref_draft, sandbox_orders_with
from tests.sync.test_sandbox_sync import make_sender


def new_patient_draft(
    ref: str,
    *,
    first: str = "Zoë",
    last: str = "Quux",
    dob: str = "",
    email: str = "",
    mrn: str = "",
) -> OrderDraft:
    draft = OrderDraft(external_order_ids=[ref])
    draft.set_new_patient(
        NewPatient(
            first_name=first,
            last_name=last,
            date_of_birth=dob,
            email=email,
            external_identifier=mrn,
            address=UsAddress(
                line_one="1 Main St", city="Springfield", state="IL", zip_code="62701"
            ),
        )
    )
    draft.add_item(1001, 1)
    return draft


@pytest.mark.anyio
async def test_a_new_patient_without_a_date_of_birth_is_recognised_when_imported_again(
    store: Store, sandbox: SandboxServer
) -> None:
    first = queue_imported(store, new_patient_draft("NP-1"), sandbox.base_url)
    await make_sender(store, sandbox).drain()
    placed = store.get_entry(first.entry_id).order_id
    assert placed is not None
    store.prune_sent(-1)  # the outbox forgot it

    # The same row again, its name spelt with other spaces, case and Unicode form.
    decomposed = unicodedata.normalize("NFD", "ZOË")
    again = queue_imported(
        store, new_patient_draft("NP-1", first=f" {decomposed} ", last="quux"), sandbox.base_url
    )
    report = await make_sender(store, sandbox).drain()

    assert [r.outcome for r in report.results] == [Outcome.ADOPTED]
    assert store.get_entry(again.entry_id).state == EntryState.SENT
    assert store.get_entry(again.entry_id).order_id == placed
    assert await sandbox_orders_with(sandbox, "NP-1") == [placed]


def order_for(patient: Patient) -> Order:
    return Order(id=7, patient=patient, external_order_ids=["R-1"])


def test_date_of_birth_mrn_and_email_are_compared_only_when_both_sides_have_one() -> None:
    draft = new_patient_draft("R-1", first="Ana  María", dob="1960-02-03", email="A@x.org")
    same = Patient(id=1, first_name="ana maría", last_name="QUUX", date_of_birth="1960-02-03")
    assert same_recipient(draft, order_for(same))
    no_birth = Patient(id=1, first_name="Ana María", last_name="Quux")
    assert same_recipient(draft, order_for(no_birth))
    other_birth = same.model_copy(update={"date_of_birth": "1961-02-03"})
    assert not same_recipient(draft, order_for(other_birth))
    other_email = same.model_copy(update={"email": "b@x.org"})
    assert not same_recipient(draft, order_for(other_email))
    assert same_recipient(draft, order_for(same.model_copy(update={"email": " a@X.org"})))
    mrn = same.model_copy(update={"external_identifier": "MRN-1"})
    assert same_recipient(draft, order_for(mrn))
    other_mrn = new_patient_draft(
        "R-1", first="Ana María", dob="1960-02-03", email="a@x.org", mrn="MRN-2"
    )
    assert not same_recipient(other_mrn, order_for(mrn))
    other_name = same.model_copy(update={"first_name": "Anna"})
    assert not same_recipient(draft, order_for(other_name))


def test_the_preview_compares_as_the_sender_does() -> None:
    queued = new_patient_draft("R-1", first="Zoë", dob="")
    row = new_patient_draft("R-1", first=unicodedata.normalize("NFD", "zoë "), dob="1970-01-01")
    assert same_draft_recipient(row, queued)
    on_impilo = Patient(id=1, first_name="Zoë", last_name="Quux")
    placed = Placed(OrderStanding.ON_SERVER, "order 7 on Impilo", 7, order=order_for(on_impilo))
    assert placed.same_recipient(row) == same_recipient(row, order_for(on_impilo)) is True
    in_outbox = Placed(OrderStanding.SENT, "sent as order 7 (#1)", 7, for_draft=queued)
    assert in_outbox.same_recipient(row)


@pytest.mark.anyio
async def test_an_in_doubt_import_is_checked_by_its_ref_when_its_own_reference_is_not_found(
    store: Store, sandbox: SandboxServer, clock: Clock, tmp_path: Path
) -> None:
    # Computer B: the lookup found nothing, the create timed out (never arrived).
    entry = queue_imported(store, ref_draft("RPM-0077", 10001), sandbox.base_url)
    store.mark_sending(entry.entry_id)
    store.mark_in_doubt(entry.entry_id, "Impilo did not answer in time")
    # Meanwhile computer A (its own store) places the same row.
    with Store(tmp_path / "computer-a.sqlite3") as other:
        placed_by_a = queue_imported(other, ref_draft("RPM-0077", 10001), sandbox.base_url)
        await make_sender(other, sandbox).drain()
        placed = other.get_entry(placed_by_a.entry_id).order_id
    assert placed is not None
    clock.now += DEFAULT_SETTLE + 1

    report = await make_sender(store, sandbox).drain()

    assert [r.outcome for r in report.results] == [Outcome.ADOPTED]
    assert store.get_entry(entry.entry_id).order_id == placed
    assert await sandbox_orders_with(sandbox, "RPM-0077") == [placed]
    outcomes = [a.outcome for a in store.entry_history(entry.entry_id)]
    assert outcomes[-3:] == ["in_doubt", "checked", "sent"]  # not found by reference: by ref

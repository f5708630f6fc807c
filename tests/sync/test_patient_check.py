"""The duplicate-patient check before a new patient's order is created, against the sandbox:
a match by external ID or email holds the entry before anything is posted; a failed lookup
waits like a failed send; the order we created ourselves is adopted, never taken for a
duplicate of its own patient."""

from __future__ import annotations

import uuid

import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.retry import RetryPolicy
from impilo_desktop.domain import OrderDraft
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.sandbox.seed import PatientRecord
from impilo_desktop.store import PATIENT_MATCH, EntryState, EntryStateError, Store
from impilo_desktop.sync import (
    API_KEY_REJECTED,
    DEFAULT_SETTLE,
    OutboxSender,
    Outcome,
    StopReason,
)
from impilo_desktop.sync.patient_check import NO_PATIENT_MATCH
from tests.store.samples import new_patient_draft
from tests.sync.conftest import Clock
from tests.sync.fake_impilo import BASE_URL, FakeImpilo

pytestmark = pytest.mark.anyio


def factory(sandbox: SandboxServer) -> ImpiloClient:
    # No waiting between GET retries: the sandbox answers at once.
    return ImpiloClient(sandbox.base_url, sandbox.api_key, retry=RetryPolicy(base_delay=0.0))


def make_sender(store: Store, sandbox: SandboxServer) -> OutboxSender:
    return OutboxSender(store, lambda: factory(sandbox))


def seeded(sandbox: SandboxServer) -> PatientRecord:
    """A seeded patient with an email (most have one)."""
    return next(p for p in sandbox.seed.patients.values() if p.email and not p.archived)


def someone_new(email: str | None = None, external_identifier: str | None = None) -> OrderDraft:
    """A new patient nobody has: an email and external ID of their own (unless given)."""
    tag = uuid.uuid4().hex[:8]
    return new_patient_draft(
        item_id=1001,
        email=email if email is not None else f"new.{tag}@example.org",
        external_identifier=external_identifier or f"NEW-{tag}",
    )


async def orders_with(sandbox: SandboxServer, reference: str) -> list[int]:
    async with factory(sandbox) as client:
        page = await client.list_orders(external_order_ids=[reference])
    return [o.id for o in page.content if o.id is not None and reference in o.external_order_ids]


async def test_same_external_id_holds_it_before_anything_is_posted(
    store: Store, sandbox: SandboxServer
) -> None:
    patient = seeded(sandbox)
    entry = store.enqueue(
        someone_new(external_identifier=patient.external_identifier), server=sandbox.base_url
    )

    report = await make_sender(store, sandbox).drain()

    [result] = report.results
    assert result.outcome == Outcome.HELD
    held = store.get_entry(entry.entry_id)
    assert (held.state, held.held_for, held.attempts) == (EntryState.HELD, PATIENT_MATCH, 0)
    name = f"{patient.first_name} {patient.last_name}"
    assert (
        result.message
        == held.last_error
        == (
            f"Impilo already has a patient with this external ID (MRN): {name}, patient"
            f" #{patient.id}. Use this patient, or open the order to correct the external ID."
        )
    )
    [match] = held.patient_matches
    assert (match.patient_id, match.matched_by) == (patient.id, ["external_identifier"])
    assert match.patient.date_of_birth == patient.date_of_birth  # shown to compare
    assert await orders_with(sandbox, entry.client_reference) == []


async def test_same_email_holds_it_whatever_its_case(store: Store, sandbox: SandboxServer) -> None:
    patient = seeded(sandbox)
    assert patient.email is not None
    entry = store.enqueue(someone_new(email=patient.email.upper()), server=sandbox.base_url)

    await make_sender(store, sandbox).drain()

    held = store.get_entry(entry.entry_id)
    assert held.held_for == PATIENT_MATCH
    assert [(m.patient_id, m.matched_by) for m in held.patient_matches] == [(patient.id, ["email"])]
    assert "a patient with this email:" in (held.last_error or "")
    assert await orders_with(sandbox, entry.client_reference) == []


async def test_one_patient_matching_both_ways_is_named_once(
    store: Store, sandbox: SandboxServer
) -> None:
    patient = seeded(sandbox)
    assert patient.email is not None
    draft = someone_new(email=patient.email, external_identifier=patient.external_identifier)
    entry = store.enqueue(draft, server=sandbox.base_url)

    await make_sender(store, sandbox).drain()

    held = store.get_entry(entry.entry_id)
    [match] = held.patient_matches
    assert match.matched_by == ["external_identifier", "email"]
    assert "with this external ID (MRN) and email:" in (held.last_error or "")


async def test_a_server_error_while_looking_waits_like_a_failed_send(
    store: Store, sandbox: SandboxServer
) -> None:
    patient = seeded(sandbox)
    entry = store.enqueue(
        someone_new(external_identifier=patient.external_identifier), server=sandbox.base_url
    )
    sandbox.faults.force("error", "error", "error", "error")  # every try of the lookup

    report = await make_sender(store, sandbox).drain()

    assert report.results[0].outcome == Outcome.RETRY
    waiting = store.get_entry(entry.entry_id)
    assert (waiting.state, waiting.attempts) == (EntryState.QUEUED, 0)  # never "no match"
    assert waiting.next_attempt_at is not None
    assert await orders_with(sandbox, entry.client_reference) == []
    # Next time the lookup answers: the match holds it.
    await make_sender(store, sandbox).drain(due_only=False)
    assert store.get_entry(entry.entry_id).held_for == PATIENT_MATCH


async def test_a_lookup_after_a_create_that_never_arrived_can_hold_it(
    store: Store, sandbox: SandboxServer, clock: Clock
) -> None:
    """A create was in doubt and the lookup by reference found no order: before sending it
    again the patient is checked again (someone may have created them meanwhile)."""
    patient = seeded(sandbox)
    assert patient.email is not None
    entry = store.enqueue(someone_new(email=patient.email), server=sandbox.base_url)
    store.mark_sending(entry.entry_id)  # a sender died with a create that never arrived
    clock.now += DEFAULT_SETTLE + 1

    report = await make_sender(store, sandbox).drain()

    assert report.results[0].outcome == Outcome.HELD
    held = store.get_entry(entry.entry_id)
    assert held.held_for == PATIENT_MATCH
    outcomes = [a.outcome for a in store.entry_history(entry.entry_id)]
    assert outcomes[-3:] == ["in_doubt", "checked", "held"]  # looked up by reference first
    # The answer looks the order up by reference again before anything is sent.
    assert store.use_matched_patient(entry.entry_id, patient.id).state == EntryState.IN_DOUBT


# -- with the sandbox creating the new patient (npcore) ---------------------------------------


async def test_nobody_like_them_is_created_with_the_order(
    store: Store, sandbox: SandboxServer
) -> None:
    draft = someone_new()
    entry = store.enqueue(draft, server=sandbox.base_url)

    report = await make_sender(store, sandbox).drain()

    assert [r.outcome for r in report.results] == [Outcome.SENT]
    history = [(a.outcome, a.detail) for a in store.entry_history(entry.entry_id)]
    assert history[-3:-1] == [("checked", NO_PATIENT_MATCH), ("sending", "")]
    [order_id] = await orders_with(sandbox, entry.client_reference)
    async with factory(sandbox) as client:
        assert draft.new_patient is not None
        created = await client.find_patient_by_email(draft.new_patient.email)
        order = await client.get_order(order_id)
    assert created is not None
    assert order.patient is not None
    assert order.patient.id == created.id


async def test_offline_it_waits_then_goes_when_impilo_is_back(
    store: Store, sandbox: SandboxServer
) -> None:
    entry = store.enqueue(someone_new(), server=sandbox.base_url)
    sandbox.stop()

    offline = await make_sender(store, sandbox).drain()

    assert offline.stopped == StopReason.OFFLINE
    waiting = store.get_entry(entry.entry_id)
    assert (waiting.state, waiting.attempts) == (EntryState.QUEUED, 0)
    assert store.due_entries(waiting_for_network=True) == [waiting]
    sandbox.start()
    back = await make_sender(store, sandbox).drain(waiting_for_network=True)
    assert [r.outcome for r in back.results] == [Outcome.SENT]
    assert len(await orders_with(sandbox, entry.client_reference)) == 1


async def test_the_order_we_created_is_adopted_not_held_as_a_duplicate_of_its_patient(
    store: Store, sandbox: SandboxServer, clock: Clock
) -> None:
    draft = someone_new()
    entry = store.enqueue(draft, server=sandbox.base_url)
    sandbox.faults.force("drop_after_create")  # created, patient and all; the answer lost

    first = await make_sender(store, sandbox).drain()
    assert first.results[0].outcome == Outcome.RETRY
    assert store.get_entry(entry.entry_id).state == EntryState.IN_DOUBT
    clock.now += DEFAULT_SETTLE + 1

    second = await make_sender(store, sandbox).drain(due_only=False)

    assert second.results[0].outcome == Outcome.ADOPTED
    done = store.get_entry(entry.entry_id)
    assert (done.state, done.held_for) == (EntryState.SENT, None)
    assert await orders_with(sandbox, entry.client_reference) == [done.order_id]
    assert "held" not in [a.outcome for a in store.entry_history(entry.entry_id)]


async def test_an_email_match_cannot_be_created_anyway(
    store: Store, sandbox: SandboxServer
) -> None:
    """Impilo keeps one patient per email (find-by-email answers with one, the sandbox refuses
    a second): the coordinator uses that patient or corrects the email."""
    patient = seeded(sandbox)
    assert patient.email is not None
    entry = store.enqueue(someone_new(email=patient.email), server=sandbox.base_url)
    await make_sender(store, sandbox).drain()
    held = store.get_entry(entry.entry_id)
    assert held.held_for == PATIENT_MATCH
    assert (held.last_error or "").endswith("open the order to correct the email.")

    with pytest.raises(EntryStateError, match="one patient per external ID and per email"):
        store.create_new_patient_anyway(entry.entry_id)
    assert store.get_entry(entry.entry_id).state == EntryState.HELD


# -- answers the sandbox does not give (a scripted Impilo) -----------------------------------


async def test_a_lookup_impilo_refuses_is_held_for_the_coordinator(store: Store) -> None:
    impilo = FakeImpilo()
    entry = store.enqueue(someone_new(), server=BASE_URL)
    impilo.patient_lookup_script.append(("status", 400, {"message": "bad identifier"}, {}))

    report = await OutboxSender(store, impilo.factory()).drain()

    [result] = report.results
    assert result.outcome == Outcome.HELD
    held = store.get_entry(entry.entry_id)
    assert (held.held_for, held.patient_matches, held.attempts) == (PATIENT_MATCH, [], 0)
    assert held.last_error == (
        "Impilo would not say whether it already has this patient (bad identifier). Check the"
        " patient's email and external ID, then create the patient anyway or open the order"
        " to correct it."
    )
    assert impilo.posts == []
    store.create_new_patient_anyway(entry.entry_id)  # nobody matched: allowed
    again = await OutboxSender(store, impilo.factory()).drain()
    assert [r.outcome for r in again.results] == [Outcome.SENT]
    assert len(impilo.posts) == 1


async def test_a_refused_key_while_looking_pauses_the_outbox(store: Store) -> None:
    impilo = FakeImpilo()
    entry = store.enqueue(someone_new(), server=BASE_URL)
    impilo.patient_lookup_script.append(("status", 401, {"message": "bad key"}, {}))

    report = await OutboxSender(store, impilo.factory()).drain()

    assert report.paused == API_KEY_REJECTED
    assert store.get_entry(entry.entry_id).state == EntryState.QUEUED
    assert impilo.posts == []

"""An imported order is checked on Impilo by its order_ref before it is first posted
(sync/order_ref_check.py): the reviewer's offline re-import after the outbox forgot the sent
entries, a second computer, an order_ref Impilo has for another patient, a failed lookup."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from impilo_desktop.cli import main
from impilo_desktop.config import Profile
from impilo_desktop.domain import OrderDraft, PatientChoice
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState, OutboxEntry, Store
from impilo_desktop.sync import Outcome
from impilo_desktop.ui.drafts.row_actions import duplicate_draft
from tests.sync.conftest import open_profile_store
from tests.sync.test_cli_repeats import order_file
from tests.sync.test_sandbox_sync import factory, make_sender

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "orders.csv"
EXAMPLE_REFS = ["RPM-0001", "RPM-0002", "RPM-0003", "RPM-0004"]


def account(base_url: str) -> list[str]:
    return ["--profile", "sandbox", "--base-url", base_url]


def entries(base_url: str) -> list[tuple[str, EntryState, int | None]]:
    with open_profile_store(Profile("sandbox", base_url)) as store:
        return [(e.draft.external_order_ids[0], e.state, e.order_id) for e in store.list_outbox()]


def histories(base_url: str) -> list[str]:
    with open_profile_store(Profile("sandbox", base_url)) as store:
        return [
            attempt.detail
            for entry in store.list_outbox()
            for attempt in store.entry_history(entry.entry_id)
        ]


async def orders_by_ref(sandbox: SandboxServer) -> Counter[str]:
    """How many orders on the sandbox carry each of the example's refs."""
    counted: Counter[str] = Counter()
    async with factory(sandbox) as client:
        async for order in client.iterate_all(client.list_orders, external_order_ids=EXAMPLE_REFS):
            counted.update(ref for ref in order.external_order_ids if ref in EXAMPLE_REFS)
    return counted


def import_and_sync(base_url: str) -> None:
    assert main(["drafts", "import", str(EXAMPLE), *account(base_url)]) == 0
    assert main(["sync", "--once", "--no-refresh", *account(base_url)]) == 0


@pytest.mark.timeout(300)
def test_offline_reimport_after_the_outbox_forgot_the_sent_orders_places_nothing_twice(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    import_and_sync(sandbox.base_url)
    first = {ref: order_id for ref, state, order_id in entries(sandbox.base_url)}
    assert asyncio.run(orders_by_ref(sandbox)) == Counter(dict.fromkeys(EXAMPLE_REFS, 1))
    with open_profile_store(Profile("sandbox", sandbox.base_url)) as store:
        # A month later the outbox has forgotten them (KEEP_SENT).
        assert store.prune_sent(-1) == len(EXAMPLE_REFS)
    capsys.readouterr()

    # Imported again with no network: the preview cannot know, and queues them all...
    sandbox.stop()
    assert main(["drafts", "import", str(EXAMPLE), *account(sandbox.base_url)]) == 0
    said = capsys.readouterr()
    assert "0 already placed, 4 new" in said.out
    assert "queued 4 orders" in said.out
    assert "each order is checked on Impilo before it is sent" in said.err
    sandbox.start()

    # ...but the sender asks Impilo first, and posts none of them again.
    assert main(["sync", "--once", "--no-refresh", *account(sandbox.base_url)]) == 0
    assert asyncio.run(orders_by_ref(sandbox)) == Counter(dict.fromkeys(EXAMPLE_REFS, 1))
    again = entries(sandbox.base_url)
    assert [(ref, state) for ref, state, _ in again] == [
        (ref, EntryState.SENT) for ref in EXAMPLE_REFS
    ]
    assert {ref: order_id for ref, _, order_id in again} == first
    details = histories(sandbox.base_url)
    for ref in EXAMPLE_REFS:
        assert (
            f"already on Impilo as order {first[ref]} (order_ref {ref}); not sent again" in details
        )


@pytest.mark.timeout(300)
def test_a_second_computer_importing_the_same_file_places_nothing_twice(
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import asyncio

    import_and_sync(sandbox.base_url)
    first = entries(sandbox.base_url)
    capsys.readouterr()
    # The second computer (its own home folder and store) has never seen these orders; the
    # new patient (Jane Doe) is recognised by name and date of birth, the others by their ids.
    second_home = tmp_path / "second-computer"
    second_home.mkdir()
    monkeypatch.setenv("IMPILO_DESKTOP_HOME", str(second_home))
    assert main(["sync", "--once", *account(sandbox.base_url)]) == 0  # its lists, earlier
    # Offline there, the preview knows nothing of the first computer's orders.
    sandbox.stop()
    assert main(["drafts", "import", str(EXAMPLE), *account(sandbox.base_url)]) == 0
    assert "0 already placed, 4 new" in capsys.readouterr().out
    sandbox.start()
    assert main(["sync", "--once", "--no-refresh", *account(sandbox.base_url)]) == 0

    assert asyncio.run(orders_by_ref(sandbox)) == Counter(dict.fromkeys(EXAMPLE_REFS, 1))
    second = entries(sandbox.base_url)
    assert [state for _, state, _ in second] == [EntryState.SENT] * len(EXAMPLE_REFS)
    assert [order_id for _, _, order_id in second] == [order_id for _, _, order_id in first]


def ref_draft(ref: str, patient_id: int) -> OrderDraft:
    draft = OrderDraft(external_order_ids=[ref])
    draft.set_patient(PatientChoice(id=patient_id, first_name="Seeded", last_name="Patient"))
    draft.add_item(1001, 1)
    return draft


def queue_imported(store: Store, draft: OrderDraft, server: str) -> OutboxEntry:
    """Queue `draft` as a spreadsheet import does (a batch of one): only such entries are
    looked up by their order_ref before they are sent."""
    batch = store.enqueue_batch([draft], server=server, file_name="orders.csv")
    return store.get_entry(batch.entry_ids[0])


async def sandbox_orders_with(sandbox: SandboxServer, ref: str) -> list[int]:
    async with factory(sandbox) as client:
        page = await client.list_orders(external_order_ids=[ref], size=100)
    return [o.id for o in page.content if o.id is not None and ref in o.external_order_ids]


@pytest.mark.anyio
async def test_an_order_ref_impilo_has_for_another_patient_is_rejected_unsent(
    store: Store, sandbox: SandboxServer
) -> None:
    last_year = queue_imported(store, ref_draft("RPM-0001", 10001), sandbox.base_url)
    await make_sender(store, sandbox).drain()
    placed = store.get_entry(last_year.entry_id).order_id
    assert placed is not None
    store.prune_sent(-1)  # a year later the outbox has long forgotten it

    this_year = queue_imported(store, ref_draft("RPM-0001", 10002), sandbox.base_url)
    report = await make_sender(store, sandbox).drain()

    assert [r.outcome for r in report.results] == [Outcome.REJECTED]
    rejected = store.get_entry(this_year.entry_id)
    assert rejected.state == EntryState.REJECTED
    assert rejected.server_message == (
        f"Impilo already has order {placed} with the order_ref RPM-0001 for another patient;"
        " give this order its own order_ref"
    )
    assert rejected.draft.patient is not None
    assert rejected.draft.patient.id == 10002
    assert await sandbox_orders_with(sandbox, "RPM-0001") == [placed]


@pytest.mark.anyio
async def test_a_failed_lookup_is_retried_and_posts_nothing(
    store: Store, sandbox: SandboxServer
) -> None:
    entry = queue_imported(store, ref_draft("RPM-0042", 10001), sandbox.base_url)
    sandbox.faults.force("error", "error", "error", "error", "error")
    failed = await make_sender(store, sandbox).drain()
    assert [r.outcome for r in failed.results] == [Outcome.RETRY]
    assert store.get_entry(entry.entry_id).state == EntryState.QUEUED
    sandbox.faults.clear()
    assert await sandbox_orders_with(sandbox, "RPM-0042") == []

    sent = await make_sender(store, sandbox).drain(due_only=False)
    assert [r.outcome for r in sent.results] == [Outcome.SENT]
    assert len(await sandbox_orders_with(sandbox, "RPM-0042")) == 1


@pytest.mark.anyio
async def test_a_form_order_with_external_ids_is_placed_each_time_it_is_submitted(
    store: Store, sandbox: SandboxServer
) -> None:
    # The New order form has an "External order IDs" box, and Duplicate copies them: a repeat
    # order for the same patient with the same ids is meant, and placed, not "adopted".
    first = store.enqueue(ref_draft("REQ-77", 10001), server=sandbox.base_url)
    await make_sender(store, sandbox).drain()
    copy = duplicate_draft(store.get_entry(first.entry_id).draft)
    assert copy.external_order_ids == ["REQ-77"]
    second = store.enqueue(copy, server=sandbox.base_url)
    report = await make_sender(store, sandbox).drain()

    assert [r.outcome for r in report.results] == [Outcome.SENT]
    details = [a.detail for a in store.entry_history(second.entry_id)]
    assert "no order on Impilo with its order_ref" not in details
    placed = [store.get_entry(e.entry_id).order_id or 0 for e in (first, second)]
    assert sorted(await sandbox_orders_with(sandbox, "REQ-77")) == sorted(placed)
    assert len(set(placed)) == 2


@pytest.mark.timeout(300)
def test_a_json_file_imported_again_with_again_is_placed_twice(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    path = order_file(tmp_path, "order.json", "clinic-ref-9")
    assert main(["drafts", "import", str(path), *account(sandbox.base_url)]) == 0
    assert main(["sync", "--once", "--no-refresh", *account(sandbox.base_url)]) == 0
    assert main(["drafts", "import", "--again", str(path), *account(sandbox.base_url)]) == 0
    assert main(["sync", "--once", "--no-refresh", *account(sandbox.base_url)]) == 0

    import asyncio

    placed = asyncio.run(sandbox_orders_with(sandbox, "clinic-ref-9"))
    assert len(placed) == 2
    with open_profile_store(Profile("sandbox", sandbox.base_url)) as opened:
        assert sorted(e.order_id or 0 for e in opened.list_outbox()) == sorted(placed)


@pytest.mark.timeout(300)
def test_the_command_line_lists_the_orders_it_skips_as_already_placed(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    import_and_sync(sandbox.base_url)
    order_ids = {ref: order_id for ref, _, order_id in entries(sandbox.base_url)}
    capsys.readouterr()

    assert main(["drafts", "import", str(EXAMPLE), *account(sandbox.base_url)]) == 0
    out = capsys.readouterr().out
    rows = {"RPM-0001": 2, "RPM-0002": 4, "RPM-0003": 5, "RPM-0004": 7}
    for number, ref in enumerate(EXAMPLE_REFS, start=1):
        said = f"orders.csv: {ref} (row {rows[ref]}): sent as order {order_ids[ref]} (#{number})"
        assert said in out
    assert "4 already placed, 0 new." in out

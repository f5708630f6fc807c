"""build_preview against the sandbox with a real store file: every standing an order can
have, patients the cache does not know asked of Impilo, Impilo unreachable, progress."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import pytest
from openpyxl import Workbook

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.retry import RetryPolicy
from impilo_desktop.domain import OrderDraft, PatientChoice, to_order_create
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import Store
from impilo_desktop.sync.order_import import (
    OrderStanding,
    PreviewProgress,
    build_preview,
)
from impilo_desktop.sync.order_import.preview import ASKING, MATCHING, READING
from tests.sync.order_import_helpers import (
    HEADER,
    MRN_OF_10002,
    NOBODY,
    ONLY_ON_IMPILO,
    ONLY_ON_IMPILO_MRN,
    cached_lists_client,
    queued_with_ref,
    standings,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
async def client(sandbox: SandboxServer, store: Store) -> AsyncIterator[ImpiloClient]:
    async with cached_lists_client(sandbox, store) as opened:
        yield opened


async def test_every_standing_of_an_order(
    store: Store, sandbox: SandboxServer, client: ImpiloClient
) -> None:
    # Already in this profile's outbox: one queued, one sent (as order 777).
    queued = queued_with_ref(store, client.base_url, "R-QUEUED")
    sent = queued_with_ref(store, client.base_url, "R-SENT")
    store.mark_sending(sent)
    store.mark_sent(sent, 777)
    refused = queued_with_ref(store, client.base_url, "R-NEW-AGAIN")
    store.mark_sending(refused)
    store.mark_rejected(refused, "Item not orderable", "400")  # a refusal does not count
    # Already on Impilo, placed from elsewhere.
    elsewhere = OrderDraft(external_order_ids=["R-SERVER"])
    elsewhere.set_patient(PatientChoice(id=10003))
    elsewhere.add_item(1001, 1)
    on_server = await client.create_order(to_order_create(elsewhere, "someone-else"))

    data = (
        HEADER + "R-NEW,10001,,IMP-CIR-1001,,1,Call first\n"
        "R-NEW,,,IMP-CIR-1015,,1,Call first\n"
        f"R-MRN,,{MRN_OF_10002},,Hypertension Starter Kit,2,\n"
        "R-QUEUED,10001,,IMP-CIR-1001,,1,\n"
        "R-SENT,10001,,IMP-CIR-1001,,1,\n"
        "R-SERVER,10003,,IMP-CIR-1001,,1,\n"
        "R-NEW-AGAIN,10003,,IMP-CIR-1002,,1,\n"
        "R-BAD,10003,,NOPE-1,,1,\n"
    )
    preview = await build_preview(data.encode(), "enrolment.csv", store, client)

    assert (preview.kind, preview.file_name, preview.server_checked) == (
        "csv",
        "enrolment.csv",
        True,
    )
    assert standings(preview) == {
        "R-NEW": OrderStanding.NEW,
        "R-MRN": OrderStanding.NEW,
        "R-QUEUED": OrderStanding.QUEUED,
        "R-SENT": OrderStanding.SENT,
        "R-SERVER": OrderStanding.ON_SERVER,
        "R-NEW-AGAIN": OrderStanding.NEW,
        "R-BAD": OrderStanding.PROBLEM,
    }
    by_ref = {order.ref: order for order in preview.orders}
    first = by_ref["R-NEW"]
    assert first.rows == (2, 3)
    assert first.recipient == "Moreno, Jacqueline (#10001)"
    assert first.lines == (
        "1 x Upper Arm Blood Pressure Monitor (IMP-CIR-1001); "
        "1 x BP Cuff Large Adult 32-42 cm (IMP-CIR-1015)"
    )
    assert by_ref["R-MRN"].recipient == "Cruz, Jacob (#10002)"
    assert by_ref["R-MRN"].lines == "2 x Hypertension Starter Kit (kit)"
    assert by_ref["R-QUEUED"].already == f"queued as #{queued}"
    assert (by_ref["R-SENT"].already, by_ref["R-SENT"].already_order_id) == (
        f"sent as order 777 (#{sent})",
        777,
    )
    assert by_ref["R-SERVER"].already == f"order {on_server.id} on Impilo"
    assert by_ref["R-SERVER"].already_order_id == on_server.id
    assert [str(p) for p in by_ref["R-BAD"].problems] == [
        "Row 9, sku: No item with the SKU NOPE-1 in the catalog on this computer; check it, "
        "or refresh the lists"
    ]
    assert preview.problem_rows == [9]
    assert preview.new_units == 2 + 2 + 1
    assert not preview.can_queue_all


async def test_an_order_already_placed_stays_placed_though_its_rows_have_problems(
    store: Store, client: ImpiloClient
) -> None:
    queued_with_ref(store, client.base_url, "R-1")
    data = HEADER + "R-1,10001,,NO-LONGER-SOLD,,1,\n"
    preview = await build_preview(data.encode(), "f.csv", store, client)
    [order] = preview.orders
    assert order.standing == OrderStanding.QUEUED
    assert order.problems  # still shown, but nothing is left to fix in it


async def test_patients_the_cache_lacks_are_asked_of_impilo_and_cached(
    store: Store, client: ImpiloClient
) -> None:
    data = (
        HEADER + f"A,{ONLY_ON_IMPILO},,IMP-CIR-1001,,1,\n"
        f"B,,{ONLY_ON_IMPILO_MRN},IMP-CIR-1001,,1,\n"
        f"C,{NOBODY},,IMP-CIR-1001,,1,\n"
        "D,,MRN-NOBODY,IMP-CIR-1001,,1,\n"
    )
    assert store.cached_patients_with_ids([ONLY_ON_IMPILO]) == {}
    preview = await build_preview(data.encode(), "f.csv", store, client)

    assert preview.server_checked
    assert standings(preview) == {
        "A": OrderStanding.NEW,
        "B": OrderStanding.NEW,
        "C": OrderStanding.PROBLEM,
        "D": OrderStanding.PROBLEM,
    }
    assert preview.orders[0].recipient == preview.orders[1].recipient == "Hunt, Ryan (#10010)"
    assert [str(p) for o in preview.problem_orders for p in o.problems] == [
        f"Row 4, patient_id: Impilo has no patient with the id {NOBODY}; check it",
        "Row 5, patient_external_id: Impilo has no patient with the external id MRN-NOBODY; "
        "check it",
    ]
    # Impilo's answer is in the patient cache now, as a refresh would have put it.
    assert list(store.cached_patients_with_ids([ONLY_ON_IMPILO])) == [ONLY_ON_IMPILO]


async def test_impilo_unreachable_checks_this_computer_only_and_says_so(
    store: Store, sandbox: SandboxServer, client: ImpiloClient
) -> None:
    queued_with_ref(store, client.base_url, "R-QUEUED")
    sandbox.stop()
    data = (
        HEADER + "R-NEW,10001,,IMP-CIR-1001,,1,\n"
        f"R-UNKNOWN,{ONLY_ON_IMPILO},,IMP-CIR-1001,,1,\n"
        "R-QUEUED,10001,,IMP-CIR-1001,,1,\n"
    )
    preview = await build_preview(data.encode(), "f.csv", store, client)

    assert not preview.server_checked
    assert preview.server_problem == "Cannot reach Impilo. Check the network connection."
    assert standings(preview) == {
        "R-NEW": OrderStanding.NEW,
        "R-UNKNOWN": OrderStanding.PROBLEM,
        "R-QUEUED": OrderStanding.QUEUED,  # the outbox still counts
    }
    [unknown] = preview.problem_orders
    assert [str(p) for p in unknown.problems] == [
        f"Row 3, patient_id: Patient with the id {ONLY_ON_IMPILO}: not on this computer's "
        "list; Impilo could not be asked"
    ]


async def test_without_a_client_only_this_computer_is_checked(
    store: Store, client: ImpiloClient
) -> None:
    data = HEADER + "R-1,10001,,IMP-CIR-1001,,1,\n"
    preview = await build_preview(data.encode(), "f.csv", store, None)
    assert standings(preview) == {"R-1": OrderStanding.NEW}
    assert not preview.server_checked
    assert preview.server_problem is not None


async def test_progress_is_reported_stage_by_stage(store: Store, client: ImpiloClient) -> None:
    rows = "".join(f"R-{n},10001,,IMP-CIR-1001,,1,\n" for n in range(120))
    heard: list[PreviewProgress] = []
    preview = await build_preview(
        (HEADER + f"X,{ONLY_ON_IMPILO},,IMP-CIR-1001,,1,\n" + rows).encode(),
        "f.csv",
        store,
        client,
        progress=heard.append,
    )
    assert len(preview.new_orders) == 121
    stages = [p.stage for p in heard]
    assert stages[0] == READING
    assert stages.index(READING) < stages.index(MATCHING) < len(stages) - 1
    matching = [(p.done, p.total) for p in heard if p.stage == MATCHING]
    assert matching == [(0, 121), (50, 121), (100, 121), (121, 121)]
    assert (heard[-1].stage, heard[-1].done, heard[-1].total) == (ASKING, 121, 121)
    assert all(p.done <= p.total for p in heard)


async def test_an_xlsx_file_previews_as_its_csv_would(
    store: Store, client: ImpiloClient, tmp_path: object
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Order Ref", "Patient ID", "SKU", "Count"])
    sheet.append(["X-1", 10001, "IMP-CIR-1001", 1])
    sheet.append(["X-2", 10002, "IMP-CIR-404", 1])
    from io import BytesIO

    out = BytesIO()
    book.save(out)
    preview = await build_preview(out.getvalue(), "enrolment.xlsx", store, client)
    assert preview.kind == "xlsx"
    assert standings(preview) == {"X-1": OrderStanding.NEW, "X-2": OrderStanding.PROBLEM}


async def test_what_is_not_a_spreadsheet_is_a_problem_never_an_exception(
    store: Store, client: ImpiloClient
) -> None:
    preview = await build_preview(b"\xd0\xcf\x11\xe0old excel", "old.xls", store, client)
    assert preview.orders == []
    assert [p.message for p in preview.file_problems] == [
        "This is an old Excel file (.xls); save it as .xlsx or CSV UTF-8"
    ]
    assert not preview.can_queue_all


async def test_other_work_on_the_loop_goes_on_while_orders_are_matched(store: Store) -> None:
    rows = "".join(f"R-{n},10001,,IMP-CIR-1001,,1,\n" for n in range(200))
    turns = 0
    done = asyncio.Event()

    async def sender_like() -> None:
        nonlocal turns
        while not done.is_set():
            turns += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(sender_like())
    heard: list[PreviewProgress] = []
    await build_preview((HEADER + rows).encode(), "f.csv", store, None, progress=heard.append)
    done.set()
    await other
    # The other task ran between every chunk of 50 orders (and while the file was parsed).
    assert [p.done for p in heard if p.stage == MATCHING] == [0, 50, 100, 150, 200]
    assert turns >= 4


async def test_an_id_too_large_for_impilo_is_a_problem_on_its_cell_not_an_overflow(
    store: Store, client: ImpiloClient
) -> None:
    # 20 digits: the store's lookup of patients and sites by id raised OverflowError.
    data = (
        HEADER + "R-1,99999999999999999999,,IMP-CIR-1001,,1,\nR-2,10001,,IMP-CIR-1001,,1,\n"
    ).encode()
    preview = await build_preview(data, "big.csv", store, client)
    assert [o.standing for o in preview.orders] == [OrderStanding.PROBLEM, OrderStanding.NEW]
    assert [(p.row, p.column) for p in preview.orders[0].problems] == [(2, "patient_id")]


async def test_a_ref_already_used_for_another_recipient_is_a_problem_on_its_order_ref(
    store: Store, sandbox: SandboxServer, client: ImpiloClient
) -> None:
    # Last year's file: RPM-0001 sent from this computer for 10001, RPM-0002 on Impilo for
    # 10003 (placed elsewhere); this year's file reuses both refs for other patients.
    sent = queued_with_ref(store, client.base_url, "RPM-0001")
    store.mark_sending(sent)
    store.mark_sent(sent, 777)
    elsewhere = OrderDraft(external_order_ids=["RPM-0002"])
    elsewhere.set_patient(PatientChoice(id=10003))
    elsewhere.add_item(1001, 1)
    on_server = await client.create_order(to_order_create(elsewhere, "someone-else"))
    same = queued_with_ref(store, client.base_url, "RPM-0003")  # the same order: placed

    data = (
        HEADER + "RPM-0001,10002,,IMP-CIR-1001,,1,\n"
        "RPM-0002,10001,,IMP-CIR-1001,,1,\n"
        "RPM-0003,10001,,IMP-CIR-1001,,1,\n"
    )
    preview = await build_preview(data.encode(), "enrolment.csv", store, client)

    assert standings(preview) == {
        "RPM-0001": OrderStanding.PROBLEM,
        "RPM-0002": OrderStanding.PROBLEM,
        "RPM-0003": OrderStanding.QUEUED,
    }
    by_ref = {order.ref: order for order in preview.orders}
    assert [str(p) for p in by_ref["RPM-0001"].problems] == [
        f"Row 2, order_ref: The order_ref RPM-0001 is already on another order (sent as order"
        f" 777 (#{sent})), for Moreno, Jacqueline (#10001); give this order its own order_ref"
    ]
    assert [str(p) for p in by_ref["RPM-0002"].problems] == [
        f"Row 3, order_ref: The order_ref RPM-0002 is already on another order (order"
        f" {on_server.id} on Impilo), for patient #10003; give this order its own order_ref"
    ]
    assert by_ref["RPM-0003"].already == f"queued as #{same}"
    assert preview.problem_rows == [2, 3]


class _RefusesOnePatient(httpx.AsyncBaseTransport):
    """The sandbox over loopback, except that Impilo answers 400 about one patient id (the
    precise fault case: the sandbox itself answers 400 only for ids past int64, which the
    spreadsheet reader now refuses before asking)."""

    def __init__(self, patient_id: int) -> None:
        self._path = f"/patient/{patient_id}"
        self._network = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith(self._path):
            body = {"code": "invalid_parameter", "message": "This id cannot be looked up."}
            return httpx.Response(400, json=body, request=request)
        return await self._network.handle_async_request(request)

    async def aclose(self) -> None:
        await self._network.aclose()


async def test_one_patient_impilo_refuses_to_answer_about_is_a_problem_on_its_row_only(
    store: Store, sandbox: SandboxServer, client: ImpiloClient
) -> None:
    elsewhere = OrderDraft(external_order_ids=["R-SERVER"])
    elsewhere.set_patient(PatientChoice(id=10003))
    elsewhere.add_item(1001, 1)
    on_server = await client.create_order(to_order_create(elsewhere, "someone-else"))
    odd = 10_004  # not in this computer's list, so Impilo is asked about it
    data = (
        HEADER + f"R-ODD,{odd},,IMP-CIR-1001,,1,\n"
        f"R-ENROLLED,{ONLY_ON_IMPILO},,IMP-CIR-1001,,1,\n"
        "R-SERVER,10003,,IMP-CIR-1001,,1,\n"
    )
    refusing = ImpiloClient(
        sandbox.base_url,
        sandbox.api_key,
        retry=RetryPolicy(max_attempts=1),
        transport=_RefusesOnePatient(odd),
    )
    async with refusing:
        preview = await build_preview(data.encode(), "enrolment.csv", store, refusing)

    # Impilo was still asked about the other patient and about the refs.
    assert preview.server_checked
    assert standings(preview) == {
        "R-ODD": OrderStanding.PROBLEM,
        "R-ENROLLED": OrderStanding.NEW,
        "R-SERVER": OrderStanding.ON_SERVER,
    }
    by_ref = {order.ref: order for order in preview.orders}
    assert by_ref["R-SERVER"].already_order_id == on_server.id
    [problem] = by_ref["R-ODD"].problems
    assert (problem.row, problem.column) == (2, "patient_id")
    assert problem.message.startswith(
        f"Impilo could not say whether it has a patient with the id {odd} ("
    )


async def test_refs_the_rules_refuse_are_not_asked_about(
    store: Store, sandbox: SandboxServer, client: ImpiloClient
) -> None:
    elsewhere = OrderDraft(external_order_ids=["R-SERVER"])
    elsewhere.set_patient(PatientChoice(id=10003))
    elsewhere.add_item(1001, 1)
    on_server = await client.create_order(to_order_create(elsewhere, "someone-else"))
    # Fifty refs of 1,500 characters: together a query over 64 KB, which the HTTP library
    # refuses (httpx.InvalidURL) before anything reaches Impilo.
    long_refs = [f"{n:02d}" + "X" * 1498 for n in range(50)]
    data = HEADER + "".join(f"{ref},10001,,IMP-CIR-1001,,1,\n" for ref in long_refs)
    data += "R-SERVER,10003,,IMP-CIR-1001,,1,\n"
    preview = await build_preview(data.encode(), "enrolment.csv", store, client)

    assert preview.server_checked
    by_ref = {order.ref: order for order in preview.orders}
    assert by_ref["R-SERVER"].standing == OrderStanding.ON_SERVER
    assert by_ref["R-SERVER"].already_order_id == on_server.id
    for ref in long_refs:
        assert by_ref[ref].standing == OrderStanding.PROBLEM
        assert [p.column for p in by_ref[ref].problems] == ["order_ref"]


def test_ref_batches_bound_the_query() -> None:
    from impilo_desktop.sync.order_import.standing import QUERY_CHARS, ref_batches

    refs = (
        [f"R-{n}" for n in range(120)] + ["é" * 100] * 1 + [f"L-{n}" + "é" * 90 for n in range(60)]
    )
    batches = list(ref_batches(refs))
    assert [ref for batch in batches for ref in batch] == refs
    assert all(len(batch) <= 50 for batch in batches)
    for batch in batches:
        query = sum(len("&externalOrderId=") + len(quote(ref, safe="")) for ref in batch)
        assert query <= QUERY_CHARS

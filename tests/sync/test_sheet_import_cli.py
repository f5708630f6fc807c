"""`impilo-desktop drafts import FILE.csv|FILE.xlsx` against the sandbox, in-process: the example
file of the docs imports without a problem; problems are listed with their rows and columns and
nothing is queued (or, with --skip-bad-rows, only the good orders); the same file twice queues
nothing; offline it still previews from this computer and says Impilo was not asked."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.cli import main
from impilo_desktop.config import Profile
from impilo_desktop.domain.order_sheet.xlsx import read_order_sheet
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState
from impilo_desktop.sync import ReferenceRefresher
from impilo_desktop.sync.sheet_import_cli import is_spreadsheet
from tests.network_servers import refusing_port
from tests.sync.conftest import open_profile_store
from tests.sync.order_sheets import csv_bytes, order_sheet, seed, with_problems, xlsx_bytes

pytestmark = pytest.mark.timeout(300)

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "orders.csv"
EXAMPLE_ORDERS = 4
EXAMPLE_UNITS = 16


def account(base_url: str) -> list[str]:
    return ["--profile", "sandbox", "--base-url", base_url]


def outbox(base_url: str) -> list[tuple[list[str], EntryState]]:
    with open_profile_store(Profile("sandbox", base_url)) as store:
        return [(e.draft.external_order_ids, e.state) for e in store.list_outbox()]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["drafts", "import", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_example_file_imports_is_sent_and_is_safe_to_import_again(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, str(EXAMPLE), *account(sandbox.base_url))

    assert code == 0, out + err
    assert err == ""
    counts = f"{EXAMPLE_ORDERS} orders, {EXAMPLE_UNITS} units: 0 already placed, 4 new."
    assert f"orders.csv: {counts}" in out
    assert "orders.csv: queued 4 orders as #1 to #4" in out
    queued = outbox(sandbox.base_url)
    assert [refs for refs, _ in queued] == [["RPM-0001"], ["RPM-0002"], ["RPM-0003"], ["RPM-0004"]]

    assert main(["sync", "--once", "--no-refresh", *account(sandbox.base_url)]) == 0
    assert {state for _, state in outbox(sandbox.base_url)} == {EntryState.SENT}
    capsys.readouterr()

    code, out, err = run(capsys, str(EXAMPLE), *account(sandbox.base_url))
    assert code == 0, out + err
    assert "4 already placed, 0 new." in out
    assert "nothing new to queue" in out
    assert len(outbox(sandbox.base_url)) == EXAMPLE_ORDERS


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_problems_are_listed_by_row_and_column_and_nothing_is_queued(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, kind: str
) -> None:
    data = seed()
    sheet, expected = with_problems(order_sheet(data), data)
    path = tmp_path / f"enrolled.{kind}"
    path.write_bytes((csv_bytes if kind == "csv" else xlsx_bytes)(sheet.rows))
    bad_orders = len({e.ref for e in expected})

    code, out, err = run(capsys, str(path), *account(sandbox.base_url))

    assert code == 1
    lines = err.splitlines()
    for e in expected:
        start = f"enrolled.{kind}: Row {e.row}, {e.column}: "
        assert any(line.startswith(start) and e.says in line for line in lines), (e, err)
    assert f"0 already placed, {100 - bad_orders} new, {bad_orders} with problems." in out
    assert f"add --skip-bad-rows to queue the {100 - bad_orders} good orders" in err
    assert outbox(sandbox.base_url) == []

    fix = tmp_path / f"fix-these.{kind}"
    code, out, err = run(
        capsys, str(path), "--skip-bad-rows", "--bad-rows-to", str(fix), *account(sandbox.base_url)
    )

    assert code == 1  # rows were left: the caller must know
    assert f"queued {100 - bad_orders} orders as #1 to #{100 - bad_orders}" in out
    rows_left = 3 * bad_orders  # every order of the file has 3 rows
    assert f"{rows_left} rows with problems ({bad_orders} orders) left out" in err
    assert len(outbox(sandbox.base_url)) == 100 - bad_orders
    left = read_order_sheet(fix.read_bytes())
    assert {row.get("order_ref") for row in left.rows} == {e.ref for e in expected}

    # The fixed file later: the good orders are already placed, only the bad ones are new.
    code, out, _ = run(capsys, str(path), *account(sandbox.base_url))
    assert f"{100 - bad_orders} already placed, 0 new, {bad_orders} with problems." in out
    assert len(outbox(sandbox.base_url)) == 100 - bad_orders


@pytest.fixture
def nowhere() -> Iterator[str]:
    """An address where nothing answers, for the whole test."""
    with refusing_port() as port:
        yield f"http://127.0.0.1:{port}"


def test_offline_it_previews_from_this_computer_and_says_impilo_was_not_asked(
    sandbox: SandboxServer, nowhere: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with open_profile_store(Profile("sandbox", nowhere)) as store:  # the lists, fetched earlier

        async def refresh() -> None:
            await ReferenceRefresher(
                store, lambda: ImpiloClient(sandbox.base_url, sandbox.api_key)
            ).refresh()

        asyncio.run(refresh())

    code, out, err = run(capsys, str(EXAMPLE), *account(nowhere))

    assert code == 0, out + err
    assert "Impilo was not asked" in err
    assert "0 already placed, 4 new." in out
    assert len(outbox(nowhere)) == EXAMPLE_ORDERS


def test_one_spreadsheet_at_a_time_and_no_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "order.json"
    other.write_text("{}", encoding="utf-8")
    code, _, err = run(capsys, str(EXAMPLE), str(other), "--profile", "sandbox")
    assert code == 2
    assert "one spreadsheet at a time" in err
    code, _, err = run(capsys, "--again", str(EXAMPLE), "--profile", "sandbox")
    assert code == 2
    assert "order_ref" in err


def test_a_spreadsheet_is_told_by_its_name_or_a_workbook_by_its_content(tmp_path: Path) -> None:
    workbook = tmp_path / "export-from-the-ehr"
    workbook.write_bytes(xlsx_bytes([{"order_ref": "A", "site_id": "101", "sku": "X"}]))
    json_file = tmp_path / "order.json"
    json_file.write_text("{}", encoding="utf-8")
    assert is_spreadsheet(workbook)
    assert is_spreadsheet(tmp_path / "Orders.CSV")  # by name, even before it exists
    assert not is_spreadsheet(json_file)
    assert not is_spreadsheet(tmp_path)  # a folder is the JSON importer's to report


def test_rows_left_out_are_offered_as_a_file_and_never_written_over_the_spreadsheet(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "enrolment.csv"
    path.write_bytes(
        csv_bytes(
            [
                {"order_ref": "A-1", "site_id": "101", "sku": "IMP-CIR-1002", "count": "1"},
                {"order_ref": "A-2", "site_id": "101", "sku": "IMP-XXX-0000", "count": "1"},
            ]
        )
    )
    original = path.read_bytes()

    code, _, err = run(capsys, str(path), "--bad-rows-to", str(path), *account(sandbox.base_url))
    assert code == 2
    assert "is the spreadsheet itself" in err
    assert path.read_bytes() == original
    assert outbox(sandbox.base_url) == []

    code, out, err = run(capsys, str(path), "--skip-bad-rows", *account(sandbox.base_url))
    assert code == 1
    assert "queued 1 order as #1" in out
    assert (
        '1 row with problems (1 order) left out and not queued; --bad-rows-to "enrolment - rows'
        ' with problems.csv" writes them to a file to fix.'
    ) in err

    folder = tmp_path / "to-fix"
    folder.mkdir()
    code, out, _ = run(capsys, str(path), "--bad-rows-to", str(folder), *account(sandbox.base_url))
    assert code == 1
    assert "1 already placed, 0 new, 1 with problems." in out
    written = folder / "enrolment - rows with problems.csv"
    assert f"1 row with problems written to {written}." in out
    [row] = read_order_sheet(written.read_bytes()).rows
    assert row.get("order_ref") == "A-2"


def test_offline_on_a_computer_without_the_lists_it_says_why_every_row_is_unknown(
    nowhere: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, str(EXAMPLE), *account(nowhere))

    assert code == 1
    assert "The lists could not be fetched (Cannot reach Impilo" in err
    assert "import it again once Impilo can be reached" in err
    assert "Impilo was not asked" in err
    assert "0 already placed, 0 new, 4 with problems." in out
    assert outbox(nowhere) == []


def test_an_ehr_exports_extra_columns_are_notes_and_the_file_is_queued(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "ehr.csv"
    path.write_text(
        "order_ref,Enrolled On,patient_id,sku,count\nE-1,2026-11-02,10001,IMP-CIR-1002,1,stray\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, str(path), *account(sandbox.base_url))

    assert code == 0, out + err
    assert err.splitlines() == [
        "ehr.csv: note: Row 1, Enrolled On: Unknown column “Enrolled On”; it was left out",
        "ehr.csv: note: Row 2: “stray” is in a column without a name; left out",
    ]
    assert "ehr.csv: queued 1 order as #1" in out
    assert [refs for refs, _ in outbox(sandbox.base_url)] == [["E-1"]]

"""Order spreadsheet rows -> order drafts: the recipient, the lines, and every row problem on
its row and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from impilo_desktop.api.models import Item, Kit, Patient, ShippingOption, Site
from impilo_desktop.domain.draft import PatientChoice, SiteChoice
from impilo_desktop.domain.new_patient import NewPatient, UsAddress
from impilo_desktop.domain.order_sheet.drafts import SheetDraft, sheet_drafts
from impilo_desktop.domain.order_sheet.lookups import CachedRecipients, SheetCatalog
from impilo_desktop.domain.order_sheet.sheet import SheetProblem, read_csv

CATALOG = SheetCatalog.of(
    [
        Item(id=1, sku="BP-200", name="BP monitor", orderable=True),
        Item(id=2, sku="CUFF-L", name="Large cuff", orderable=True),
        Item(id=3, sku="OLD-1", name="Old scale", orderable=False),
    ],
    [
        Kit(id=10, name="Hypertension starter", archived=False),
        Kit(id=11, name="Twin kit", archived=False),
        Kit(id=12, name="Twin kit", archived=False),
        Kit(id=13, name="Retired kit", archived=True),
    ],
)
RECIPIENTS = CachedRecipients.of(
    [
        Patient(id=100, first_name="Amara", last_name="Okafor", external_identifier="MRN-1"),
        Patient(id=101, first_name="Ben", last_name="Ito", external_identifier="MRN-2"),
        Patient(id=102, first_name="Ben", last_name="Ito", external_identifier="MRN-2"),
    ],
    [Site(id=7, name="Northside Clinic", active=True)],
)
NEW_PATIENT_HEADER = (
    "first_name,last_name,date_of_birth,sex,email,phone,address_line_one,address_line_two,"
    "city,state,zip"
)


def drafts(tmp_path: Path, text: str) -> list[SheetDraft]:
    """The file's orders; a header without order_ref gets one, a ref of its own per row
    (every order needs one; these tests are about something else)."""
    header, *lines = text.split("\n")
    if "order_ref" not in header:
        text = "\n".join(
            [
                f"order_ref,{header}",
                *(f"R{n},{line}" if line else "" for n, line in enumerate(lines)),
            ]
        )
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    sheet = read_csv(path.read_bytes())
    assert sheet.problems == []
    return sheet_drafts(sheet, CATALOG, RECIPIENTS)


def problems(orders: list[SheetDraft]) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.message) for o in orders for p in o.problems]


def test_rows_of_one_ref_become_one_draft_with_the_ref_as_external_id(tmp_path: Path) -> None:
    orders = drafts(
        tmp_path,
        "order_ref,patient_id,sku,kit_name,count,shipping_option,note\n"
        "HTN-1,100,BP-200,,1,Overnight,Call first\n"
        "HTN-1,,CUFF-L,,2,,Call first\n"
        ",,,,,,\n"  # an empty row is skipped
        "K-1,7,,hypertension  STARTER,3,,\n",
    )
    assert problems(orders) == [
        (
            5,
            "patient_id",
            "No patient with the id 7 on this computer; check it, or refresh the patient list",
        )
    ]
    first = orders[0]
    assert (first.ref, first.rows, first.ok, first.units) == ("HTN-1", (2, 3), True, 3)
    draft = first.draft
    assert draft.patient is not None
    assert draft.patient.id == 100
    assert [(ln.item_id, ln.count, ln.name, ln.sku) for ln in draft.item_lines] == [
        (1, 1, "BP monitor", "BP-200"),
        (2, 2, "Large cuff", "CUFF-L"),
    ]
    assert draft.external_order_ids == ["HTN-1"]
    assert draft.shipping_option == ShippingOption.OVERNIGHT
    assert draft.notes == ["Call first"]
    assert [(ln.kit_id, ln.count) for ln in orders[1].draft.kit_lines] == [(10, 3)]
    assert orders[1].ref == "K-1"


def test_a_row_without_order_ref_is_a_problem_on_that_cell(tmp_path: Path) -> None:
    # Never queued: a second import could not know it is already placed.
    orders = drafts(tmp_path, "order_ref,patient_id,sku,count\nA,100,BP-200,1\n,100,CUFF-L,1\n")
    assert [(o.ref, o.ok) for o in orders] == [("A", True), (None, False)]
    assert problems(orders) == [
        (
            3,
            "order_ref",
            "Fill in the order_ref: the same one on every row of the order, a new one per order",
        )
    ]


def test_each_way_of_naming_the_recipient(tmp_path: Path) -> None:
    orders = drafts(
        tmp_path,
        f"order_ref,patient_id,patient_external_id,site_id,{NEW_PATIENT_HEADER},sku,count\n"
        "A,100,,,,,,,,,,,,,,BP-200,1\n"
        "B,,MRN-1,,,,,,,,,,,,,BP-200,1\n"
        "C,,,7,,,,,,,,,,,,BP-200,1\n"
        "D,,,,Jane,Doe,4/30/1961,Female,jane@example.org,555-010-2030,1 Main St,Apt 2,"
        "Albany,ny,12207,BP-200,1\n",
    )
    assert problems(orders) == []
    assert [o.draft.recipient_kind for o in orders] == ["patient", "patient", "site", "patient"]
    assert orders[0].draft.patient == orders[1].draft.patient
    assert orders[2].draft.site == SiteChoice(id=7, name="Northside Clinic", active=True)
    assert orders[3].draft.new_patient == NewPatient(
        first_name="Jane",
        last_name="Doe",
        date_of_birth="1961-04-30",
        sex="female",
        email="jane@example.org",
        phone_number="555-010-2030",
        address=UsAddress(
            line_one="1 Main St", line_two="Apt 2", city="Albany", state="ny", zip_code="12207"
        ),
    )


def test_recipient_problems(tmp_path: Path) -> None:
    orders = drafts(
        tmp_path,
        "order_ref,patient_id,patient_external_id,site_id,first_name,sku,count\n"
        "A,100,,7,,BP-200,1\n"  # two ways
        "B,,MRN-2,,,BP-200,1\n"  # two patients with this MRN
        "C,,MRN-9,,,BP-200,1\n"  # no such MRN
        "D,abc,,,,BP-200,1\n"  # not an id
        "E,,,,,BP-200,1\n"  # no recipient at all
        "F,100,,,Jane,BP-200,1\n",  # a patient and a new patient
    )
    assert problems(orders) == [
        (
            2,
            "site_id",
            "The recipient is named more than one way (patient_id and site_id); keep one",
        ),
        (3, "patient_external_id", "2 patients have the external id MRN-2; use patient_id instead"),
        (
            4,
            "patient_external_id",
            "No patient with the external id MRN-9 on this computer; "
            "check it, or refresh the patient list",
        ),
        (5, "patient_id", "patient_id must be Impilo's patient id (a number)"),
        (
            6,
            None,
            "No recipient: fill in patient_id, patient_external_id, site_id, or a new "
            "patient's name and address",
        ),
        (
            7,
            "first_name",
            "The recipient is named more than one way (patient_id and a new "
            "patient's details); keep one",
        ),
    ]
    assert not any(o.ok for o in orders)


def test_rows_of_one_order_must_agree_about_the_recipient(tmp_path: Path) -> None:
    orders = drafts(
        tmp_path,
        "order_ref,patient_id,patient_external_id,sku,count\n"
        "A,100,,BP-200,1\n"
        "A,,MRN-1,CUFF-L,1\n"  # the same patient by MRN: fine
        "A,,,OLD-1,1\n"  # no recipient: the order's
        "A,101,,OLD-1,1\n",  # another patient
    )
    assert [(p.row, p.column) for p in orders[0].problems] == [
        (4, "sku"),  # OLD-1 cannot be ordered (validation, on its cell)
        (5, "patient_id"),
        (5, "sku"),
    ]
    assert orders[0].problems[1].message == (
        "This row names a different recipient than row 2; the rows of one order go to one recipient"
    )
    assert orders[0].problems[2].message == (
        "Old scale is already on row 4 of this order; put the whole count on one row"
    )


def test_line_problems(tmp_path: Path) -> None:
    orders = drafts(
        tmp_path,
        "patient_id,item_id,sku,kit_id,kit_name,count\n"
        "100,,NOPE,,,1\n"
        "100,,,,Twin kit,1\n"
        "100,,,,No such kit,1\n"
        "100,,,13,,1\n"
        "100,99,,,,1\n"
        "100,1,BP-200,,,1\n"
        "100,,,,,1\n"
        "100,,BP-200,,,0\n"
        "100,,BP-200,,,1000\n"
        "100,,BP-200,,,two\n"
        "100,,BP-200,,,\n"
        "100,,BP-200,,,-1\n"
        "100,,CUFF-L,,,2.0\n",
    )
    assert problems(orders) == [
        (
            2,
            "sku",
            "No item with the SKU NOPE in the catalog on this computer; check it, or "
            "refresh the lists",
        ),
        (3, "kit_name", "2 kits are named “Twin kit”; use kit_id instead"),
        (4, "kit_name", "No kit named “No such kit”; check it, or refresh the lists"),
        (5, "kit_id", "Retired kit is archived and can no longer be ordered"),
        (
            6,
            "item_id",
            "No item with the id 99 in the catalog on this computer; check it, or "
            "refresh the lists",
        ),
        (7, "sku", "This row names what to ship more than one way (item_id and sku); keep one"),
        (8, None, "Nothing to ship on this row: fill in item_id, sku, kit_id or kit_name"),
        (9, "count", "The count must be from 1 to 999, not 0"),
        (10, "count", "The count must be from 1 to 999, not 1000"),
        (11, "count", "The count two is not a whole number"),
        (12, "count", "Enter the count"),
        (13, "count", "The count must be from 1 to 999, not -1"),
    ]
    assert [(ln.sku, ln.count) for ln in orders[-1].draft.item_lines] == [("CUFF-L", 2)]


def test_a_new_patients_missing_and_wrong_fields_are_on_their_cells(tmp_path: Path) -> None:
    orders = drafts(
        tmp_path,
        f"{NEW_PATIENT_HEADER},sku,count\n"
        "Jane,,2/30/1961,,not-an-email,,1 Main St,,Albany,New York,1220,BP-200,1\n",
    )
    assert [(p.row, p.column) for p in orders[0].problems] == [
        (2, "last_name"),
        (2, "date_of_birth"),
        (2, "email"),
        (2, "state"),
        (2, "zip"),
    ]


def test_rows_of_a_new_patients_order_must_repeat_the_same_patient(tmp_path: Path) -> None:
    orders = drafts(
        tmp_path,
        f"order_ref,{NEW_PATIENT_HEADER},sku,count\n"
        "N,Jane,Doe,1961-04-30,,,,1 Main St,,Albany,NY,12207,BP-200,1\n"
        "N,Jane,Doe,1961-04-30,,,,1 Main St,,Albany,NY,12207,CUFF-L,1\n"
        "N,Jane,Doe,1961-04-30,,,,9 Elm St,,Albany,NY,12207,OLD-1,1\n",
    )
    # Row 4 also orders an item that cannot be ordered: both are said.
    assert [(p.row, p.column) for p in orders[0].problems] == [(4, "address_line_one"), (4, "sku")]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [(("Standard", "standard"), None), (("overnight", "Standard"), 3), (("rocket", ""), 2)],
)
def test_shipping_option_is_one_per_order(
    tmp_path: Path, cells: tuple[str, str], expected: int | None
) -> None:
    orders = drafts(
        tmp_path,
        "order_ref,patient_id,sku,count,shipping_option\n"
        f"A,100,BP-200,1,{cells[0]}\nA,,CUFF-L,1,{cells[1]}\n",
    )
    assert [p.row for p in orders[0].problems] == ([] if expected is None else [expected])
    assert all(p.column == "shipping_option" for p in orders[0].problems)


def test_a_ref_too_long_for_impilo_is_on_the_ref_cell(tmp_path: Path) -> None:
    orders = drafts(tmp_path, f"order_ref,patient_id,sku,count\n{'R' * 101},100,BP-200,1\n")
    assert [(p.row, p.column) for p in orders[0].problems] == [(2, "order_ref")]


def test_problems_read_as_row_and_column() -> None:
    assert str(SheetProblem(4, "sku", "No item")) == "Row 4, sku: No item"


def test_lookups_skip_records_without_ids() -> None:
    catalog = SheetCatalog.of([Item(sku="X")], [Kit(name="K")])
    assert catalog.items_with_sku("x") == []
    assert catalog.kits_named("k") == []
    recipients = CachedRecipients.of([Patient(first_name="No id")], [Site(name="No id")])
    assert recipients.patients == {}
    assert recipients.sites == {}
    assert RECIPIENTS.patient(100) == PatientChoice(
        id=100, first_name="Amara", last_name="Okafor", external_identifier="MRN-1"
    )


def test_ids_and_counts_beyond_what_impilo_can_hold_are_problems_on_their_cells(
    tmp_path: Path,
) -> None:
    too_big = str(2**63)  # one past int64, Impilo's ids in the API's spec
    largest = str(2**63 - 1)
    orders = drafts(
        tmp_path,
        "patient_id,site_id,item_id,kit_id,count\n"
        f"{too_big},,1,,1\n"
        f",{too_big},1,,1\n"
        f"100,,{too_big},,1\n"
        f"100,,,{too_big},1\n"
        f"100,,1,,{too_big}\n"
        f"{largest},,1,,1\n",
    )
    assert problems(orders) == [
        (2, "patient_id", "patient_id must be Impilo's patient id (a number)"),
        (3, "site_id", "site_id must be Impilo's site id (a number)"),
        (4, "item_id", "item_id must be Impilo's item id (a number)"),
        (5, "kit_id", "kit_id must be Impilo's kit id (a number)"),
        (6, "count", f"The count must be from 1 to 999, not {too_big}"),
        (
            7,
            "patient_id",
            f"No patient with the id {largest} on this computer; check it, or refresh the "
            "patient list",
        ),
    ]

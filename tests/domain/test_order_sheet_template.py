"""The template spreadsheet reads back as the import expects it."""

from __future__ import annotations

from impilo_desktop.api.models import Item, Kit, Patient, Site
from impilo_desktop.domain.order_sheet.drafts import sheet_drafts
from impilo_desktop.domain.order_sheet.lookups import CachedRecipients, SheetCatalog
from impilo_desktop.domain.order_sheet.sheet import COLUMNS, group_orders, read_csv
from impilo_desktop.domain.order_sheet.template import template_csv


def test_the_template_reads_back_without_a_problem() -> None:
    sheet = read_csv(template_csv())
    assert sheet.problems == []
    assert sheet.columns == list(COLUMNS)
    orders = group_orders(sheet.rows)
    assert [(o.ref, [r.number for r in o.rows]) for o in orders] == [
        ("RPM-0001", [2, 3]),
        ("RPM-0002", [4]),
        ("RPM-0003", [5]),
        ("RPM-0004", [6]),
    ]


def test_the_empty_template_is_the_header_alone() -> None:
    data = template_csv(examples=False)
    assert data.startswith(b"\xef\xbb\xbf")
    sheet = read_csv(data)
    assert (sheet.rows, sheet.problems, sheet.columns) == ([], [], list(COLUMNS))


def test_the_examples_are_valid_orders_where_the_catalog_knows_them() -> None:
    catalog = SheetCatalog.of(
        [
            Item(id=3001, sku="IMP-BLO-3001", orderable=True),
            Item(id=3002, sku="IMP-CUF-3002", orderable=True),
            Item(id=3005, sku="IMP-STR-3005", orderable=True),
        ],
        [Kit(id=2210, name="BP kit"), Kit(id=2211, name="Hypertension starter")],
    )
    recipients = CachedRecipients.of(
        [Patient(id=4821, last_name="Okafor"), Patient(id=4822, external_identifier="MRN-100234")],
        [Site(id=12, name="Northside Clinic")],
    )
    orders = sheet_drafts(read_csv(template_csv()), catalog, recipients)
    assert [(o.ref, o.problems) for o in orders] == [(f"RPM-000{n}", []) for n in range(1, 5)]

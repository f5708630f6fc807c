"""The template spreadsheet a coordinator starts from ("Save template spreadsheet", and the
example file): every column the import reads, and one example of each way to name a recipient.

The example ids, SKUs and kit names are placeholders (each clinic's catalog differs): the rows
read as a spreadsheet without a problem, and the preview then says which of them this
computer's catalog and patients do not know, as it would for a real file.
"""

from __future__ import annotations

import csv
import io

from impilo_desktop.domain.order_sheet.sheet import COLUMNS

EXAMPLE_ROWS: tuple[dict[str, str], ...] = (
    # A patient Impilo has, by Impilo id: two lines make one order (same order_ref).
    {"order_ref": "RPM-0001", "patient_id": "4821", "sku": "IMP-BLO-3001", "count": "1"},
    {"order_ref": "RPM-0001", "sku": "IMP-CUF-3002", "count": "1", "note": "Large cuff"},
    # A patient by the clinic's own id (MRN), a kit by its name, shipped overnight.
    {
        "order_ref": "RPM-0002",
        "patient_external_id": "MRN-100234",
        "kit_name": "Hypertension starter",
        "count": "1",
        "shipping_option": "overnight",
    },
    # A new patient, created with the order: name and US address required.
    {
        "order_ref": "RPM-0003",
        "first_name": "Jane",
        "last_name": "Doe",
        "date_of_birth": "1961-04-30",
        "sex": "female",
        "email": "jane.doe@example.org",
        "phone": "555-010-2030",
        "address_line_one": "1 Main St",
        "address_line_two": "Apt 2",
        "city": "Albany",
        "state": "NY",
        "zip": "12207",
        "kit_id": "2210",
        "count": "1",
    },
    # A site (the clinic itself), by Impilo id.
    {"order_ref": "RPM-0004", "site_id": "12", "item_id": "3005", "count": "10"},
)


def template_csv(*, examples: bool = True) -> bytes:
    """The template as CSV bytes: UTF-8 with a BOM (so Excel opens accents right), the
    header of every column, and the example rows unless `examples` is False."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in EXAMPLE_ROWS if examples else ():
        writer.writerow([row.get(column, "") for column in COLUMNS])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")

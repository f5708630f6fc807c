"""The first worksheet of an Excel workbook (.xlsx) read as the CSV is (openpyxl; see
docs/decisions.md "Order spreadsheets: CSV by the stdlib, XLSX by openpyxl").

Cells are read as their values (a formula's last computed value, as Excel saved it) and turned
into the text a coordinator sees: a whole number without ".0", a date as YYYY-MM-DD. A ZIP code
Excel stored as a number lost its leading zero (02134 became 2134); under the `zip` column a
number of fewer than five digits gets it back. Never raises: a file that is not a workbook, or
a damaged one, is a `SheetProblem`.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from impilo_desktop.domain.order_sheet.sheet import (
    HEADER_ROW,
    MAX_ROWS,
    Sheet,
    SheetProblem,
    normal_column,
    read_csv,
    read_table,
)

XLSX_MAGIC = b"PK\x03\x04"  # a workbook is a zip archive
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (Excel 97-2003), a compound document
ZIP_DIGITS = 5


def read_order_sheet(data: bytes) -> Sheet:
    """A spreadsheet's rows, whichever kind of file it is (told by its content, not its name:
    a workbook renamed .csv still reads). Never raises."""
    if data.startswith(XLSX_MAGIC):
        return read_xlsx(data)
    if data.startswith(OLD_EXCEL_MAGIC):
        return _refused("This is an old Excel file (.xls); save it as .xlsx or CSV UTF-8")
    return read_csv(data)


def read_xlsx(data: bytes) -> Sheet:
    """The rows of a workbook's first worksheet. Never raises."""
    try:
        table = _first_sheet_values(data)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError):
        # openpyxl says a damaged archive or part in any of these.
        return _refused("The workbook can't be read; it may be damaged. Save it again in Excel")
    except Exception:  # defence in depth: a reader bug must not end the import
        return _refused("The workbook can't be read; save it again as .xlsx or CSV UTF-8")
    return read_table(table)


def _refused(message: str) -> Sheet:
    return Sheet(problems=[SheetProblem(None, None, message)])


def _first_sheet_values(data: bytes) -> list[list[str]]:
    with warnings.catch_warnings():
        # Workbooks written by EHR exports and other tools often lack parts Excel writes
        # (a default style, a print area); openpyxl warns and reads them correctly.
        warnings.simplefilter("ignore")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                return []
            sheet = workbook.worksheets[0]
            table: list[list[str]] = []
            zip_column: int | None = None
            for values in sheet.iter_rows(values_only=True):
                if not table:
                    zip_column = _zip_column(values)
                table.append(
                    [_text(value, position == zip_column) for position, value in enumerate(values)]
                )
                if len(table) > MAX_ROWS + HEADER_ROW:
                    break  # read_table reports it; the rest need not be read
            return table
        finally:
            workbook.close()


def _zip_column(header: Sequence[Any]) -> int | None:
    names = [normal_column(value) if isinstance(value, str) else "" for value in header]
    return names.index("zip") if "zip" in names else None


def _text(value: Any, is_zip: bool = False) -> str:
    """A cell's value as the text the coordinator sees in Excel."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        return text.zfill(ZIP_DIGITS) if is_zip and value > 0 and len(text) < ZIP_DIGITS else text
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)

"""The first worksheet of an Excel workbook (.xlsx) read as the CSV is (openpyxl; see
docs/decisions.md "Order spreadsheets: CSV by the stdlib, XLSX by openpyxl").

Cells are read as their values (a formula's last computed value, as Excel saved it) and turned
into the text a coordinator sees: a whole number without ".0", a date as YYYY-MM-DD. A ZIP code
Excel stored as a number lost its leading zero (02134 became 2134); under the `zip` column a
number of fewer than five digits gets it back. Never raises: a file that is not a workbook, or
a damaged one, is a `SheetProblem`.

Only the header's columns are read, plus `STRAY_MARGIN` to report a cell typed just beyond
them: the size a workbook declares is not trusted (one stray cell far to the right made every
row 16,384 cells wide). Formatted but empty rows are skipped and not counted as order lines.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from typing import Any, Protocol, cast

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
STRAY_MARGIN = 16
"""Columns read past the header's last named one, so a cell typed just beyond it is reported
(not silently lost); anything further right is not read at all."""
MAX_COLUMNS = 1_000
"""No header is this wide; a stray header cell far to the right is not followed further."""
_EMPTY_ROW: tuple[str, ...] = ()
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
    # openpyxl is imported by the first workbook read, not with this module: it takes a
    # tenth of a second, and the window's start imports the import's core.
    from openpyxl.utils.exceptions import InvalidFileException

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


def _first_sheet_values(data: bytes) -> list[Sequence[str]]:
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    with warnings.catch_warnings():
        # Workbooks written by EHR exports and other tools often lack parts Excel writes
        # (a default style, a print area); openpyxl warns and reads them correctly.
        warnings.simplefilter("ignore")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not workbook.worksheets:
                return []
            sheet = workbook.worksheets[0]
            if not isinstance(sheet, ReadOnlyWorksheet):
                return []  # a chart sheet first: no cells
            # types-openpyxl gives ReadOnlyWorksheet Worksheet's own iter_rows (self typed
            # Worksheet), which mypy refuses; the protocol says what is used.
            return _values(cast(_ReadOnlyRows, sheet))
        finally:
            workbook.close()


class _ReadOnlyRows(Protocol):
    def reset_dimensions(self) -> None: ...

    def iter_rows(
        self,
        min_row: int | None = None,
        max_row: int | None = None,
        min_col: int | None = None,
        max_col: int | None = None,
        values_only: bool = False,
    ) -> Iterator[tuple[Any, ...]]: ...


def _values(sheet: _ReadOnlyRows) -> list[Sequence[str]]:
    """The worksheet's rows as texts, as wide as the header (plus a margin) and no wider.

    The size the workbook declares is not trusted (`reset_dimensions`): one stray cell in
    column XFD made openpyxl pad every row out to 16,384 cells (3,000 rows: 8 s, 800 MB).
    Empty rows (formatted, never filled) are kept as one shared empty row, for the row
    numbers, and do not count toward `MAX_ROWS`."""
    sheet.reset_dimensions()
    header = next(sheet.iter_rows(max_row=HEADER_ROW, values_only=True), ())
    header_texts = _trimmed([_text(value) for value in header[:MAX_COLUMNS]])
    if not header_texts:
        return [header_texts]
    zip_column = _zip_column(header)
    width = min(len(header_texts) + STRAY_MARGIN, MAX_COLUMNS)
    table: list[Sequence[str]] = [header_texts]
    lines = 0
    for values in sheet.iter_rows(min_row=HEADER_ROW + 1, max_col=width, values_only=True):
        if all(value is None for value in values):
            table.append(_EMPTY_ROW)
            continue
        table.append(
            _trimmed(
                [_text(value, position == zip_column) for position, value in enumerate(values)]
            )
        )
        lines += 1
        if lines > MAX_ROWS:
            break  # read_table reports it; the rest need not be read
    return table


def _trimmed(texts: list[str]) -> list[str]:
    while texts and not texts[-1]:
        texts.pop()
    return texts


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

"""What the import says, in the coordinator's words: the preview's totals, an order's
standing, the batch's progress and outcome. Pure functions, no Qt."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from impilo_desktop.domain.order_sheet.sheet import SheetProblem
from impilo_desktop.store import RefsAlreadyQueued, StoreError
from impilo_desktop.sync.order_import import ImportPreview, PreviewOrder
from impilo_desktop.sync.order_import.contract import OrderStanding
from impilo_desktop.sync.sheet_file import SameAsSpreadsheet
from impilo_desktop.ui.order_import.batch_words import batch_outcome as batch_outcome
from impilo_desktop.ui.order_import.batch_words import batch_progress as batch_progress
from impilo_desktop.ui.order_import.batch_words import outcome as outcome

WHAT_THE_FILE_HOLDS = (
    "One row of the spreadsheet is one line of an order: rows with the same <b>order_ref</b>"
    " make one order, and an order_ref already placed is never placed again."
    "<br>Name the recipient with <b>patient_id</b>, <b>patient_external_id</b> (MRN),"
    " <b>site_id</b>, or a new patient's name and US address; name each line with"
    " <b>item_id</b>, <b>sku</b>, <b>kit_id</b> or <b>kit_name</b>, and its <b>count</b>."
    "<br>Optional: <b>shipping_option</b> and <b>note</b>. Headers may use any case, spaces"
    " or underscores. The template spreadsheet has every column and an example of each."
)

EXAMPLE_TITLE = (
    "An example: RPM-0001 is one order of two lines; RPM-0003 creates a new patient with the"
    " order. Its ids are placeholders: yours come from Impilo and your EHR."
)

TEMPLATE_FILE_NAME = "order import template.csv"
FILE_FILTER = "Spreadsheets (*.csv *.xlsx);;CSV files (*.csv);;Excel workbooks (*.xlsx)"
SPREADSHEET_SUFFIXES = (".csv", ".xlsx")
SAME_AS_SPREADSHEET = (
    "That is the spreadsheet being imported: the rows with problems would replace it, and its"
    " good rows are only there. Choose another name."
)


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def totals(preview: ImportPreview) -> str:
    """ "100 orders, 37 already placed, 13 new (26 units), 2 with problems (5 rows)"."""
    parts = [plural(len(preview.orders), "order")]
    if preview.already_placed:
        parts.append(f"{len(preview.already_placed):,} already placed")
    parts.append(f"{len(preview.new_orders):,} new ({plural(preview.new_units, 'unit')})")
    if preview.problem_orders:
        rows = plural(len(preview.problem_rows), "row")
        parts.append(f"{len(preview.problem_orders):,} with problems ({rows})")
    return ", ".join(parts)


def checked_where(preview: ImportPreview) -> str:
    """Empty when Impilo was asked; otherwise why "already placed" is this computer's only."""
    if preview.server_checked:
        return ""
    problem = (preview.server_problem or "").strip().rstrip(".")
    if problem.startswith("Impilo was not asked"):
        first = problem  # no key to ask with: said by the core as it is
    else:
        first = "Impilo could not be asked" + (f" ({problem})" if problem else "")
    return (
        f"{first}. “Already placed” counts only the orders of this computer, and patients"
        " this computer does not know are shown as unknown. Each order is checked on Impilo"
        " before it is sent."
    )


def standing(order: PreviewOrder) -> str:
    if order.standing == OrderStanding.NEW:
        return "New"
    if order.standing == OrderStanding.PROBLEM:
        return f"Problems ({len(order.problems)})" if len(order.problems) > 1 else "Problem"
    if order.standing == OrderStanding.IN_DRAFTS:
        return f"Already on this computer ({order.already})"
    return f"Already placed ({order.already})" if order.already else "Already placed"


def rows_text(rows: Sequence[int]) -> str:
    """ "7", "7-9" for a run, "7, 12, 15" otherwise."""
    if not rows:
        return ""
    if len(rows) > 1 and list(rows) == list(range(rows[0], rows[0] + len(rows))):
        return f"{rows[0]}-{rows[-1]}"
    return ", ".join(str(row) for row in rows)


def problem_text(problem: SheetProblem) -> str:
    """ "Row 7, sku: No item with the SKU …" (the domain's own wording); "Note: Row 1, Ward:
    Unknown column …" for what was only left out and stops nothing."""
    return str(problem) if problem.blocking else f"Note: {problem}"


def queue_all_label(preview: ImportPreview) -> str:
    return f"&Queue {plural(len(preview.new_orders), 'order')}"


def queue_good_label(preview: ImportPreview) -> str:
    good = plural(len(preview.new_orders), "good order")
    bad = plural(len(preview.problem_rows), "row")
    return f"Queue the {good} and &save the {bad} with problems…"


def nothing_to_queue(preview: ImportPreview) -> str:
    """Why neither queue button is offered, or "" when one is."""
    if preview.file_problems and not preview.orders:
        return "Nothing in this file can be imported; see the problems below."
    if preview.file_problems:
        return "The file itself has a problem (listed below): correct it and choose it again."
    if preview.new_orders:
        return ""
    if preview.problem_orders:
        return "Every order left to place has problems: correct the file and choose it again."
    if preview.orders:
        return "Every order of this file is already placed: there is nothing to queue."
    return "This file holds no orders."


def not_saved(path: Path, error: BaseException) -> str:
    """Why a file could not be written, in plain words (the detail goes to the log)."""
    reason = error.strerror if isinstance(error, OSError) and error.strerror else "an error"
    return f"Could not save {path.name} ({reason}). Choose another folder or name."


def not_queued(error: BaseException, problems_path: Path | None) -> str:
    """Why nothing was queued, said once ("Nothing was queued: …")."""
    if isinstance(error, SameAsSpreadsheet):
        return SAME_AS_SPREADSHEET + " Nothing was queued."
    if isinstance(error, OSError) and problems_path is not None:
        return not_saved(problems_path, error) + " Nothing was queued."
    if isinstance(error, RefsAlreadyQueued):
        orders = plural(len(error.refs), "order")
        return f"Nothing was queued: {orders} of this file were queued since it was checked."
    if isinstance(error, StoreError):
        message = error.message  # the store's own may say "Nothing was queued" already
        return (
            message
            if message.startswith("Nothing was queued")
            else (f"Nothing was queued: {message}")
        )
    return "Nothing was queued: something went wrong (the details are in the log)."


def queued_text(count: int, file_name: str, problems_file: str | None) -> str:
    text = f"{plural(count, 'order')} queued from {file_name}; they are being sent."
    if problems_file:
        text += f" The rows with problems are in {problems_file}."
    return text


REFUSED_WHERE = (
    "Refused orders are on the Drafts & outbox page with the reason: open one there, correct"
    " it and send it again."
)
HELD_WHERE = "Orders waiting for you are on the Drafts & outbox page, with what they wait for."

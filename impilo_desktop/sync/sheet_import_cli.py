"""`impilo-desktop drafts import FILE.csv|FILE.xlsx`: an order spreadsheet previewed, then queued.

The same preview the window shows (`build_preview`), in lines: every problem with its row and
column, then "37 already placed, 13 new". While a problem remains nothing is queued and the exit
status is 1, unless `--skip-bad-rows`: then the good orders are queued in one transaction and
the rows left out are counted (and written to `--bad-rows-to FILE` with what is wrong on each).
Orders already queued, sent or on Impilo (by `order_ref`) are never queued again, so running the
same file twice is safe.

Impilo is asked with the profile's key, as `sync` does; without a key or a connection the
preview still works from this computer's lists and outbox, and says Impilo was not asked.
The catalog and sites, when this computer has never fetched them (a first import from the
command line), are fetched first: matched against nothing, every row would be unknown. Patients
are not: `build_preview` asks Impilo about the ones this computer does not have, which for a
file of 300 is far less than a list of 100,000.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from impilo_desktop.config import ConfigError, Profile, Settings
from impilo_desktop.domain.order_sheet.sheet import SheetProblem
from impilo_desktop.domain.validation import DraftInvalid
from impilo_desktop.store import Store, StoreError
from impilo_desktop.sync.cli_common import (
    EXIT_OK,
    EXIT_PENDING,
    api_key_of,
    cli_logging,
    fail,
    open_store,
    profile_of,
    read_order_file,
    say,
)
from impilo_desktop.sync.sheet_file import MAX_SHEET_BYTES, TOO_LARGE

if TYPE_CHECKING:
    from impilo_desktop.sync.order_import import ImportBatch, ImportPreview
    from impilo_desktop.sync.sender import ClientFactory

# The import's core (and openpyxl) is imported when a spreadsheet is imported, not by every
# command of the command line (`outbox`, `sync`) that registers this one's options.

SHEET_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm", ".xls")
SKIP_HELP = (
    "a spreadsheet with problems: queue its good orders anyway (in one go) and leave out the "
    "orders whose rows have problems; without it nothing is queued while a problem remains"
)
BAD_ROWS_HELP = (
    "a spreadsheet: write the rows with problems to FILE (the same kind of file, with a last "
    "column saying what is wrong on each row) to fix and import again; given a folder, the "
    "file in it is named after the spreadsheet (NAME - rows with problems.csv)"
)


def add_sheet_arguments(importer: argparse.ArgumentParser) -> None:
    importer.add_argument("--skip-bad-rows", action="store_true", help=SKIP_HELP)
    importer.add_argument("--bad-rows-to", type=Path, metavar="FILE", help=BAD_ROWS_HELP)


def is_spreadsheet(path: Path) -> bool:
    """An order spreadsheet rather than a create-order JSON file: by its name, or by its first
    bytes (a workbook saved without its suffix). Only a regular file is peeked at."""
    if path.suffix.lower() in SHEET_SUFFIXES:
        return True
    from impilo_desktop.domain.order_sheet.xlsx import OLD_EXCEL_MAGIC, XLSX_MAGIC

    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return False
        with path.open("rb") as file:
            start = file.read(len(XLSX_MAGIC))
    except OSError:
        return False
    return start in (XLSX_MAGIC, OLD_EXCEL_MAGIC)


def _shown(path: Path) -> str:
    # A name with bytes that are not UTF-8 is shown as those bytes (\xe9).
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def run_sheet_import(args: argparse.Namespace, path: Path) -> int:
    """Preview one spreadsheet, say what it holds, and queue its new orders when allowed."""
    given = _shown(path)
    name = _shown(Path(path.name))  # each line starts with it: the name, not the folder
    if args.again:
        return fail(
            "--again is for create-order JSON files; a spreadsheet's order already placed is "
            "recognised by its order_ref (give the row a new order_ref to place it again)."
        )
    data, problem = read_order_file(path, MAX_SHEET_BYTES, TOO_LARGE)
    if problem is not None:
        say(f"{given}: {problem}; nothing queued.", err=True)
        return EXIT_PENDING
    try:
        profile = profile_of(args)
        store = open_store(profile)
    except ConfigError as exc:
        return fail(str(exc))
    except StoreError as exc:
        return fail(exc.message)
    key = api_key_of(profile)
    with store, cli_logging(key or "", verbose=False):
        try:
            preview = asyncio.run(_preview(data, path.name, store, profile, key))
            _tell(name, preview)
            return _queue(args, name, store, profile, preview)
        except StoreError as exc:
            return fail(f"{exc.message} Nothing from {name} was queued.")
        except DraftInvalid as exc:  # the preview checked the same rules: a bug if it happens
            problem = exc.problems[0].message if exc.problems else "an order is not valid"
            say(f"{name}: nothing queued: {problem} (report it).", err=True)
            return EXIT_PENDING


# -- the preview ----------------------------------------------------------------------------


async def _preview(
    data: bytes, file_name: str, store: Store, profile: Profile, key: str | None
) -> ImportPreview:
    from impilo_desktop.sync.order_import import build_preview

    if key is None:
        return await build_preview(data, file_name, store, None)
    from impilo_desktop.api.client import ImpiloClient

    network = Settings.load().network  # the proxy chosen in the app's Settings

    def client() -> ImpiloClient:
        return ImpiloClient(profile.base_url, key, network=network)

    await _fetch_lists_never_fetched(store, client)
    async with client() as opened:
        return await build_preview(data, file_name, store, opened)


async def _fetch_lists_never_fetched(store: Store, client: ClientFactory) -> None:
    from impilo_desktop.api.errors import ImpiloError
    from impilo_desktop.store import ReferenceKind
    from impilo_desktop.sync.reference import ReferenceRefresher

    lists = (ReferenceKind.SITE, ReferenceKind.ITEM, ReferenceKind.KIT)
    missing = [kind for kind in lists if store.reference_fetched_at(kind) is None]
    if not missing:
        return
    names = [f"{kind.value}s" for kind in missing]
    words = ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]
    say(f"Fetching the lists of {words} from Impilo (never fetched on this computer)...")
    try:
        await ReferenceRefresher(store, client).refresh(missing)
    except ImpiloError as exc:
        say(
            f"The lists could not be fetched ({exc.message.rstrip('.')}): the items, kits and "
            "sites the file names are unknown here until they are; import it again once "
            "Impilo can be reached.",
            err=True,
        )


def _tell(name: str, preview: ImportPreview) -> None:
    """Every problem on its row and column (what was only left out, as a note), then the
    counts."""
    for note in preview.file_notes:
        say(f"{name}: note: {note}", err=True)
    problems: list[SheetProblem] = [*preview.file_problems]
    for order in preview.problem_orders:
        problems.extend(order.problems)
    for problem in problems:
        say(f"{name}: {problem}", err=True)
    if not preview.server_checked:
        why = f" ({preview.server_problem.rstrip('.')})" if preview.server_problem else ""
        say(
            f"Impilo was not asked{why}: orders already placed are those of this computer's "
            "outbox only, and patients this computer does not have are unknown; each order is"
            " checked on Impilo before it is sent.",
            err=True,
        )
    for order in preview.already_placed:
        # Skipped, each with where it already is: "RPM-0001 (row 2): sent as order 4411".
        say(f"{name}: {order.ref} (row {order.rows[0]}): {order.already}")
    orders = len(preview.orders)
    units = sum(order.units for order in preview.orders)
    counts = f"{len(preview.already_placed)} already placed, {len(preview.new_orders)} new"
    if preview.problem_orders:
        counts += f", {len(preview.problem_orders)} with problems"
    say(f"{name}: {_plural(orders, 'order')}, {_plural(units, 'unit')}: {counts}.")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


# -- queueing -------------------------------------------------------------------------------


def _queue(
    args: argparse.Namespace, name: str, store: Store, profile: Profile, preview: ImportPreview
) -> int:
    from impilo_desktop.sync.order_import import queue_import

    bad_rows = preview.problem_rows
    if args.bad_rows_to is not None and bad_rows:
        written = _write_bad_rows(args.bad_rows_to, args.files[0], preview)
        if written != EXIT_OK:
            return written
    if preview.file_problems:
        say(f"{name}: nothing queued: the file itself has the problems above.", err=True)
        return EXIT_PENDING
    if bad_rows and not args.skip_bad_rows:
        good = len(preview.new_orders)
        say(
            f"{name}: nothing queued: fix the {_plural(len(bad_rows), 'row')} with problems "
            "and import the file again"
            + (f", or add --skip-bad-rows to queue the {good} good orders." if good else "."),
            err=True,
        )
        return EXIT_PENDING
    if not preview.new_orders:
        say(f"{name}: nothing new to queue.")
        return EXIT_PENDING if bad_rows else EXIT_OK
    batch = queue_import(store, preview, server=profile.base_url, orders=preview.new_orders)
    say(f"{name}: {_queued(batch)}")
    if bad_rows:
        hint = "" if args.bad_rows_to is not None else _bad_rows_hint(preview)
        say(
            f"{name}: {_plural(len(bad_rows), 'row')} with problems "
            f"({_plural(len(preview.problem_orders), 'order')}) left out and not queued{hint}.",
            err=True,
        )
        return EXIT_PENDING
    return EXIT_OK


def _queued(batch: ImportBatch) -> str:
    ids = sorted(batch.entry_ids)
    span = f"#{ids[0]}" if len(ids) == 1 else f"#{ids[0]} to #{ids[-1]}"
    return (
        f"queued {_plural(len(ids), 'order')} as {span}; the app or "
        "`impilo-desktop sync --once` sends them."
    )


def _bad_rows_hint(preview: ImportPreview) -> str:
    from impilo_desktop.sync.order_import import rows_with_problems_name

    return f'; --bad-rows-to "{rows_with_problems_name(preview)}" writes them to a file to fix'


def _write_bad_rows(target: Path, source: Path, preview: ImportPreview) -> int:
    from impilo_desktop.sync.order_import import rows_with_problems, rows_with_problems_name

    if target.is_dir():  # a folder: the file gets the name the window offers too
        target = target / rows_with_problems_name(preview)
    if target.exists() and target.samefile(source):
        # Its good rows would be lost: they are only in the original.
        return fail(f"--bad-rows-to {_shown(target)} is the spreadsheet itself; name another file.")
    try:
        target.write_bytes(rows_with_problems(preview))
    except OSError as exc:
        return fail(f"The rows with problems could not be written to {_shown(target)}: {exc}")
    rows = len(preview.problem_rows)
    say(f"{_plural(rows, 'row')} with problems written to {_shown(target)}.")
    return EXIT_OK

"""`impilo-desktop drafts import FILE...`: create-order JSON files become queued outbox entries.

Every file gets one line: queued, or why not. Nothing a file holds ends the import: the other
files are still read and queued. A file whose external order ids are all on an entry that is
already queued or sent in this profile (not rejected) is not queued again unless `--again`
is given, so running the same import twice does not place every order twice. Files without
external order ids cannot be recognised and are queued as before.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from impilo_desktop.config import ConfigError
from impilo_desktop.domain import DraftImport, OrderDraft, import_create_json
from impilo_desktop.domain.order_json import MAX_FILE_BYTES, parse_order_bytes
from impilo_desktop.store import EntryState, OutboxEntry, Store, StoreError
from impilo_desktop.sync.cli_common import (
    EXIT_OK,
    EXIT_PENDING,
    fail,
    open_store,
    profile_of,
    read_order_file,
    say,
)
from impilo_desktop.sync.sheet_import_cli import (
    add_sheet_arguments,
    is_spreadsheet,
    run_sheet_import,
)

AGAIN_HELP = (
    "queue every valid file, even one whose externalOrderIds are already queued or sent from "
    "this profile (it becomes another order); without it such a file is reported and skipped"
)


def add_import_parser(
    drafts_sub: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    importer = drafts_sub.add_parser(
        "import",
        parents=[common],
        help="queue an order spreadsheet (CSV, XLSX) or create-order JSON files for sending",
        description=(
            "Queue the orders of a spreadsheet (FILE.csv or FILE.xlsx, one row per order line, "
            "see docs/order-spreadsheets.md): every problem is listed with its row and column, "
            "and nothing is queued while one remains (see --skip-bad-rows); orders whose "
            "order_ref is already queued, sent or on Impilo are not queued again. Or queue "
            "create-order JSON files (request shape, UTF-8, at most "
            f"{MAX_FILE_BYTES / 1_000_000:g} MB each) for sending. Each file gets one line: "
            "queued, or why not. A file whose externalOrderIds are all on an order already "
            "queued or sent from this profile is not queued again (see --again). Exit status "
            "1 when any file was not queued, 2 when the profile or its database cannot be "
            "used."
        ),
    )
    importer.add_argument("files", nargs="+", type=Path, metavar="FILE")
    importer.add_argument("--again", action="store_true", help=AGAIN_HELP)
    add_sheet_arguments(importer)
    importer.set_defaults(handler=run_import)


# -- recognising a file imported before -----------------------------------------------------


def external_ids(draft: OrderDraft) -> frozenset[str]:
    """The ids a file is recognised by: trimmed as they are sent, blanks left out."""
    return frozenset(value.strip() for value in draft.external_order_ids if value.strip())


@dataclass
class Repeats:
    """Which outbox entry, if any, already carries every external order id of a file.

    Built from one query at the start of the import; entries queued by this import are added
    as they are queued, so the same file given twice is queued once.
    """

    owners: dict[str, set[int]] = field(default_factory=dict)
    queued_now: dict[int, str] = field(default_factory=dict)  # entry id -> the file it came from

    @classmethod
    def of(cls, store: Store) -> Repeats:
        repeats = cls()
        for entry_id, ids in store.outbox_external_ids().items():
            repeats.add(entry_id, ids)
        return repeats

    def add(self, entry_id: int, ids: frozenset[str], source: str | None = None) -> None:
        for value in ids:
            self.owners.setdefault(value, set()).add(entry_id)
        if source is not None:
            self.queued_now[entry_id] = source

    def find(self, ids: frozenset[str]) -> int | None:
        if not ids:
            return None
        holders = set.intersection(*(self.owners.get(value, set()) for value in ids))
        return min(holders) if holders else None


def _already(entry: OutboxEntry, repeats: Repeats, name: str) -> str:
    """Where the order of file `name` already is, in words."""
    if entry.state == EntryState.SENT:
        return f"already sent as order {entry.order_id} (#{entry.entry_id})"
    text = f"already queued as #{entry.entry_id}"
    source = repeats.queued_now.get(entry.entry_id)
    if source is not None:
        return f"{text} {'earlier in this import' if source == name else f'from {source}'}"
    if entry.state == EntryState.HELD:
        return f"{text}, held until you release it"
    if entry.state != EntryState.QUEUED:
        return f"{text}, being sent"
    return text


# -- the command --------------------------------------------------------------------------------


def _draft_of(path: Path) -> tuple[DraftImport | None, str]:
    """The file read into a valid draft, or why it cannot be (the end of a sentence that
    starts with the file's name)."""
    raw, problem = read_order_file(path)
    if problem is not None:
        return None, problem
    parsed = parse_order_bytes(raw)
    if parsed.problem is not None:
        return None, parsed.problem
    result = import_create_json(parsed.data)
    if not result.ok:
        return None, "; ".join(str(p) for p in result.problems)
    return result, ""


@dataclass
class _Import:
    store: Store
    server: str
    again: bool
    repeats: Repeats

    def one(self, path: Path) -> bool:
        """Queue one file, or say why not; True when it was queued. `StoreError` is left to
        the caller: the database failing is not about this file."""
        # A name with bytes that are not UTF-8 is shown as those bytes (\xe9), not as the
        # surrogate Python decoded them to.
        name = os.fsencode(path).decode("utf-8", "backslashreplace")
        try:
            result, problem = _draft_of(path)
        except Exception as exc:  # defence in depth: a reader bug must not end the import
            unexpected = type(exc).__name__
            result, problem = None, f"could not be read (an unexpected {unexpected}; report it)"
        if result is None:
            say(f"{name}: {problem}; nothing queued.", err=True)
            return False
        ids = external_ids(result.draft)
        earlier = self.repeats.find(ids)
        if earlier is not None and not self.again:
            known = _already(self.store.get_entry(earlier), self.repeats, name)
            say(f"{name}: {known}; not queued again (--again queues it anyway).", err=True)
            return False
        try:
            entry = self.store.enqueue(result.draft, server=self.server)
        except StoreError:
            raise  # the database, not this file: the caller stops the import
        except Exception as exc:  # defence in depth, as above; the transaction rolled back
            problem = f"could not be queued (an unexpected {type(exc).__name__}; report it)"
            say(f"{name}: {problem}; nothing queued.", err=True)
            return False
        self.repeats.add(entry.entry_id, ids, source=name)
        notes = [f"ignored: {', '.join(result.ignored)}"] if result.ignored else []
        if earlier is not None:
            notes.append(f"again: #{earlier} has the same external order ids")
        note = f" ({'; '.join(notes)})" if notes else ""
        say(f"{name}: queued as #{entry.entry_id} {entry.client_reference}{note}")
        return True


def run_import(args: argparse.Namespace) -> int:
    """Queue every valid file; report (and skip) the others. Exit 1 when any was skipped.
    A spreadsheet is imported on its own (sheet_import_cli.py)."""
    sheets = [path for path in args.files if is_spreadsheet(path)]
    if sheets and len(args.files) > 1:
        return fail("Import one spreadsheet at a time, without other files.")
    if sheets:
        return run_sheet_import(args, sheets[0])
    try:
        profile = profile_of(args)
        store = open_store(profile)
    except ConfigError as exc:
        return fail(str(exc))
    except StoreError as exc:
        return fail(exc.message)
    files: list[Path] = list(args.files)
    refused = 0
    with store:
        try:
            work = _Import(store, profile.base_url, bool(args.again), Repeats.of(store))
        except StoreError as exc:
            return fail(exc.message)
        for done, path in enumerate(files):
            try:
                queued = work.one(path)
            except StoreError as exc:
                # The database, not the file: every file after this one would fail the same way.
                after = len(files) - done - 1
                rest = f" and the {after} after it were" if after else " was"
                return fail(f"{exc.message} Import stopped at {path}: it{rest} not queued.")
            refused += not queued
    return EXIT_PENDING if refused else EXIT_OK

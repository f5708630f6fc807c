"""Import batches: the orders one spreadsheet import queued, queued together (schema v10).

`enqueue_batch` moves every chosen draft into the outbox in ONE transaction, as `enqueue`
does one: all of them or none. An order whose reference (one of its external order ids) is
already on an entry that stands for an order (any state but rejected) refuses the whole
batch (as does one on a saved draft: an entry taken back to drafts), so a file imported
twice at once (the window and the command line) or an order queued
since the preview never becomes two orders. The batch is kept (`import_batches`, and
`outbox.import_batch` on each entry) so its summary survives a restart; an entry taken back
to drafts or discarded leaves its batch with it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib API, encrypting: see cipher.py

from impilo_desktop.domain.draft import OrderDraft
from impilo_desktop.store.drafts import draft_json, load_draft
from impilo_desktop.store.entries import EntryState, OutboxEntry
from impilo_desktop.store.errors import StoreError
from impilo_desktop.store.outbox import OUTBOX, new_client_reference
from impilo_desktop.store.state_table import StateTableMixin


@dataclass(frozen=True)
class ImportBatch:
    """The orders one import queued: kept in the store (schema v10), so the summary survives
    a restart."""

    batch_id: str
    file_name: str
    created_at: datetime
    entry_ids: tuple[int, ...]


class RefsAlreadyQueued(StoreError):  # noqa: N818 - says what the coordinator hears
    """Some orders of a batch carry a reference an outbox entry already has: nothing was
    queued. `refs` are those references."""

    def __init__(self, refs: Sequence[str]) -> None:
        self.refs = tuple(refs)
        shown = ", ".join(self.refs[:5]) + (" …" if len(self.refs) > 5 else "")
        super().__init__(
            f"Nothing was queued: {len(self.refs)} of these orders ({shown}) were queued or "
            "saved in Drafts since the preview was made. Preview the file again.",
            detail=f"{len(self.refs)} references already on outbox entries",
        )


def order_refs(draft: OrderDraft) -> frozenset[str]:
    """The references a draft is recognised by: its external order ids, trimmed, blanks out."""
    return frozenset(value.strip() for value in draft.external_order_ids if value.strip())


# Every (reference, entry) of the outbox's entries that stand for an order, for the refs in
# the JSON array parameter. json_valid first: a body that is not JSON must not read as a
# damaged database (as `outbox_external_ids` does).
_ENTRIES_WITH_REFS = """
SELECT trim(e.value) AS ref, o.*
FROM outbox AS o, json_each(CASE WHEN json_valid(o.body) THEN o.body ELSE '{}' END,
                            '$.external_order_ids') AS e
WHERE o.state != 'rejected' AND e.type = 'text'
  AND trim(e.value) IN (SELECT value FROM json_each(?))
ORDER BY o.entry_id
"""


# Every (reference, saved draft) for the refs in the JSON array parameter: a held or refused
# import entry taken back to drafts still stands for its order (it will be queued again).
_DRAFTS_WITH_REFS = """
SELECT trim(e.value) AS ref, d.draft_id, d.body
FROM drafts AS d, json_each(CASE WHEN json_valid(d.body) THEN d.body ELSE '{}' END,
                            '$.external_order_ids') AS e
WHERE e.type = 'text' AND trim(e.value) IN (SELECT value FROM json_each(?))
ORDER BY d.created_at, d.draft_id
"""


def _drafts_with_refs(
    conn: sqlite3.Connection, refs: Collection[str]
) -> dict[str, list[OrderDraft]]:
    found: dict[str, list[OrderDraft]] = {}
    if not refs:
        return found
    for row in conn.execute(_DRAFTS_WITH_REFS, (json.dumps(sorted(refs)),)).fetchall():
        found.setdefault(str(row["ref"]), []).append(load_draft(str(row["body"])))
    return found


def _entries_with_refs(
    conn: sqlite3.Connection, refs: Collection[str]
) -> dict[str, list[OutboxEntry]]:
    found: dict[str, list[OutboxEntry]] = {}
    if not refs:
        return found
    for row in conn.execute(_ENTRIES_WITH_REFS, (json.dumps(sorted(refs)),)).fetchall():
        found.setdefault(str(row["ref"]), []).append(OutboxEntry.from_row(row))
    return found


class ImportBatchesMixin(StateTableMixin):
    """Queueing an import's orders as one batch, and reading batches back."""

    def enqueue_batch(
        self, drafts: Sequence[OrderDraft], *, server: str, file_name: str
    ) -> ImportBatch:
        """Queue `drafts` for `server` in ONE transaction, as one batch named after the file.

        Each gets its own client reference. An invalid draft raises the domain's
        `DraftInvalid`, and a reference already on an entry that is not rejected, on a saved
        draft other than these (an import entry taken back to drafts) or on two of these
        drafts `RefsAlreadyQueued`; either way nothing is written. A new patient's
        order is not confirmed (`new_patient_confirmed` 0): the sender asks Impilo for a
        patient like them before it creates one (sync/patient_check.py).
        """
        from impilo_desktop.domain import DraftInvalid, validate_draft

        for draft in drafts:
            problems = validate_draft(draft)
            if problems:
                raise DraftInvalid(problems)
        batch_id = uuid.uuid4().hex
        now = self.now()
        seen: dict[str, int] = {}
        for draft in drafts:
            for ref in order_refs(draft):
                seen[ref] = seen.get(ref, 0) + 1
        twice = sorted(ref for ref, times in seen.items() if times > 1)
        queueing = {draft.draft_id for draft in drafts}

        def put(conn: sqlite3.Connection) -> ImportBatch:
            in_drafts = {
                ref
                for ref, found in _drafts_with_refs(conn, seen).items()
                if any(draft.draft_id not in queueing for draft in found)
            }
            taken = sorted({*twice, *_entries_with_refs(conn, seen), *in_drafts})
            if taken:
                raise RefsAlreadyQueued(taken)
            conn.execute(
                "INSERT INTO import_batches (batch_id, file_name, server, created_at)"
                " VALUES (?, ?, ?, ?)",
                (batch_id, file_name, server, now),
            )
            entry_ids: list[int] = []
            for draft in drafts:
                reference = new_client_reference()
                cursor = conn.execute(
                    "INSERT INTO outbox (client_reference, draft_id, body, state, server,"
                    " new_patient_confirmed, import_batch, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)",
                    (
                        reference,
                        draft.draft_id,
                        draft_json(draft),
                        EntryState.QUEUED,
                        server,
                        batch_id,
                        now,
                        now,
                    ),
                )
                entry_id = int(cursor.lastrowid or 0)
                self._record(OUTBOX, conn, entry_id, "queued", f"{reference} from {file_name}")
                entry_ids.append(entry_id)
            return ImportBatch(batch_id, file_name, _dt(now), tuple(entry_ids))

        return self._db.write(put)

    def outbox_entries_with_refs(self, refs: Collection[str]) -> dict[str, list[OutboxEntry]]:
        """The entries that stand for an order (any state but rejected) carrying each of
        `refs` among their external order ids (trimmed), oldest first, by reference."""
        wanted = {ref.strip() for ref in refs if ref.strip()}
        return self._db.read(lambda conn: _entries_with_refs(conn, wanted))

    def drafts_with_refs(self, refs: Collection[str]) -> dict[str, list[OrderDraft]]:
        """The saved drafts carrying each of `refs` among their external order ids
        (trimmed), oldest first, by reference."""
        wanted = {ref.strip() for ref in refs if ref.strip()}
        return self._db.read(lambda conn: _drafts_with_refs(conn, wanted))

    def import_batch(self, batch_id: str) -> ImportBatch | None:
        """One batch with the entries still in the outbox, or None."""
        found = self._batches("WHERE batch_id = ?", (batch_id,))
        return found[0] if found else None

    def recent_import_batches(self, limit: int = 10) -> list[ImportBatch]:
        """This profile's latest batches that still have an entry in the outbox, newest
        first (the window shows the last one's summary after a restart). A batch whose
        entries were all taken back, discarded or forgotten once sent long ago is left out:
        there is nothing left to say about it."""
        return self._batches(
            "AS b WHERE EXISTS (SELECT 1 FROM outbox WHERE import_batch = b.batch_id)"
            " ORDER BY created_at DESC, rowid DESC LIMIT ?",
            (limit,),
        )

    def import_batch_entries(self, batch_id: str) -> list[OutboxEntry]:
        """The outbox entries of a batch, in the order they were queued."""
        rows = self._db.read(
            lambda conn: conn.execute(
                "SELECT * FROM outbox WHERE import_batch = ? ORDER BY entry_id", (batch_id,)
            ).fetchall()
        )
        return [OutboxEntry.from_row(row) for row in rows]

    def _batches(self, where: str, params: tuple[object, ...]) -> list[ImportBatch]:
        def query(conn: sqlite3.Connection) -> list[ImportBatch]:
            rows = conn.execute(
                f"SELECT batch_id, file_name, created_at FROM import_batches {where}", params
            ).fetchall()
            found: list[ImportBatch] = []
            for row in rows:
                ids = conn.execute(
                    "SELECT entry_id FROM outbox WHERE import_batch = ? ORDER BY entry_id",
                    (row["batch_id"],),
                ).fetchall()
                found.append(
                    ImportBatch(
                        str(row["batch_id"]),
                        str(row["file_name"]),
                        _dt(float(row["created_at"])),
                        tuple(int(i[0]) for i in ids),
                    )
                )
            return found

        return self._db.read(query)


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)

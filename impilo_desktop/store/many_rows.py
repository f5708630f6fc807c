"""Several rows in one INSERT statement instead of `executemany`'s one step per row.

The outbox's drain commits on a thread of its own (sync/store_writes.py) while the event loop's
thread reads the answers of the creates in flight. SQLite's driver lets go of Python's global
lock around every step of a statement and must take it back after, from a loop thread that is
busy: each row of an `executemany` was a hand-over of that lock between the two threads
(futex calls, context switches; ~24 per order in a drain of 1,000, counted with strace). One
statement for all the rows of a commit is one step (docs/performance.md "Draining the outbox",
round 5).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from sqlcipher3 import dbapi2 as sqlite3  # the stdlib API, encrypting: see cipher.py

# Rows per statement: well within SQLite's bound parameters (999 on the oldest builds) for
# rows of up to 9 values, and at most a few statements for a page of cached orders.
ROWS_PER_STATEMENT: Final = 100
# A quoted SQL literal in a row's template ('sent', 'it''s'): its characters are no placeholders.
_LITERAL: Final = re.compile(r"'(?:[^']|'')*'")


def insert_rows(
    conn: sqlite3.Connection, insert: str, row: str, rows: Sequence[Sequence[object]]
) -> None:
    """`conn.executemany(f"{insert} VALUES {row}", rows)`, the same rows in the same order, as
    one statement per `ROWS_PER_STATEMENT` rows. `row` is one row's placeholders, e.g.
    "(?, ?, 'sent', ?)". Every row must have one value per `?`: the values of all the rows
    are bound in one list, so a short row would shift the next rows' values into its columns
    (or fail as a bare count of bindings); a `ValueError` naming the row is raised first,
    before anything is written."""
    width = _LITERAL.sub("", row).count("?")
    for index, values in enumerate(rows):
        if len(values) != width:
            raise ValueError(
                f"row {index} has {len(values)} values for the {width} placeholders of {row!r}"
            )
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        conn.execute(
            f"{insert} VALUES {','.join([row] * len(chunk))}",
            [value for values in chunk for value in values],
        )

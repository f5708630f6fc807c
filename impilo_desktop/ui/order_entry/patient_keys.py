"""The patient picker's search keys, read from the patient table's own text.

A patient's search key is what the picker shows of them (first and last name, birth date,
external identifier, email) lowercased, plus the birth date the US and European way and
`#id`. The table keeps each row's shown fields and those few extra spellings in one text
already (`PatientTable`), so the keys are that text lowercased a chunk of rows at a time as
a search reaches them: no second copy of 100,000 names and emails (about 6 MiB,
docs/performance.md "Memory", round 5).

Every field, and every row, ends with a character `str.split()` takes for whitespace (the
unit and record separators), and a query's tokens never hold whitespace: a token matches
within one field of one row, exactly as it did in a key of fields joined by spaces.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import repeat
from operator import sub
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from impilo_desktop.ui.order_entry.patient_table import PatientTable

ROW_END = "\x1e"  # the ASCII record separator: ends every row of the table's text
_ROW_END_BYTE = ROW_END.encode()
# A token found in under one row in this many of a chunk is looked for in the text itself,
# one `find` per matching row; more often, the chunk's keys are cut and each tested.
_FEW = 8


def search_spellings(birth: str, record_id: int) -> str:
    """What a patient's key holds beyond the shown fields: the birth date as mm/dd/yyyy and
    dd.mm.yyyy (the ISO one is shown) and `#id`."""
    if len(birth) < 10:
        return f"#{record_id}"
    y, m, d = birth[:4], birth[5:7], birth[8:10]
    return f"{m}/{d}/{y} {d}.{m}.{y} #{record_id}"


class PatientKeys:
    """The `KeySource` of a `PatientTable`: its row text, lowercased when a search asks.

    The table reorders and extends its rows in place, keys included (`permute` and `extend`
    have nothing to do)."""

    def __init__(self, table: PatientTable) -> None:
        self._table = table
        # The keys of the stretch `rows_holding` just lowercased and split to count a common
        # token: `keys_of` is asked for the same rows next (one use, then dropped).
        self._cut: tuple[int, int, list[str]] | None = None

    def __len__(self) -> int:
        return len(self._table)

    def keys_of(self, rows: Sequence[int]) -> list[str]:
        text, starts = self._table.row_text()
        first, last = rows[0], rows[-1]
        if last - first >= 4 * len(rows):  # scattered: each row's own
            return [text[starts[r] : starts[r + 1] - 1].decode().lower() for r in rows]
        lo, hi = starts[first], starts[last + 1] - 1
        cut, self._cut = self._cut, None
        if cut is not None and cut[0] == lo and cut[1] == hi:
            stretch = cut[2]
        else:
            stretch = text[lo:hi].decode().lower().split(ROW_END)
        if last - first + 1 == len(rows):
            return stretch
        return list(map(stretch.__getitem__, map(sub, rows, repeat(first))))

    def rows_holding(self, token: str, rows: range) -> list[int] | None:
        text, starts = self._table.row_text()
        first = rows[0]
        lo, hi = starts[first], starts[rows[-1] + 1]
        raw = text[lo:hi]
        if raw.isascii():
            # ASCII: `bytes.lower` is `str.lower` and keeps every offset.
            low = raw.lower()
            needle = token.encode()
            if low.count(needle) * _FEW >= len(rows):
                self._cut = (lo, hi - 1, low[:-1].decode().split(ROW_END))
                return None
            return self._rows_at(low, needle, lo, starts)
        lowered = raw.decode().lower()  # may change lengths: rows found by counting ends
        if lowered.count(token) * _FEW >= len(rows):
            self._cut = (lo, hi - 1, lowered[:-1].split(ROW_END))
            return None
        found: list[int] = []
        row, counted = first, 0
        at = lowered.find(token)
        while at >= 0:
            row += lowered.count(ROW_END, counted, at)
            found.append(row)
            counted = lowered.index(ROW_END, at) + 1  # past this row's end
            row += 1
            at = lowered.find(token, counted)
        return found

    @staticmethod
    def _rows_at(
        low: bytes | bytearray, needle: bytes, lo: int, starts: Sequence[int]
    ) -> list[int]:
        found: list[int] = []
        at = low.find(needle)
        while at >= 0:
            row = bisect_right(starts, lo + at) - 1
            found.append(row)
            at = low.find(needle, starts[row + 1] - lo)  # on from the next row
        return found

    def permute(self, order: Sequence[int]) -> None:
        pass  # the table reordered its rows, and so its keys (`PatientTable.reordered`)

    def extend(self, keys: Sequence[str]) -> None:
        pass  # the table added the rows with their keys (`PatientTable.extend`)

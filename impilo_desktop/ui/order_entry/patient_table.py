"""The patient picker's 100,000 patients, held column by column instead of one object each.

A `PatientRecord` per cached patient, with its seven strings and two ints, cost about 800
bytes a patient (docs/performance.md "Memory"). Here every column is one object for all
rows: ids and site ids in arrays, a flags byte each, the five own display fields of every
patient in one UTF-8 text with an array of where each row starts (one string per row cost
about 60 bytes of header and pointer before its text), and the number of a shared
(site name, city) pair. A row's `PatientRecord` is made again when it is painted or chosen
(a few microseconds, a few hundred rows at most per repaint). The same text is what the
picker searches: each row ends with the spellings only a search needs (the birth date the
US and European way, `#id`), and the index lowercases it a chunk at a time
(`patient_keys.py`). Pure Python, no Qt.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, overload

from impilo_desktop.ui.order_entry.patient_keys import ROW_END, PatientKeys, search_spellings
from impilo_desktop.ui.order_entry.records import PatientRecord
from impilo_desktop.ui.order_entry.search_index import SearchIndex

if TYPE_CHECKING:
    from impilo_desktop.store import PatientSearchRow

_SEP = "\x1f"  # the ASCII unit separator: never in a name, date, identifier or email
_NO_SITE = -1
_ARCHIVED = 1
_FROM_SERVER = 2
_ROW_END = ROW_END.encode()
_RECENT = 256  # records made for painting, kept so a repaint does not make them again


class PatientTable(Sequence[PatientRecord]):
    """Patients in display order; `table[i]` makes row i's `PatientRecord`."""

    def __init__(self) -> None:
        self._ids = array("q")
        self._site_ids = array("q")
        self._flags = bytearray()
        # Row i's first, last, birth date, external id, email and its search spellings,
        # joined by _SEP and ended by ROW_END, are _own[_own_starts[i]:_own_starts[i + 1]]:
        # a bytearray while rows are added, then bytes (`_seal`).
        self._own: bytes | bytearray = bytearray()
        self._own_starts = array("I", [0])
        self._place_of = array("I")  # each row's number in _places
        self._places: list[tuple[str, str]] = []  # (site name, city), each pair once
        self._place_numbers: dict[tuple[str, str], int] = {}
        self._recent: dict[int, PatientRecord] = {}

    @classmethod
    def from_rows(cls, rows: Iterable[PatientSearchRow]) -> tuple[PatientTable, SearchIndex]:
        """The table and its search index from cache rows already in display order
        (`Store.read_patient_rows`), each row's strings made once and in row order."""
        table = cls()
        for row in rows:
            table._add(
                row.id,
                row.first_name,
                row.last_name,
                row.date_of_birth,
                row.external_identifier,
                row.email,
                row.site_id,
                row.site_name,
                row.city,
                _ARCHIVED if row.archived else 0,
            )
        table._seal()
        return table, table.search_index()

    def _add(
        self,
        record_id: int,
        first: str,
        last: str,
        birth: str,
        external: str,
        email: str,
        site_id: int | None,
        site_name: str,
        city: str,
        flags: int,
    ) -> None:
        self._ids.append(record_id)
        self._site_ids.append(_NO_SITE if site_id is None else site_id)
        self._flags.append(flags)
        # Neither separator may occur in a field (a name from another client could hold
        # one): the row would no longer split into its fields, nor the text into rows.
        own = (first, last, birth, external, email, search_spellings(birth, record_id))
        text = self._own
        if isinstance(text, bytes):  # sealed: rows added later (found on the server)
            text = self._own = bytearray(text)
        text += _SEP.join(_clean(f) for f in own).encode()
        text += _ROW_END
        self._own_starts.append(len(text))
        place = (site_name, city)
        number = self._place_numbers.get(place)
        if number is None:
            number = self._place_numbers[place] = len(self._places)
            self._places.append(place)
        self._place_of.append(number)

    def _seal(self) -> None:
        # A bytearray keeps room to grow (up to an eighth more); bytes hold the text exactly.
        self._own = bytes(self._own)

    # --- reading -----------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, row: int) -> PatientRecord: ...

    @overload
    def __getitem__(self, row: slice) -> list[PatientRecord]: ...

    def __getitem__(self, row: int | slice) -> PatientRecord | list[PatientRecord]:
        if not isinstance(row, int):
            return [self[i] for i in range(*row.indices(len(self)))]
        # Called for every painted cell and role: a row just made is kept.
        record = self._recent.get(row)
        if record is None:
            if row < 0:
                row += len(self._ids)
            record = self._make(row)
            if len(self._recent) >= _RECENT:
                self._recent.clear()
            self._recent[row] = record
        return record

    def __iter__(self) -> Iterator[PatientRecord]:
        return (self._make(i) for i in range(len(self._ids)))

    def _make(self, row: int) -> PatientRecord:
        starts = self._own_starts
        own = self._own[starts[row] : starts[row + 1] - 1].decode()
        first, last, birth, external, email, _searched = own.split(_SEP)
        site_id = self._site_ids[row]
        site_name, city = self._places[self._place_of[row]]
        flags = self._flags[row]
        return PatientRecord(
            id=self._ids[row],
            first_name=first,
            last_name=last,
            date_of_birth=birth,
            external_identifier=external,
            email=email,
            site_id=None if site_id == _NO_SITE else site_id,
            site_name=site_name,
            city=city,
            from_server=bool(flags & _FROM_SERVER),
            archived=bool(flags & _ARCHIVED),
        )

    def row_text(self) -> tuple[bytes | bytearray, array[int]]:
        """The rows' joined text and where each row starts (what `PatientKeys` searches)."""
        return self._own, self._own_starts

    def search_index(self) -> SearchIndex:
        """An index searching this table's own text (it follows the table's reordering and
        additions)."""
        return SearchIndex.over(PatientKeys(self))

    def id_at(self, row: int) -> int:
        return self._ids[row]

    def site_id_at(self, row: int) -> int | None:
        site_id = self._site_ids[row]
        return None if site_id == _NO_SITE else site_id

    def position_of(self, record_id: int) -> int:
        """The row of `record_id`, or -1 (a scan of the id array, at C speed)."""
        try:
            return self._ids.index(record_id)
        except ValueError:
            return -1

    def known_ids(self, ids: Iterable[int]) -> set[int]:
        """Which of `ids` have a row: one pass over the id array at C speed, whatever
        their number (server results are checked together, not one scan each)."""
        return set(ids).intersection(self._ids)

    # --- changing ----------------------------------------------------------------------

    def extend(self, records: Iterable[PatientRecord]) -> None:
        """Add rows at the end (patients found on the server)."""
        for r in records:
            flags = (_ARCHIVED if r.archived else 0) | (_FROM_SERVER if r.from_server else 0)
            self._add(
                r.id,
                r.first_name,
                r.last_name,
                r.date_of_birth,
                r.external_identifier,
                r.email,
                r.site_id,
                r.site_name,
                r.city,
                flags,
            )
        self._seal()

    def reordered(self, order: Sequence[int]) -> PatientTable:
        """This table with row i now its former row `order[i]` (in place: the search index
        reads this table's text, so it follows)."""
        self._ids = array("q", (self._ids[i] for i in order))
        self._site_ids = array("q", (self._site_ids[i] for i in order))
        self._flags = bytearray(self._flags[i] for i in order)
        own, starts = self._own, self._own_starts
        text = bytearray()
        new_starts = array("I", [0])
        for i in order:
            text += own[starts[i] : starts[i + 1]]
            new_starts.append(len(text))
        self._own, self._own_starts = bytes(text), new_starts
        self._place_of = array("I", (self._place_of[i] for i in order))
        self._recent.clear()
        return self


def _clean(field: str) -> str:
    return field.replace(_SEP, " ").replace(ROW_END, " ")

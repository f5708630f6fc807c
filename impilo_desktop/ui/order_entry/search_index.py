"""The picker's purpose-built filter: precomputed lowercase search keys, narrowed as the user
types.

QSortFilterProxyModel calls back into Python for every row on every keystroke (about a
second for 100,000 rows, docs/decisions.md). Here each row has one lowercase key built once;
a query is split into tokens and a row matches when every token is a substring of its key.
The keys are held as one UTF-8 text with an array of where each starts (`JoinedKeys`), not
one string object each: 100,000 string objects cost about 6 MiB of headers and pointers alone
(docs/performance.md "Memory", round 4); the patient picker's keys are its table's own text,
lowercased as a search reaches it (`patient_keys.py`, round 5).
When the new query only extends the previous one (the usual case while typing) we scan the
previous result instead of every row, so the cost falls with each keystroke. Rows are kept
in a precomputed order, so filtering never sorts. Plain Python, no Qt: the benchmark and
the tests drive it directly.
"""

from __future__ import annotations

import re
import time
from array import array
from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Sequence
from datetime import date
from itertools import compress, repeat
from operator import contains, sub
from typing import Protocol

# Rows checked between two looks at the clock in a budgeted search (about 0.5-2 ms of work).
CHUNK_ROWS = 4096
# Matches up to this many keep their keys for the next keystroke (about 2 MiB at most).
KEEP_KEYS = 16_384

# Ends every key in the joined text: never in a key (whitespace splits a query into tokens,
# so no token holds it and no match runs from one key into the next).
_END = b"\n"
_END_TEXT = _END.decode()
# A fresh scan looks a token up in the joined text (`find`, row by row) when it occurs at
# most once per this many rows of the chunk; more often, it cuts the chunk's keys and tests
# each (one C loop), which is faster then.
_FEW = 8

_DATE_PATTERNS = (
    # (regex, order of the groups as y/m/d)
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), "mdy"),  # US; day-first if month > 12
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), "dmy"),
    (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$"), "dmy"),
)


def parse_typed_date(text: str) -> date | None:
    """A complete date as a coordinator types it: 1980-01-31, 01/31/1980 (31/01/1980 when the
    first number cannot be a month), 31.01.1980 or 31-01-1980; None if it is not one."""
    text = text.strip()
    for pattern, order in _DATE_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        a, b, c = (int(g) for g in match.groups())
        if order == "ymd":
            y, m, d = a, b, c
        elif order == "mdy":
            y, m, d = (c, a, b) if a <= 12 else (c, b, a)
        else:
            y, m, d = c, b, a
        try:
            return date(y, m, d)
        except ValueError:
            return None
    return None


def date_key_forms(iso: str | None) -> str:
    """The forms of a birth date that go into a search key, so partial typing in any of the
    accepted notations matches: ISO, US (mm/dd/yyyy) and European (dd.mm.yyyy)."""
    if not iso or len(iso) < 10:
        return ""
    y, m, d = iso[:4], iso[5:7], iso[8:10]
    return f"{iso[:10]} {m}/{d}/{y} {d}.{m}.{y}"


def normalize_query(query: str) -> list[str]:
    """Lowercase tokens; a complete date in any accepted form becomes its ISO spelling."""
    tokens: list[str] = []
    for raw in query.lower().split():
        parsed = parse_typed_date(raw)
        tokens.append(parsed.isoformat() if parsed else raw)
    return tokens


class KeySource(Protocol):
    """Where a `SearchIndex` reads its rows' lowercase keys: `JoinedKeys` (keys given as
    strings), or the patient table's own text (`patient_keys.PatientKeys`)."""

    def __len__(self) -> int: ...

    def keys_of(self, rows: Sequence[int]) -> list[str]:
        """The keys of `rows` (ascending), as strings."""
        ...

    def rows_holding(self, token: str, rows: range) -> list[int] | None:
        """Those of the consecutive `rows` whose key holds `token`, or None when it is in too
        many of them for a lookup row by row to pay (the caller cuts their keys instead)."""
        ...

    def permute(self, order: Sequence[int]) -> None:
        """Rows were reordered: new row i is old row `order[i]`."""
        ...

    def extend(self, keys: Sequence[str]) -> None:
        """Rows were added at the end, with these keys."""
        ...


class KeyText:
    """Search keys joined into one UTF-8 text, built row by row: `starts[i]` is where key i
    begins, `starts[i + 1]` one past its end marker. Substring search on UTF-8 bytes finds
    exactly what it finds on the decoded text (no character's encoding contains another's)."""

    def __init__(self) -> None:
        self._text = bytearray()
        self.starts = array("I", [0])

    def add(self, key: str) -> None:
        self._text += key.replace("\n", " ").encode()
        self._text += _END
        self.starts.append(len(self._text))

    def extend(self, keys: Iterable[str]) -> None:
        for key in keys:
            self.add(key)

    def add_joined(self, key_and_end: bytes) -> None:
        """A key cut from another `KeyText` with its end marker (reordering)."""
        self._text += key_and_end
        self.starts.append(len(self._text))

    def text(self) -> bytes:
        return bytes(self._text)


class JoinedKeys:
    """The `KeySource` of keys given as strings (sites, items, kits, tests): one text and an
    offsets array (`KeyText`), not a string object each."""

    def __init__(self, keys: Iterable[str] = ()) -> None:
        joined = KeyText()
        joined.extend(keys)
        self._text = joined.text()
        self._starts = joined.starts

    def __len__(self) -> int:
        return len(self._starts) - 1

    def keys_of(self, rows: Sequence[int]) -> list[str]:
        """Cut from the joined text at C speed (str: `in` on bytes costs several times more
        per key)."""
        first, last = rows[0], rows[-1]
        starts, text = self._starts, self._text
        if last - first < 4 * len(rows):
            # Close together (all rows, or a broad result): split the stretch they span
            # and pick theirs.
            stretch = text[starts[first] : starts[last + 1] - 1].decode().split(_END_TEXT)
            if last - first + 1 == len(rows):
                return stretch
            return list(map(stretch.__getitem__, map(sub, rows, repeat(first))))
        return [text[starts[r] : starts[r + 1] - 1].decode() for r in rows]

    def rows_holding(self, token: str, rows: range) -> list[int] | None:
        """Looked up in the text itself (`bytes.find`, one step per matching row, no key
        made) when the token is in under one row in `_FEW`."""
        text, starts = self._text, self._starts
        needle = token.encode()
        lo, hi = starts[rows[0]], starts[rows[-1] + 1]
        if text.count(needle, lo, hi) * _FEW >= len(rows):
            return None
        found: list[int] = []
        at = text.find(needle, lo, hi)
        while at >= 0:
            row = bisect_right(starts, at) - 1
            found.append(row)
            at = text.find(needle, starts[row + 1], hi)  # on from the next row's key
        return found

    def permute(self, order: Sequence[int]) -> None:
        joined = KeyText()
        text, starts = self._text, self._starts
        for old in order:
            joined.add_joined(text[starts[old] : starts[old + 1]])
        self._text, self._starts = joined.text(), joined.starts

    def extend(self, keys: Sequence[str]) -> None:
        joined = KeyText()
        joined.extend(keys)
        base = len(self._text)
        self._text += joined.text()
        self._starts.extend(base + start for start in joined.starts[1:])


class SearchIndex:
    """Substring search over precomputed keys with incremental narrowing.

    `keys[i]` is the lowercase search text of row i, rows already in display order; results
    are row indexes in that order. `scope` (any hashable, e.g. a site id) with
    `scope_filter` restricts a search to a subset; changing scope starts a fresh scan.

    The scans run at C speed: a chunk of rows' keys is cut from the joined text (one `split`
    when the rows are consecutive, a slice each when they are scattered), then a token's
    matches are one `map(operator.contains, ...)` mask applied with `itertools.compress`.
    Only the rows of the chunk in hand have key objects; the keys themselves stay in their
    `KeySource` (one text and an array of offsets).

    With a time `budget` a search stops after the chunk that crosses it and returns the
    matches found so far (the first rows in display order: what the list shows first);
    `resume` continues later. A query typed on from an unfinished one narrows what was
    already matched plus what was not yet looked at, so nothing is scanned twice.
    """

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._keys: KeySource = JoinedKeys(keys)
        self._scopes: dict[Hashable, Sequence[int]] = {}
        self._tokens: list[str] | None = None
        self._scope: Hashable = None
        # The search in progress: candidate segments (rows, first unchecked position) worked
        # through in order, the current segment and position, and the matches so far.
        # Segments avoid copying 100,000-row lists when typing on from an unfinished search.
        # A segment of matches carries their keys while they are few (`KEEP_KEYS`), so typing
        # on narrows them without cutting them from the text again.
        self._segments: list[tuple[Sequence[int], list[str] | None, int]] = []
        self._seg = 0
        self._pos = 0
        self._out_rows = array("I")  # row numbers without an int object each
        self._out_keys: list[str] | None = []
        self.scanned = 0  # candidates of the last search (tests and the benchmark read it)

    @classmethod
    def over(cls, keys: KeySource) -> SearchIndex:
        """An index over keys kept elsewhere (the patient table's own text)."""
        index = cls()
        index._keys = keys
        return index

    def __len__(self) -> int:
        return len(self._keys)

    def key(self, row: int) -> str:
        """Row `row`'s search key (tests)."""
        return self._keys.keys_of([row])[0]

    def _forget(self) -> None:
        self._scopes.clear()
        self._tokens = None
        self._segments, self._out_rows, self._out_keys = [], array("I"), []
        self._seg = self._pos = 0

    def permute(self, order: Sequence[int]) -> None:
        """Rows were reordered: new row i is old row `order[i]`."""
        self._keys.permute(order)
        self._forget()

    def extend(self, keys: Sequence[str]) -> None:
        """Add rows at the end (e.g. patients found on the server)."""
        self._keys.extend(keys)
        self._forget()

    def invalidate(self) -> None:
        """Forget the previous result (the next search scans from scratch)."""
        self._tokens = None

    @property
    def complete(self) -> bool:
        """True when the last search has looked at every candidate."""
        return self._seg >= len(self._segments)

    def search(
        self,
        query: str,
        *,
        scope: Hashable = None,
        scope_filter: Callable[[int], bool] | None = None,
        budget: float | None = None,
        enough: int | None = None,
    ) -> list[int]:
        """Row indexes whose key contains every token of `query`, in row order.

        An empty query matches every row in scope. `scope_filter` decides membership for a
        non-None `scope`; the same scope value must always mean the same filter. With
        `budget` (seconds) or `enough` (matches) the scan may stop early and the result be
        partial: see `complete` and `resume`.
        """
        tokens = normalize_query(query)
        segments: list[tuple[Sequence[int], list[str] | None, int]]
        if self._can_narrow(tokens, scope):
            # What matched so far, then whatever the last search had not looked at yet.
            segments = [(self._out_rows, self._out_keys, 0)]
            if not self.complete:
                rows, keys, _start = self._segments[self._seg]
                segments.append((rows, keys, self._pos))
                segments.extend(self._segments[self._seg + 1 :])
        else:
            segments = [(self._scope_rows(scope, scope_filter), None, 0)]
        self._tokens, self._scope = tokens, scope
        self._segments = [seg for seg in segments if seg[2] < len(seg[0])]
        self._seg = 0
        self._pos = self._segments[0][2] if self._segments else 0
        self._out_rows, self._out_keys = array("I"), []
        self.scanned = sum(len(rows) - start for rows, _keys, start in self._segments)
        return self._advance(budget, enough)

    def resume(self, budget: float | None = None) -> list[int]:
        """Continue an unfinished search; returns only the matches found now."""
        return self._advance(budget)

    def _advance(self, budget: float | None, enough: int | None = None) -> list[int]:
        deadline = None if budget is None else time.perf_counter() + budget
        # The longest token first: it usually removes the most rows.
        tokens = sorted(self._tokens or [], key=len, reverse=True)
        found: list[int] = []
        while self._seg < len(self._segments):
            rows_all, keys_all, _start = self._segments[self._seg]
            total = len(rows_all)
            # Always a chunk at a time, budget or not: only one chunk's keys exist at once.
            end = min(total, self._pos + CHUNK_ROWS)
            keys = None if keys_all is None else keys_all[self._pos : end]
            rows, keys = self._match(rows_all[self._pos : end], tokens, keys)
            found.extend(rows)
            if tokens:  # an empty query's rows are never narrowed (`_can_narrow`)
                self._keep(rows, keys)
            self._pos = end
            if end >= total:
                self._seg += 1
                if self._seg < len(self._segments):
                    self._pos = self._segments[self._seg][2]
            if enough is not None and len(found) >= enough:
                break
            if deadline is not None and time.perf_counter() >= deadline:
                break
        return found

    def _keep(self, rows: Sequence[int], keys: list[str] | None) -> None:
        self._out_rows.extend(rows)
        if self._out_keys is not None:
            if keys is None or len(self._out_rows) > KEEP_KEYS:
                self._out_keys = None  # many: cut from the text again when narrowed
            else:
                self._out_keys.extend(keys)

    def _match(
        self, rows: Sequence[int], tokens: list[str], keys: list[str] | None
    ) -> tuple[Sequence[int], list[str] | None]:
        """Those of `rows` (ascending) whose key holds every token, and their keys (`keys`
        are those of `rows` when known)."""
        if not tokens or not rows:
            return rows, keys
        if keys is None and isinstance(rows, range):
            # Consecutive rows (a fresh scan): a token found in few of them is looked for
            # in the text itself, one `find` per matching row, no key made.
            holding = self._keys.rows_holding(tokens[0], rows)
            if holding is not None:
                rows = holding
                tokens = tokens[1:]
                if not rows:
                    return rows, []
        if keys is None:
            keys = self._keys.keys_of(rows)
        for token in tokens:
            mask = list(map(contains, keys, repeat(token)))
            rows = list(compress(rows, mask))
            keys = list(compress(keys, mask))
        return rows, keys

    def _scope_rows(
        self, scope: Hashable, scope_filter: Callable[[int], bool] | None
    ) -> Sequence[int]:
        every = range(len(self))
        if scope is None or scope_filter is None:
            return every
        cached = self._scopes.get(scope)
        if cached is None:
            cached = array("I", compress(every, map(scope_filter, every)))
            self._scopes[scope] = cached
        return cached

    def _can_narrow(self, tokens: list[str], scope: Hashable) -> bool:
        # Valid when every previous token is a substring of the token in the same place:
        # whatever matches the new query then matched the old one. Not from an empty query:
        # its "matches" are every row, which a fresh scan walks faster.
        old = self._tokens
        if not old or scope != self._scope or len(tokens) < len(old):
            return False
        return all(prev in new for prev, new in zip(old, tokens, strict=False))

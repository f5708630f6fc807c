"""The picker's purpose-built filter: precomputed lowercase search keys, narrowed as the user
types.

QSortFilterProxyModel calls back into Python for every row on every keystroke (about a
second for 100,000 rows, docs/decisions.md). Here each row has one lowercase key string built once;
a query is split into tokens and a row matches when every token is a substring of its key.
When the new query only extends the previous one (the usual case while typing) we scan the
previous result instead of every row, so the cost falls with each keystroke. Rows are kept
in a precomputed order, so filtering never sorts. Plain Python, no Qt: the benchmark and
the tests drive it directly.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Hashable, Sequence
from datetime import date
from itertools import compress, repeat
from operator import contains

# Rows checked between two looks at the clock in a budgeted search (about 0.5-2 ms of work).
CHUNK_ROWS = 4096

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


class SearchIndex:
    """Substring search over precomputed keys with incremental narrowing.

    `keys[i]` is the lowercase search text of row i, rows already in display order; results
    are row indexes in that order. `scope` (any hashable, e.g. a site id) with
    `scope_filter` restricts a search to a subset; changing scope starts a fresh scan.

    The scans run at C speed: a token's matches are one `map(operator.contains, ...)` mask
    applied with `itertools.compress`. The key strings (and row numbers) are allocated in
    display order so a scan walks memory sequentially: with keys scattered by a sort, the
    same scan measured four times slower.

    With a time `budget` a search stops after the chunk that crosses it and returns the
    matches found so far (the first rows in display order: what the list shows first);
    `resume` continues later. A query typed on from an unfinished one narrows what was
    already matched plus what was not yet looked at, so nothing is scanned twice.
    """

    def __init__(self, keys: Sequence[str], *, copy: bool = True) -> None:
        self._keys: list[str] = []
        # Rows are always 0..n-1 in order, but a list, not a range: a scan over a range makes
        # an int object for every row it passes (tried for memory: 16% slower scans).
        self._rows: list[int] = []
        self._scopes: dict[Hashable, tuple[list[int], list[str]]] = {}
        self._tokens: list[str] | None = None
        self._scope: Hashable = None
        # The search in progress: candidate segments (rows, keys, first unchecked position)
        # worked through in order, the current segment and position, and the matches so far.
        # Segments avoid copying 100,000-row lists when typing on from an unfinished search.
        self._segments: list[tuple[list[int], list[str], int]] = []
        self._seg = 0
        self._pos = 0
        self._out_rows: list[int] = []
        self._out_keys: list[str] = []
        self.scanned = 0  # candidates of the last search (tests and the benchmark read it)
        self._reset(keys, copy=copy)

    def __len__(self) -> int:
        return len(self._keys)

    def _reset(self, keys: Sequence[str], *, copy: bool = True) -> None:
        # Fresh string objects, allocated in order (see the class docstring); `copy=False`
        # when the caller made them in row order already (a copy would leave the originals'
        # memory behind as holes: docs/performance.md "Memory").
        self._keys = [key.encode().decode() for key in keys] if copy else list(keys)
        self._rows = list(range(len(self._keys)))
        self._scopes.clear()
        self._tokens = None

    def permute(self, order: Sequence[int]) -> None:
        """Rows were reordered: new row i is old row `order[i]`."""
        keys = self._keys
        self._reset([keys[old] for old in order])

    def extend(self, keys: Sequence[str]) -> None:
        """Add rows at the end (e.g. patients found on the server)."""
        self._keys.extend(keys)
        self._rows.extend(range(len(self._rows), len(self._keys)))
        self._scopes.clear()
        self._tokens = None

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
        if self._can_narrow(tokens, scope):
            # What matched so far, then whatever the last search had not looked at yet.
            segments = [(self._out_rows, self._out_keys, 0)]
            if not self.complete:
                rows, keys, _start = self._segments[self._seg]
                segments.append((rows, keys, self._pos))
                segments.extend(self._segments[self._seg + 1 :])
        else:
            rows, keys = self._scope_rows(scope, scope_filter)
            segments = [(rows, keys, 0)]
        self._tokens, self._scope = tokens, scope
        self._segments = [seg for seg in segments if seg[2] < len(seg[0])]
        self._seg = 0
        self._pos = self._segments[0][2] if self._segments else 0
        self._out_rows, self._out_keys = [], []
        self.scanned = sum(len(rows) - start for rows, _keys, start in self._segments)
        return self._advance(budget, enough)

    def resume(self, budget: float | None = None) -> list[int]:
        """Continue an unfinished search; returns only the matches found now."""
        return self._advance(budget)

    def _advance(self, budget: float | None, enough: int | None = None) -> list[int]:
        deadline = None if budget is None else time.perf_counter() + budget
        chunked = deadline is not None or enough is not None
        # The longest token first: it usually removes the most rows.
        tokens = sorted(self._tokens or [], key=len, reverse=True)
        found: list[int] = []
        while self._seg < len(self._segments):
            rows_all, keys_all, _start = self._segments[self._seg]
            total = len(rows_all)
            end = min(total, self._pos + CHUNK_ROWS) if chunked else total
            rows, keys = rows_all[self._pos : end], keys_all[self._pos : end]
            for token in tokens:
                mask = list(map(contains, keys, repeat(token)))
                rows = list(compress(rows, mask))
                keys = list(compress(keys, mask))
            found.extend(rows)
            self._out_rows.extend(rows)
            self._out_keys.extend(keys)
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

    def _scope_rows(
        self, scope: Hashable, scope_filter: Callable[[int], bool] | None
    ) -> tuple[list[int], list[str]]:
        if scope is None or scope_filter is None:
            return self._rows, self._keys
        cached = self._scopes.get(scope)
        if cached is None:
            mask = list(map(scope_filter, self._rows))
            cached = (list(compress(self._rows, mask)), list(compress(self._keys, mask)))
            self._scopes[scope] = cached
        return cached

    def _can_narrow(self, tokens: list[str], scope: Hashable) -> bool:
        # Valid when every previous token is a substring of the token in the same place:
        # whatever matches the new query then matched the old one.
        old = self._tokens
        if old is None or scope != self._scope or len(tokens) < len(old):
            return False
        return all(prev in new for prev, new in zip(old, tokens, strict=False))

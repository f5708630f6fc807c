"""The window of a pipelined drain: how many creates may be in flight (`Window`), and how long a
`sending` mark may wait for room in it (`MARK_WAIT`, `QUICK`). sync/pipeline.py uses them.
"""

from __future__ import annotations

import logging

from impilo_desktop.sync.drain_report import EntryResult, Outcome
from impilo_desktop.sync.entry_lookups import SETTLING

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 4
"""Never more creates in flight than this, whatever the server."""

MARK_WAIT = 2.0
"""The longest a `sending` mark may wait for room in the window before its create starts, in
seconds of the store's clock: `settle` counts from the mark (docs/architecture.md "Exactly
once"), so every second a mark waits is one less for the server to finish a create that
timed out. A mark that waited this long goes back to `queued` (`Pipeline._requeue`)."""

QUICK = MARK_WAIT / 4
"""The next batch is marked while the window is full (its commit on the disk while the creates
in flight are answered) only while creates come back within this many seconds, and the window
is at its full size: on a slow or troubled server the commit hides behind the wait anyway, and
its marks would only age."""

AHEAD = 2
"""How many windows' worth of entries such a batch marks beyond the window's free room. Each
such commit is a wait during which no create starts (the batch before it has all started);
with two windows it comes every ~8 orders instead of every ~4, and carries twice the marks.
The last of them waits for about two creates (at most ~2 x QUICK, inside MARK_WAIT). On
loopback, with the connections on asyncio's transports (api/loop_streams.py), the drain took
0.72-1.10x the time of bare POSTs instead of 1.13-1.43x (docs/performance.md, "Draining the
outbox", session 15)."""


class Window:
    """How many creates may be in flight: starts at 1, one more for each order Impilo
    created (up to `most`), back to 1 whenever one was refused for load, failed on Impilo's
    side or lost on the way (its entry scheduled again). Creates started before that drop
    (`era`, counted by `start`) do not grow it when they succeed: only the ones started
    since show that Impilo copes again."""

    def __init__(self, most: int) -> None:
        self.most = most
        self.size = 1
        self.era = 0

    def record(self, result: EntryResult, era: int) -> None:
        """What became of a create started in `era` (or of an entry that posted nothing)."""
        if result.outcome == Outcome.SENT:
            self.created(era)
        elif result.outcome == Outcome.RETRY and result.message != SETTLING:
            # (An entry waiting for its earlier create to settle asked Impilo nothing.)
            if self.size > 1:
                log.info("Fewer orders in flight: %s", result.message)
            self.size = 1
            self.era += 1

    def created(self, era: int) -> None:
        """Impilo created the order of a create started in `era`."""
        if era == self.era:
            self.size = min(self.most, self.size + 1)

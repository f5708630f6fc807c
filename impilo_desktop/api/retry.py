"""When and how long to wait before repeating a failed request: one policy for the client's
reads (seconds) and the outbox's sends (minutes).

Capped exponential backoff with "equal jitter" (half the ceiling plus a random part of the
other half): many clients that failed together do not come back together, and no retry
follows its failure at once. A server's `Retry-After` is honoured as given up to the policy's
`max_retry_after`; a longer one is beyond this policy's budget, so the caller gives up at once
and hands the server's time on (the client raises `RateLimited` carrying it, and the outbox
schedules the entry then) instead of retrying early and being refused again.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    """How often a request is attempted and how long to wait in between.

    `max_attempts` counts the first try (1 means never retry; the outbox counts attempts
    itself and ignores it). `random` returns a fraction in [0, 1) and exists so tests can
    make the jitter deterministic.
    """

    max_attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_retry_after: float = 30.0
    random: Callable[[], float] = field(default=_random.random, repr=False, compare=False)

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based): between half the ceiling
        and the ceiling, which doubles per attempt up to `max_delay`."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** min(max(attempt - 1, 0), 64))
        return ceiling * (0.5 + 0.5 * min(max(self.random(), 0.0), 1.0))

    def beyond_budget(self, retry_after: float | None) -> bool:
        """True when the server asks for a longer wait than this policy will sit through."""
        return retry_after is not None and retry_after > self.max_retry_after

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """The wait before the next attempt: the server's hint (capped) or jittered backoff."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        return self.backoff(attempt)


# For requests that must never be repeated by the client (create, void).
NO_RETRY = RetryPolicy(max_attempts=1)
# The outbox's schedule between attempts at one entry: 5 s doubling to 15 min, and a server's
# Retry-After honoured up to an hour.
OUTBOX_RETRY = RetryPolicy(base_delay=5.0, max_delay=15 * 60.0, max_retry_after=60 * 60.0)


def wait_text(seconds: float) -> str:
    """A wait in words: "45 seconds", "5 minutes", "2 hours"."""
    if seconds < 90:
        return f"{seconds:.0f} seconds"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.0f} hours"


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP-date.

    Returns None when absent or unreadable; a date in the past gives 0.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        # float() also accepts "nan" and "inf"; neither is a usable wait.
        if seconds != seconds or seconds in (float("inf"), float("-inf")):
            return None
        return max(seconds, 0.0)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max((when - current).total_seconds(), 0.0)

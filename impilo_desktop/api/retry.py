"""When and how long to wait before repeating a failed read.

Capped exponential backoff with full jitter (a random delay between zero and the cap, so many
clients that failed together do not come back together), and the server's `Retry-After`
honoured up to a ceiling so a confused server cannot park the app for an hour.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    """How often a read is attempted and how long to wait in between.

    `max_attempts` counts the first try (1 means never retry). `random` returns a fraction in
    [0, 1) and exists so tests can make the jitter deterministic.
    """

    max_attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_retry_after: float = 30.0
    random: Callable[[], float] = field(default=_random.random, repr=False, compare=False)

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based): full jitter under the cap."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** max(attempt - 1, 0))
        return ceiling * min(max(self.random(), 0.0), 1.0)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """The wait before the next attempt: the server's hint (capped) or jittered backoff."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after)
        return self.backoff(attempt)


# For requests that must never be repeated by the client (create, void).
NO_RETRY = RetryPolicy(max_attempts=1)


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

"""When to try a failed send again: capped exponential backoff with jitter, honouring the
server's Retry-After."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class RetrySchedule:
    """`delay(attempt)` for the n-th consecutive failure (1-based).

    Full delay = min(cap, base * factor**(attempt-1)); jitter picks a point in the upper half
    so many clients coming back online do not retry in lock-step. A Retry-After hint wins
    when it is longer, but never beyond `max_retry_after`.
    """

    base: float = 5.0
    factor: float = 2.0
    cap: float = 15 * 60.0
    max_retry_after: float = 60 * 60.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        exponent = max(attempt, 1) - 1
        full = min(self.cap, self.base * self.factor ** min(exponent, 32))
        wait = full * (0.5 + 0.5 * self.rng.random())
        if retry_after is not None and retry_after > 0:
            wait = max(wait, min(retry_after, self.max_retry_after))
        return wait

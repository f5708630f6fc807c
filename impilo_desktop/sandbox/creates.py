"""How many order creates the sandbox is working on at once: what tests read to see that a
client keeps several creates in flight (`GET /_sandbox/creates`, or `SandboxServer.creates`
in-process)."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field


@dataclass
class CreatesInFlight:
    """`POST /order` requests received and not yet answered: `now`, and the `most` at once
    since the last `reset()`. A request counts from its arrival (before any fault latency)
    to its answer (or its dropped connection). `arrivals`: how many were in flight as each
    of the latest creates arrived, itself included (1: it came alone)."""

    now: int = 0
    most: int = 0
    arrivals: deque[int] = field(default_factory=lambda: deque(maxlen=10_000))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def started(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
            self.arrivals.append(self.now)

    def ended(self) -> None:
        with self._lock:
            self.now -= 1

    def reset(self) -> None:
        """Forget the most seen; the ones in flight still count."""
        with self._lock:
            self.most = self.now

    def as_json(self) -> dict[str, int]:
        with self._lock:
            return {"inFlight": self.now, "mostInFlight": self.most}

"""Fault injection for the sandbox: latency, 5xx, 429, dropped connections, the in-doubt
create, slow bodies and malformed JSON. One `Faults` per server, changeable while it runs.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import dataclass, field, fields
from typing import Literal

FaultKind = Literal["error", "ratelimit", "drop", "drop_after_create", "malformed", "slow"]
FAULT_KINDS: tuple[FaultKind, ...] = (
    "error",
    "ratelimit",
    "drop",
    "drop_after_create",
    "malformed",
    "slow",
)

# CLI spelling -> attribute name.
_SPEC_NAMES = {
    "latency": "latency",
    "error": "error_rate",
    "ratelimit": "rate_limit_rate",
    "retry_after": "retry_after",
    "drop": "drop_rate",
    "drop_after_create": "drop_after_create_rate",
    "slow": "slow_body_seconds",
    "malformed": "malformed_rate",
    "seed": "seed",
}
_RATES = ("error_rate", "rate_limit_rate", "drop_rate", "drop_after_create_rate", "malformed_rate")


@dataclass
class Faults:
    """What goes wrong, and how often, on `/api/v3` requests.

    Rates are probabilities per request (0..1), drawn from a generator seeded with `seed`, so a
    given request sequence always meets the same faults. `latency` delays every response;
    `slow_body_seconds` trickles each body over that many seconds. `force(...)` queues exact
    faults for the next requests, ahead of the random ones. Fields may be changed at any time.
    """

    latency: float = 0.0
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    retry_after: float = 1.0
    drop_rate: float = 0.0
    drop_after_create_rate: float = 0.0
    slow_body_seconds: float = 0.0
    malformed_rate: float = 0.0
    seed: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _rng: random.Random | None = field(default=None, repr=False, compare=False)
    _forced: deque[FaultKind] = field(default_factory=deque, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in (*_RATES, "latency", "retry_after", "slow_body_seconds"):
            value = getattr(self, name)
            if value < 0 or (name in _RATES and value > 1):
                raise ValueError(f"{name}={value} is out of range")

    @classmethod
    def parse(cls, spec: str) -> Faults:
        """Build from `"latency=0.05,error=0.1,ratelimit=0.05,retry_after=1,drop=0.02,
        drop_after_create=0.1,slow=0.5,malformed=0.02"` (any subset; empty means none)."""
        values: dict[str, float | int] = {}
        for part in spec.replace(";", ",").split(","):
            part = part.strip()
            if not part:
                continue
            key, sep, raw = part.partition("=")
            name = _SPEC_NAMES.get(key.strip().lower().replace("-", "_"))
            if not sep or name is None:
                known = ", ".join(_SPEC_NAMES)
                raise ValueError(f"bad fault {part!r}; expected NAME=NUMBER with NAME in {known}")
            try:
                values[name] = int(raw) if name == "seed" else float(raw)
            except ValueError:
                raise ValueError(f"bad number in fault {part!r}") from None
        return cls(**values)  # type: ignore[arg-type]

    def spec(self) -> str:
        """The `parse` spelling of the non-default settings (without the seed)."""
        names = {attr: key for key, attr in _SPEC_NAMES.items()}
        defaults = Faults()
        return ",".join(
            f"{names[f.name]}={getattr(self, f.name):g}"
            for f in fields(self)
            if not f.name.startswith("_")
            and f.name != "seed"
            and getattr(self, f.name) != getattr(defaults, f.name)
        )

    def clear(self) -> None:
        """No faults from now on (and forget forced ones)."""
        with self._lock:
            self.latency = self.error_rate = self.rate_limit_rate = 0.0
            self.drop_rate = self.drop_after_create_rate = 0.0
            self.slow_body_seconds = self.malformed_rate = 0.0
            self._forced.clear()

    def force(self, *kinds: FaultKind) -> None:
        """Make the next requests fail exactly so, one kind per request, in order.

        A forced `drop_after_create` waits for the next successful create; a forced `slow`
        trickles the next body over `slow_body_seconds` (or one second when that is 0)."""
        for kind in kinds:
            if kind not in FAULT_KINDS:
                raise ValueError(f"unknown fault {kind!r}")
        with self._lock:
            self._forced.extend(kinds)

    def draw(self, is_create: bool) -> set[FaultKind]:
        """The faults for one request (called once per request, in arrival order)."""
        with self._lock:
            if self._rng is None:
                self._rng = random.Random(self.seed)
            rng = self._rng
            chosen: set[FaultKind] = set()
            if self._forced:
                head = self._forced[0]
                if head != "drop_after_create" or is_create:
                    chosen.add(self._forced.popleft())
                    return chosen
            # One draw per kind on every request, so the sequence does not depend on outcomes.
            rolls = [rng.random() for _ in range(5)]
            if rolls[0] < self.drop_rate:
                chosen.add("drop")
            if rolls[1] < self.rate_limit_rate:
                chosen.add("ratelimit")
            if rolls[2] < self.error_rate:
                chosen.add("error")
            if is_create and rolls[3] < self.drop_after_create_rate:
                chosen.add("drop_after_create")
            if rolls[4] < self.malformed_rate:
                chosen.add("malformed")
            if self.slow_body_seconds > 0:
                chosen.add("slow")
            return chosen

"""The built-in Impilo sandbox: an Impilo-compatible HTTP API on 127.0.0.1 with realistic seeded
data, orders that move along over (accelerated) time, and fault injection. Used embedded by the
tests and the app's sandbox profile, and standalone via `impilo-desktop sandbox`.

`DEMO_API_KEY` is the key a sandbox accepts when none is configured; it is public on purpose
and grants nothing outside the sandbox. See README.md in this folder for every behaviour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from impilo_desktop.sandbox.demo import DEMO_API_KEY
from impilo_desktop.sandbox.faults import Faults
from impilo_desktop.sandbox.seed import SeedSize

if TYPE_CHECKING:
    from impilo_desktop.sandbox.server import SandboxServer


def __getattr__(name: str) -> Any:
    # The server pulls in aiohttp; load it only when someone actually runs a sandbox.
    if name == "SandboxServer":
        from impilo_desktop.sandbox.server import SandboxServer

        return SandboxServer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DEMO_API_KEY", "Faults", "SandboxServer", "SeedSize"]

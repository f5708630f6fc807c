"""The built-in Impilo sandbox: an Impilo-compatible HTTP API on 127.0.0.1 with realistic seeded
data, orders that move along over (accelerated) time, and fault injection. Used embedded by the
tests and the app's sandbox profile, and standalone via `impilo-desktop sandbox`.

`DEMO_API_KEY` is the key a sandbox accepts when none is configured; it is public on purpose
and grants nothing outside the sandbox. See README.md in this folder for every behaviour.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from impilo_desktop.sandbox.demo import DEMO_API_KEY

if TYPE_CHECKING:
    from impilo_desktop.sandbox.faults import Faults
    from impilo_desktop.sandbox.seed import SeedSize
    from impilo_desktop.sandbox.server import SandboxServer


def __getattr__(name: str) -> Any:
    # Loaded only when someone runs a sandbox: the server pulls in aiohttp, and the seed and
    # the faults are the server's (a real account's window, which imports this package for
    # the demo key, needs neither before its first paint).
    if name == "SandboxServer":
        from impilo_desktop.sandbox.server import SandboxServer

        return SandboxServer
    if name == "Faults":
        from impilo_desktop.sandbox.faults import Faults

        return Faults
    if name == "SeedSize":
        from impilo_desktop.sandbox.seed import SeedSize

        return SeedSize
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DEMO_API_KEY", "Faults", "SandboxServer", "SeedSize"]

"""Talking to Impilo in the background: the outbox sender, the reference-data refresher and
the connectivity state. Plain asyncio; the UI drives it through its bridge.

Typical use (on the sync thread's event loop)::

    connectivity = Connectivity()
    factory = lambda: ImpiloClient(profile.base_url, key, network=Settings.load().network)
    sender = OutboxSender(store, factory, connectivity=connectivity)
    report = await sender.drain(progress=lambda done, total: ...)
    await ReferenceRefresher(store, factory, connectivity=connectivity).refresh()

The names below load with the module that defines them, on first use: the sender and the
refresher bring the API client and httpx (~150 modules), which the window's start does not
need (its drain and refresh begin on the bridge after the first paint), while a light part
such as `sync.drain_report` or `sync.connectivity` is imported without them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from impilo_desktop.sync.connectivity import NO_CONNECTION, Connectivity, ConnectivityState
    from impilo_desktop.sync.drain_report import (
        ANOTHER_SENDER,
        API_KEY_REJECTED,
        DrainReport,
        EntryResult,
        Outcome,
        StopReason,
    )
    from impilo_desktop.sync.reference import ALL_KINDS, ReferenceRefresher, RefreshReport
    from impilo_desktop.sync.sender import (
        DEFAULT_MAX_AGE,
        DEFAULT_SETTLE,
        ClientFactory,
        OutboxSender,
    )

_HOMES = {
    "impilo_desktop.sync.connectivity": ("NO_CONNECTION", "Connectivity", "ConnectivityState"),
    "impilo_desktop.sync.drain_report": (
        "ANOTHER_SENDER",
        "API_KEY_REJECTED",
        "DrainReport",
        "EntryResult",
        "Outcome",
        "StopReason",
    ),
    "impilo_desktop.sync.reference": ("ALL_KINDS", "ReferenceRefresher", "RefreshReport"),
    "impilo_desktop.sync.sender": (
        "DEFAULT_MAX_AGE",
        "DEFAULT_SETTLE",
        "ClientFactory",
        "OutboxSender",
    ),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str) -> Any:
    """`from impilo_desktop.sync import OutboxSender` imports sync.sender then (PEP 562)."""
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "ALL_KINDS",
    "ANOTHER_SENDER",
    "API_KEY_REJECTED",
    "DEFAULT_MAX_AGE",
    "DEFAULT_SETTLE",
    "NO_CONNECTION",
    "ClientFactory",
    "Connectivity",
    "ConnectivityState",
    "DrainReport",
    "EntryResult",
    "OutboxSender",
    "Outcome",
    "ReferenceRefresher",
    "RefreshReport",
    "StopReason",
]

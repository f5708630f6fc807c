"""Talking to Impilo in the background: the outbox sender, the reference-data refresher and
the connectivity state. Plain asyncio; the UI drives it through its bridge.

Typical use (on the sync thread's event loop)::

    connectivity = Connectivity()
    factory = lambda: ImpiloClient(profile.base_url, key, network=Settings.load().network)
    sender = OutboxSender(store, factory, connectivity=connectivity)
    report = await sender.drain(progress=lambda done, total: ...)
    await ReferenceRefresher(store, factory, connectivity=connectivity).refresh()
"""

from impilo_desktop.sync.connectivity import NO_CONNECTION, Connectivity, ConnectivityState
from impilo_desktop.sync.reference import ALL_KINDS, ReferenceRefresher, RefreshReport
from impilo_desktop.sync.sender import (
    ANOTHER_SENDER,
    API_KEY_REJECTED,
    DEFAULT_MAX_AGE,
    DEFAULT_SETTLE,
    ClientFactory,
    DrainReport,
    EntryResult,
    OutboxSender,
    Outcome,
    StopReason,
)

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

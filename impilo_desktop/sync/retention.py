"""Keeping only what is needed: orders cached for the history are forgotten once they have
been kept longer than Settings' "Keep cached orders for N days" (default 90). Drafts and the
outbox are never touched, nor an outbox entry's order. Blocking SQLite work: the window runs
it on the bridge loop at start and once a day (ui/plumbing/retention.py)."""

from __future__ import annotations

import logging
from pathlib import Path

from impilo_desktop.config import Settings
from impilo_desktop.store import Store

log = logging.getLogger(__name__)


def prune_cached_orders(store: Store, home: Path | None = None) -> int:
    """Forget the orders cached longer than the retention in the settings of `home`;
    returns how many."""
    days = Settings.load(home).keep_orders_days
    pruned = store.prune_cached_orders(days)
    if pruned:
        log.info("Forgot %d cached orders kept longer than %d days", pruned, days)
    return pruned

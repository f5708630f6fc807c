"""Autosave of the draft on screen: debounced, written on the bridge's loop thread.

Writes run on the loop thread itself rather than a worker pool, so they land in the order
they were made (one small SQLite transaction each, a few milliseconds): a submit asked for
after a save is carried out after it, and the UI thread never waits for either.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from impilo_desktop.domain import OrderDraft
from impilo_desktop.store import Store, StoreError
from impilo_desktop.ui.plumbing.bridge import AsyncBridge

log = logging.getLogger(__name__)

AUTOSAVE_MS = 300


class DraftAutosave(QObject):
    """Saves `current()` after `AUTOSAVE_MS` of quiet; `saved(draft_id)` / `failed(message)`."""

    saved = Signal(str)
    failed = Signal(str)

    def __init__(
        self,
        bridge: AsyncBridge,
        store: Store,
        current: Callable[[], OrderDraft],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._bridge = bridge
        self._store = store
        self._current = current
        self._persisted = False  # the draft on screen exists in the store
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(AUTOSAVE_MS)
        self._timer.timeout.connect(self.save_now)

    @property
    def pending(self) -> bool:
        """An edit is waiting for the debounce timer."""
        return self._timer.isActive()

    def reset(self, *, persisted: bool) -> None:
        """A different draft is on screen (`persisted`: it is already in the store)."""
        self._timer.stop()
        self._persisted = persisted

    def released(self) -> None:
        """The draft left the store's drafts (the outbox took it): do not write it back."""
        self._timer.stop()
        self._persisted = False

    def schedule(self) -> None:
        """An edit: save after a short quiet spell."""
        self._timer.start()

    def save_now(self) -> None:
        """Write the draft now (an empty, never-saved draft is not worth a row)."""
        self._timer.stop()
        draft = self._current()
        if draft.is_empty() and not self._persisted:
            return
        snapshot = draft.model_copy(deep=True)
        store = self._store

        async def write() -> str:
            store.save_draft(snapshot)
            store.set_current_draft(snapshot.draft_id)
            return snapshot.draft_id

        self._persisted = True
        self._bridge.submit(write(), on_result=self.saved.emit, on_error=self._fail)

    def forget_current(self) -> None:
        """After a restart the form should open empty, not on the order just finished."""
        store = self._store

        async def clear() -> None:
            store.set_current_draft(None)

        self._bridge.submit(clear(), on_error=self._fail)

    def _fail(self, error: BaseException) -> None:
        message = error.message if isinstance(error, StoreError) else str(error)
        log.error("Autosave failed: %s", message)
        self.failed.emit(message)

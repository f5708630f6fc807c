"""The local SQLite store of one profile: drafts, the outbox, and caches of Impilo data.

Usage::

    store = Store.open_profile(profile)      # <home>/profiles/<name>/impilo.sqlite3
    store.save_draft(draft)                  # autosave (one short transaction)
    entry = store.enqueue(draft)             # draft -> outbox, one transaction
    store.enqueue_batch(drafts, ...)         # an import's orders, one transaction, one batch
    store.list_outbox()
    store.save_template(template)            # order templates, names unique per profile

Threads: a `Store` may be shared; every thread that uses it gets its own SQLite connection
(the UI thread for autosave, the sync thread for sending). Calls are short transactions; the
big reads (caches) take milliseconds for thousands of rows. Every SQLite failure arrives as a
`StoreError` subclass whose `message` can be shown to the user as is; so is `store.notice`,
set when the store opened but the user must hear about it (a file found empty, started anew).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from impilo_desktop.config import Profile
from impilo_desktop.store.cache import CacheMixin, PatientSearchRow, ReferenceKind
from impilo_desktop.store.cipher import DatabaseKey, Protection
from impilo_desktop.store.database import DEFAULT_BUSY_TIMEOUT
from impilo_desktop.store.drafts import DraftsMixin
from impilo_desktop.store.encrypting import Progress
from impilo_desktop.store.entries import (
    PENDING_STATES,
    UNSENT_STATES,
    EntryState,
    LockHolder,
    OutboxAttempt,
    OutboxEntry,
    OutboxSummary,
    already_on_impilo_words,
)
from impilo_desktop.store.errors import (
    EntryNotFoundError,
    EntryStateError,
    SenderLockLost,
    StoreCorruptError,
    StoreError,
    StoreFoundEmpty,
    StoreKeyError,
    StoreLockedError,
    StoreTooNewError,
    StoreUnwritableError,
)
from impilo_desktop.store.import_batches import ImportBatch, ImportBatchesMixin, RefsAlreadyQueued
from impilo_desktop.store.outbox import REFERENCE_PREFIX, new_client_reference
from impilo_desktop.store.patient_change_entry import (
    HELD_FOR_CHANGED,
    HELD_FOR_SERVER,
    PatientChangeEntry,
)
from impilo_desktop.store.patient_changes import PatientChangesMixin
from impilo_desktop.store.patient_matches import PATIENT_MATCH, PatientMatchMixin
from impilo_desktop.store.pipelined_marks import PipelinedMarksMixin
from impilo_desktop.store.process_lock import process_alive
from impilo_desktop.store.recipient_lookup import RecipientLookupMixin
from impilo_desktop.store.ref_checks import RefCheckMixin
from impilo_desktop.store.schema import SCHEMA_VERSION
from impilo_desktop.store.sender_lock import OUTBOX_LOCK, SenderLease, SenderLockMixin
from impilo_desktop.store.templates import (
    ImportedTemplate,
    TemplateNameInvalid,
    TemplateNameTaken,
    TemplatesMixin,
)

DATABASE_NAME = "impilo.sqlite3"


class Store(
    DraftsMixin,
    TemplatesMixin,
    PatientMatchMixin,
    ImportBatchesMixin,
    RefCheckMixin,
    PipelinedMarksMixin,
    PatientChangesMixin,
    CacheMixin,
    RecipientLookupMixin,
    SenderLockMixin,
):
    """The local database of one profile. Cheap to open; close it when done."""

    def __init__(
        self,
        path: Path | str,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        clock: Callable[[], float] = time.time,
        process_alive: Callable[[int], bool] = process_alive,
        platform: str = sys.platform,
        key: DatabaseKey | None = None,
        in_memory: bool = False,
        progress: Progress | None = None,
    ) -> None:
        super().__init__(
            path,
            busy_timeout=busy_timeout,
            clock=clock,
            process_alive=process_alive,
            platform=platform,
            key=key,
            in_memory=in_memory,
            progress=progress,
        )

    @classmethod
    def path_for(cls, profile: Profile, home: Path | None = None) -> Path:
        """Where the database of `profile` lives."""
        return profile.data_dir(home) / DATABASE_NAME

    @classmethod
    def open_profile(
        cls,
        profile: Profile,
        home: Path | None = None,
        *,
        key: DatabaseKey | None,
        in_memory: bool = False,
        progress: Progress | None = None,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> Store:
        """Open (creating, encrypting or upgrading) the database of `profile`, encrypted
        with `key` (see `impilo_desktop.database_access` for where the key comes from)."""
        return cls(
            cls.path_for(profile, home),
            key=key,
            in_memory=in_memory,
            progress=progress,
            busy_timeout=busy_timeout,
            clock=clock,
        )

    def close(self) -> None:
        """Close every thread's connection (and give up any OS lock still held, the open
        lock last: the file may be removed once it is gone). A connection a thread is still
        reading with closes when that read returns; the locks go with the last one."""

        def release_locks() -> None:
            try:
                self.release_os_locks()
            finally:
                self.release_open_lock()

        self._db.close(after_last=release_locks)

    def release_connection(self) -> None:
        """Close the calling thread's connection (for a thread about to end; the next call
        from it would open a new one)."""
        self._db.release_connection()

    def shrink_memory(self) -> None:
        """Empty the calling thread's SQLite page cache after a bulk read or write (it
        fills again as the thread uses the store; docs/performance.md "Memory")."""
        self._db.shrink_memory()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"


__all__ = [
    "DATABASE_NAME",
    "HELD_FOR_CHANGED",
    "HELD_FOR_SERVER",
    "OUTBOX_LOCK",
    "PATIENT_MATCH",
    "PENDING_STATES",
    "REFERENCE_PREFIX",
    "SCHEMA_VERSION",
    "UNSENT_STATES",
    "DatabaseKey",
    "EntryNotFoundError",
    "EntryState",
    "EntryStateError",
    "ImportBatch",
    "ImportedTemplate",
    "LockHolder",
    "OutboxAttempt",
    "OutboxEntry",
    "OutboxSummary",
    "PatientChangeEntry",
    "PatientSearchRow",
    "Progress",
    "Protection",
    "ReferenceKind",
    "RefsAlreadyQueued",
    "SenderLease",
    "SenderLockLost",
    "Store",
    "StoreCorruptError",
    "StoreError",
    "StoreFoundEmpty",
    "StoreKeyError",
    "StoreLockedError",
    "StoreTooNewError",
    "StoreUnwritableError",
    "TemplateNameInvalid",
    "TemplateNameTaken",
    "already_on_impilo_words",
    "new_client_reference",
]

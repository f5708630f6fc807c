"""Asking Impilo when the cached lists have no match: the pickers emit
`remote_lookup_requested(query)`, this answers through the bridge (never on the UI thread).
While the patients are still being cached for the first time, the patient picker is told how
far along that is, and asks Impilo for every search. The cache counts as complete only once a
patient download has finished (the store stamps it): a first download that failed or was
cancelled leaves a partial list, and a search with some local match must still ask Impilo."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from impilo_desktop.api.errors import ImpiloError, NotFound
from impilo_desktop.store import ReferenceKind, StoreError
from impilo_desktop.ui.order_entry.picker_widgets import PatientPicker, SitePicker
from impilo_desktop.ui.order_entry.records import PatientRecord, SiteRecord
from impilo_desktop.ui.order_entry.reference import lookup_patients, remember_patients

if TYPE_CHECKING:
    from impilo_desktop.ui.plumbing.services import AppServices

log = logging.getLogger(__name__)


def plain_error(error: BaseException) -> str:
    """The user-facing sentence for a failed lookup."""
    if isinstance(error, ImpiloError):
        return error.message
    return "an unexpected error occurred"


class ServerLookups(QObject):
    """Answers the patient and site pickers' server lookups."""

    def __init__(
        self,
        services: AppServices,
        patients: PatientPicker,
        sites: SitePicker,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._patients = patients
        self._sites = sites
        patients.remote_lookup_requested.connect(self.lookup_patients)
        sites.remote_lookup_requested.connect(self.lookup_site)
        self._progress = (0, 0)  # the last patient progress: how partial the cache is
        services.outbox.reference_progress.connect(self._on_cache_progress)
        services.outbox.reference_refreshed.connect(self._on_cache_settled)
        self._on_cache_settled(False)  # left partial by an earlier run?

    def _on_cache_progress(self, kind: str, done: int, total: int) -> None:
        held = len(self._patients.model.records)
        if kind == "patient":
            self._progress = (done, total)
            # A refresh over a cache already held is not "loading": the picker has them all.
            self._patients.set_cache_progress(done, total if held < total else None)
        elif held == 0:
            self._patients.set_cache_progress(0, 0)  # patients come after the catalog

    def _on_cache_settled(self, _ok: bool) -> None:
        """A refresh ended (or cancelled, or failed): whatever it says, only a finished
        patient download makes the cache complete, and the store knows whether one did."""

        def settled(fetched_at: object) -> None:
            if fetched_at is not None:
                self._patients.set_cache_progress(0, None)
            else:
                self._patients.set_cache_progress(*self._progress)  # still partial

        self._services.bridge.call(
            self._services.store.reference_fetched_at,
            ReferenceKind.PATIENT,
            on_result=settled,
            on_error=lambda error: log.warning("Could not read the cache state: %s", error),
        )

    def lookup_patients(self, query: str) -> None:
        services = self._services
        picker = self._patients

        async def ask() -> list[PatientRecord]:
            patients = await lookup_patients(services.client(), query)
            try:
                # Cached, so the next search finds them without asking again.
                await asyncio.to_thread(remember_patients, services.store, patients)
            except StoreError as exc:
                log.warning("Could not cache looked-up patients: %s", exc)
            return [PatientRecord.from_patient(p, from_server=True) for p in patients]

        services.bridge.submit(
            ask(),
            on_result=lambda records: picker.remote_results(query, records),
            on_error=lambda error: picker.remote_failed(query, plain_error(error)),
        )

    def lookup_site(self, query: str) -> None:
        picker = self._sites
        if not query.isdigit():  # the site list has no name filter; only an id can be asked
            picker.remote_results(query, [])
            return
        services = self._services

        async def ask() -> list[SiteRecord]:
            record = SiteRecord.from_site(await services.client().get_site(int(query)))
            return [record] if record.active and record.id else []

        def failed(error: BaseException) -> None:
            if isinstance(error, NotFound):
                picker.remote_results(query, [])
            else:
                picker.remote_failed(query, plain_error(error))

        services.bridge.submit(
            ask(), on_result=lambda records: picker.remote_results(query, records), on_error=failed
        )

"""Asking Impilo when the cached lists have no match: the pickers emit
`remote_lookup_requested(query)`, this answers through the bridge (never on the UI thread).
While the patients are still being cached for the first time, the patient picker is told how
far along that is, and asks Impilo for every search."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from impilo_desktop.api.errors import ImpiloError, NotFound
from impilo_desktop.store import StoreError
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
        services.outbox.reference_progress.connect(self._on_cache_progress)
        services.outbox.reference_refreshed.connect(self._on_cache_filled)

    def _on_cache_progress(self, kind: str, done: int, total: int) -> None:
        held = len(self._patients.model.records)
        if kind == "patient":
            # A refresh over a cache already held is not "loading": the picker has them all.
            self._patients.set_cache_progress(done, total if held < total else None)
        elif held == 0:
            self._patients.set_cache_progress(0, 0)  # patients come after the catalog

    def _on_cache_filled(self, _ok: bool) -> None:
        self._patients.set_cache_progress(0, None)  # finished or stopped: no longer loading

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

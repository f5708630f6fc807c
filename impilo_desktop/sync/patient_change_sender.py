"""Sending the patients' address and phone corrections, exactly once, within a drain of the
outbox sender (sync/sender.py): under its lock, on its client, to the server each change was
queued for.

PATCH carries no reference of ours, so the re-read does what the lookup by reference does for
orders (domain/patient_change_rules.py): before every PATCH the patient is read again, and

- Impilo holds `after`: `sent` without a PATCH (ours arrived before a crash or a lost answer);
- Impilo holds `before`: committed `sending` (proving and extending the lock, as for orders),
  then `PATCH /patient/{id}` with only the changed fields;
- anything else: `held` as changed in Impilo meanwhile, with what Impilo holds (`found`).

Outcomes of the PATCH as for orders: the patient back -> `sent`; 4xx -> `rejected` with the
server's message; 401/403 -> back to `queued` and the outbox paused; 429 or a connection that
never opened -> `queued` with a retry time; anything after the request may have left ->
`in_doubt`. An in-doubt change is re-read (the same comparison) only once its PATCH can no
longer be arriving (`settle` after it started, as for orders), so a PATCH is never sent
twice: a second one follows only a re-read that found `before` after the first had settled.
Changes left `sending` by a sender that died become `in_doubt`.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import (
    AuthenticationError,
    ImpiloError,
    NotFound,
    RateLimited,
    RequestRejected,
    Unreachable,
)
from impilo_desktop.api.models import Patient
from impilo_desktop.api.retry import wait_text
from impilo_desktop.domain.patient_change_rules import (
    Standing,
    contact_from_patient,
    patient_patch,
    standing,
)
from impilo_desktop.store import (
    HELD_FOR_CHANGED,
    HELD_FOR_SERVER,
    EntryNotFoundError,
    EntryState,
    EntryStateError,
    PatientChangeEntry,
    SenderLockLost,
)
from impilo_desktop.sync.entry_outcomes import no_connection
from impilo_desktop.sync.sender import (
    API_KEY_REJECTED,
    KEEP_SENT,
    DrainReport,
    Outcome,
    StopReason,
)

if TYPE_CHECKING:
    from impilo_desktop.sync.sender import OutboxSender

log = logging.getLogger(__name__)

CHANGED_MEANWHILE = (
    "Changed in Impilo meanwhile: the patient no longer has the address or phone this"
    " correction started from. Compare, then apply it anyway or discard it."
)
PATIENT_GONE = "Impilo has no such patient any more."
INCOMPLETE = "This correction lacks part of the address (line one, city, state or ZIP)."


@dataclass(frozen=True)
class ChangeResult:
    """What one pass over a change did (`Outcome.SENT`: the PATCH applied it; `ADOPTED`:
    Impilo held the new values already)."""

    change_id: int
    outcome: Outcome
    state: EntryState
    message: str = ""

    def line(self) -> str:
        text = f"change #{self.change_id} {self.outcome.value}"
        return f"{text}: {self.message}" if self.message else text


OnChange = Callable[[ChangeResult], None]


class _Stop(Exception):  # noqa: N818 - internal control flow, never escapes
    def __init__(self, result: ChangeResult, reason: StopReason | None) -> None:
        super().__init__(reason)
        self.result = result
        self.reason = reason


class PatientChangeSender:
    """The corrections' part of a drain; `sender` gives the store, lease, retry policy,
    settle time and connectivity (one protocol for both kinds of entry)."""

    def __init__(self, sender: OutboxSender) -> None:
        self._sender = sender
        self._pruned = False

    def due(self, *, due_only: bool, waiting_for_network: bool) -> list[PatientChangeEntry]:
        """Under the lock, at the start of a drain: changes a dead sender left `sending`
        become in doubt, sent ones past keeping are forgotten; then the changes due now."""
        store = self._sender.store
        if not self._pruned:
            self._pruned = True
            store.prune_sent_changes(KEEP_SENT.total_seconds())
        recovered = store.recover_interrupted_changes()
        if recovered:
            log.info("Patient changes %s were interrupted while sending; now in doubt", recovered)
        return store.due_patient_changes(due_only=due_only, waiting_for_network=waiting_for_network)

    async def work_through(
        self,
        client: ImpiloClient,
        changes: list[PatientChangeEntry],
        report: DrainReport,
        *,
        done: int,
        progress: Callable[[int, int], None] | None,
        on_change: OnChange | None,
    ) -> None:
        """Send `changes` in order; stops (setting `report.stopped` / `paused`) as the order
        part does. `done` is how many entries the drain finished before these."""
        for number, entry in enumerate(changes, start=done + 1):
            try:
                result = await self._process(client, entry.change_id)
            except _Stop as stop:
                result = stop.result
                if stop.reason is not None:
                    report.stopped = stop.reason
            report.changes.append(result)
            if result.outcome == Outcome.PAUSED:
                report.paused = result.message
            if on_change:
                on_change(result)
            if progress:
                progress(number, report.total)
            if report.stopped or report.paused:
                break

    # -- one change ---------------------------------------------------------------------------

    async def _process(self, client: ImpiloClient, change_id: int) -> ChangeResult:
        store = self._sender.store
        try:
            entry = store.get_patient_change(change_id)
        except EntryNotFoundError:
            return ChangeResult(change_id, Outcome.SKIPPED, EntryState.SENT, "removed")
        if entry.state not in (EntryState.QUEUED, EntryState.IN_DOUBT):
            return _result(entry, Outcome.SKIPPED)

        if entry.server != client.base_url:
            reason = other_server_reason(entry.server, client.base_url)
            held = store.mark_change_held(change_id, reason, held_for=HELD_FOR_SERVER)
            log.warning("Patient change %s held: queued for another server", change_id)
            return _result(held, Outcome.HELD, reason)

        if entry.state == EntryState.IN_DOUBT:
            waiting = self._still_settling(entry)
            if waiting is not None:
                return waiting

        patient = await self._reread(client, entry)
        if isinstance(patient, ChangeResult):
            return patient
        found = contact_from_patient(patient)
        where = standing(entry.change, found)
        if where == Standing.AFTER:
            note = "Impilo already had the new values"
            store_entry = store.mark_change_sent(change_id, note)
            log.info("Patient change %s: %s", change_id, note)
            return _result(store_entry, Outcome.ADOPTED, note)
        if where == Standing.OTHER:
            held = store.mark_change_held(
                change_id, CHANGED_MEANWHILE, held_for=HELD_FOR_CHANGED, found=found
            )
            log.warning("Patient change %s held: the patient was changed meanwhile", change_id)
            return _result(held, Outcome.HELD, CHANGED_MEANWHILE)
        return await self._patch(client, entry, patient)

    async def _reread(
        self, client: ImpiloClient, entry: PatientChangeEntry
    ) -> Patient | ChangeResult:
        """The patient as Impilo holds it now, or the result when it could not be read."""
        store = self._sender.store
        try:
            return await client.get_patient(entry.patient_id)
        except AuthenticationError as error:
            self._sender.connectivity.report_error(error)
            raise _Stop(self._pause(entry, error), StopReason.KEY_REFUSED) from None
        except NotFound as error:
            self._sender.connectivity.report_success()
            rejected = store.mark_change_rejected(entry.change_id, PATIENT_GONE, error.message)
            return _result(rejected, Outcome.REJECTED, PATIENT_GONE)
        except ImpiloError as error:
            result = self._schedule(entry, error, reconcile=False)
            if isinstance(error, Unreachable) and not error.maybe_sent:
                raise _Stop(result, no_connection(error)) from None
            return result

    async def _patch(
        self, client: ImpiloClient, entry: PatientChangeEntry, patient: Patient
    ) -> ChangeResult:
        store = self._sender.store
        change_id = entry.change_id
        try:
            body = patient_patch(entry.change, patient)
        except ValueError:
            # The dialog checks every field; a change queued otherwise (a script) may not.
            rejected = store.mark_change_rejected(change_id, INCOMPLETE, "invalid change")
            return _result(rejected, Outcome.REJECTED, INCOMPLETE)
        # Committed before the request leaves, proving the lock is still ours.
        try:
            entry = store.mark_change_sending(change_id, self._sender.lease)
        except SenderLockLost:
            result = _result(entry, Outcome.SKIPPED, StopReason.TAKEN_OVER)
            raise _Stop(result, StopReason.TAKEN_OVER) from None
        try:
            await client.patch_patient(entry.patient_id, body)
        except RequestRejected as error:
            self._sender.connectivity.report_error(error)
            message = error.server_message or error.message
            rejected = store.mark_change_rejected(change_id, message, error.message)
            return _result(rejected, Outcome.REJECTED, message)
        except NotFound as error:
            self._sender.connectivity.report_success()
            rejected = store.mark_change_rejected(change_id, PATIENT_GONE, error.message)
            return _result(rejected, Outcome.REJECTED, PATIENT_GONE)
        except AuthenticationError as error:
            self._sender.connectivity.report_error(error)
            raise _Stop(self._pause(entry, error), StopReason.KEY_REFUSED) from None
        except RateLimited as error:
            return self._schedule(entry, error, reconcile=False, retry_after=error.retry_after)
        except Unreachable as error:
            result = self._schedule(entry, error, reconcile=error.maybe_sent)
            if not error.maybe_sent:
                raise _Stop(result, no_connection(error)) from None
            return result
        except ImpiloError as error:
            hint = getattr(error, "retry_after", None)
            retry_after = hint if isinstance(hint, float) else None
            return self._schedule(entry, error, reconcile=True, retry_after=retry_after)
        except BaseException:
            with contextlib.suppress(Exception):
                store.mark_change_in_doubt(change_id, "interrupted while sending")
            raise
        self._sender.connectivity.report_success()
        try:
            sent = store.mark_change_sent(change_id, "applied")
        except EntryStateError:
            return _result(store.get_patient_change(change_id), Outcome.SKIPPED)
        log.info("Patient change %s applied", change_id)
        return _result(sent, Outcome.SENT)

    # -- outcomes ----------------------------------------------------------------------------

    def _still_settling(self, entry: PatientChangeEntry) -> ChangeResult | None:
        """An in-doubt change whose PATCH may still be arriving is not re-read yet: a re-read
        finding `before` could not be trusted."""
        if entry.last_sent_at is None:
            return None
        store = self._sender.store
        ready_at = entry.last_sent_at.timestamp() + self._sender.settle
        if store.now() >= ready_at:
            return None
        message = "Waiting for Impilo to finish an earlier attempt before checking it."
        error = entry.last_error or message
        updated = store.mark_change_in_doubt(entry.change_id, error, ready_at)
        return _result(updated, Outcome.RETRY, message)

    def _schedule(
        self,
        entry: PatientChangeEntry,
        error: ImpiloError,
        *,
        reconcile: bool,
        retry_after: float | None = None,
    ) -> ChangeResult:
        sender, store = self._sender, self._sender.store
        sender.connectivity.report_error(error)
        delay = sender.retry.delay(max(entry.attempts, 1), retry_after)
        in_doubt = reconcile or entry.state == EntryState.IN_DOUBT
        if entry.last_sent_at is not None and in_doubt:
            settled = entry.last_sent_at.timestamp() + sender.settle - store.now()
            delay = max(delay, settled)
        when = store.now() + delay
        network = isinstance(error, Unreachable)
        log.warning("Patient change %s failed: %s", entry.change_id, error.detail or error)
        if in_doubt:
            updated = store.mark_change_in_doubt(
                entry.change_id, error.message, when, for_network=network
            )
        else:
            updated = store.mark_change_retry(
                entry.change_id, error.message, when, for_network=network
            )
        return _result(updated, Outcome.RETRY, f"{error.message} Next try in {wait_text(delay)}.")

    def _pause(self, entry: PatientChangeEntry, error: AuthenticationError) -> ChangeResult:
        store = self._sender.store
        if entry.state == EntryState.SENDING:
            entry = store.mark_change_unsent(entry.change_id, API_KEY_REJECTED)
        store.pause_outbox(API_KEY_REJECTED)
        log.warning("Outbox paused: %s (%s)", API_KEY_REJECTED, error.status)
        return _result(entry, Outcome.PAUSED, API_KEY_REJECTED)


def other_server_reason(queued_for: str, now_talks_to: str) -> str:
    """Why a correction is held for its server. Unlike an order it cannot be sent to the
    server now in use: patient numbers belong to one server."""
    return (
        f"Queued for {queued_for}; it cannot be sent to {now_talks_to}, where this patient's"
        " number may be another person. Discard it, then correct the address again from the"
        " order on this server."
    )


def _result(entry: PatientChangeEntry, outcome: Outcome, message: str = "") -> ChangeResult:
    return ChangeResult(entry.change_id, outcome, entry.state, message)

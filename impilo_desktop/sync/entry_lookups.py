"""What the outbox sender asks Impilo about an entry before its create (sender.py's
docstring, steps 4 and 8): an in-doubt entry looked up by its reference once its last create
has settled, and a new patient looked for by external ID and email. Split from sender.py."""

from __future__ import annotations

import logging

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import (
    AuthenticationError,
    ImpiloError,
    RequestRejected,
    Unreachable,
)
from impilo_desktop.domain.patient_match import matches_message
from impilo_desktop.store import OutboxEntry
from impilo_desktop.sync.drain_report import EntryResult, Outcome, StopReason
from impilo_desktop.sync.entry_outcomes import EntryOutcomes, StopDrain, no_connection
from impilo_desktop.sync.patient_check import (
    NO_PATIENT_MATCH,
    could_not_check,
    find_matching_patients,
)

log = logging.getLogger("impilo_desktop.sync.sender")

# An in-doubt entry whose last create may still be creating its order: not looked up yet.
SETTLING = "Waiting for Impilo to finish an earlier attempt before checking it."


class EntryLookups(EntryOutcomes):
    """The lookups side of `OutboxSender`: each returns the entry's result when the lookup
    settled it (or must be tried again), None when the create may go ahead."""

    async def _reconcile(self, client: ImpiloClient, entry: OutboxEntry) -> EntryResult | None:
        """Look an in-doubt entry up by reference: a result when it was adopted (or the lookup
        failed), None when no such order exists and it may be sent."""
        reference = entry.client_reference
        try:
            page = await client.list_orders(page=1, size=20, external_order_ids=[reference])
        except AuthenticationError as error:
            self.connectivity.report_error(error)
            raise StopDrain(self._pause(entry, error), StopReason.KEY_REFUSED) from None
        except ImpiloError as error:
            result = self._schedule(entry, error, reconcile=True, check_only=True)
            if isinstance(error, Unreachable) and not error.maybe_sent:
                raise StopDrain(result, no_connection(error)) from None
            return result
        self.connectivity.report_success()
        # Check the reference ourselves: a server that ignored the filter must not make us
        # adopt somebody else's order.
        matches = sorted(
            (o for o in page.content if reference in o.external_order_ids and o.id is not None),
            key=lambda o: o.id or 0,
        )
        if not matches:
            self.store.record_attempt(entry.entry_id, "checked", "no order with this reference")
            return None
        if len(matches) > 1:
            log.error("Reference %s matches orders %s", reference, [o.id for o in matches])
        return self._delivered(entry, matches[0], Outcome.ADOPTED)

    async def _check_new_patient(
        self, client: ImpiloClient, entry: OutboxEntry
    ) -> EntryResult | None:
        """Hold a new patient's order when Impilo already has a patient like them: a result
        when it was held (or must wait: the lookup failed), None when it may be sent."""
        assert entry.draft.new_patient is not None
        try:
            matches = await find_matching_patients(client, entry.draft.new_patient)
        except AuthenticationError as error:
            self.connectivity.report_error(error)
            raise StopDrain(self._pause(entry, error), StopReason.KEY_REFUSED) from None
        except RequestRejected as error:
            self.connectivity.report_error(error)
            matches, reason = [], could_not_check(error)
        except ImpiloError as error:
            hint = getattr(error, "retry_after", None)
            result = self._schedule(
                entry, error, reconcile=False, retry_after=hint if isinstance(hint, float) else None
            )
            if isinstance(error, Unreachable) and not error.maybe_sent:
                raise StopDrain(result, no_connection(error)) from None
            return result
        else:
            self.connectivity.report_success()
            if not matches:
                self.store.record_attempt(entry.entry_id, "checked", NO_PATIENT_MATCH)
                return None
            reason = matches_message(matches)
            ways = sorted({way for match in matches for way in match.matched_by})
            log.warning(
                "Entry %s held: Impilo has a patient with the same %s", entry.entry_id, ways
            )
        held = self.store.hold_for_patient_match(entry.entry_id, matches, reason)
        return self._result(held, Outcome.HELD, reason)

    def _still_settling(self, entry: OutboxEntry) -> EntryResult | None:
        """An in-doubt entry whose last create may still be creating the order is not looked
        up yet (an empty answer could not be trusted): it is scheduled for when it can be."""
        if entry.last_sent_at is None:
            return None
        ready_at = entry.last_sent_at.timestamp() + self.settle
        if self.store.now() >= ready_at:
            return None
        updated = self.store.mark_in_doubt(entry.entry_id, entry.last_error or SETTLING, ready_at)
        return self._result(updated, Outcome.RETRY, SETTLING)

"""The coordinator's answers to a held entry, on the command line (`impilo-desktop outbox`):

    --release N                  send held entry N after all (to this profile's server)
    --use-patient N [--patient-id ID]
                                 entry N is for the patient Impilo already has (the one that
                                 matched; ID chooses when several did)
    --new-patient N              create entry N's new patient anyway (only when no patient
                                 matched: Impilo keeps external IDs and emails unique)
    --to-drafts N                take held or refused entry N back to the drafts

One answer per run, each one transaction in the store; `sync` then sends what was released.
"""

from __future__ import annotations

import argparse

from impilo_desktop.config import Profile
from impilo_desktop.store import PATIENT_MATCH, EntryStateError, Store


def add_answer_arguments(outbox: argparse.ArgumentParser) -> None:
    answers = outbox.add_mutually_exclusive_group()
    answers.add_argument(
        "--release",
        type=int,
        metavar="N",
        help="send held entry N after all, to this profile's server (`sync` sends it)",
    )
    answers.add_argument(
        "--use-patient",
        type=int,
        metavar="N",
        help="entry N, held because Impilo already has its new patient, becomes an order for"
        " that patient",
    )
    answers.add_argument(
        "--new-patient",
        type=int,
        metavar="N",
        help="entry N, held because Impilo could not be asked about its new patient, creates the"
        " new patient anyway (never beside a patient with the same external ID or email)",
    )
    answers.add_argument(
        "--to-drafts",
        type=int,
        metavar="N",
        help="take held or refused entry N back to the drafts, to change it in the app",
    )
    outbox.add_argument(
        "--patient-id",
        type=int,
        metavar="ID",
        help="with --use-patient: which of the matching patients (when several matched)",
    )


def answer(store: Store, profile: Profile, args: argparse.Namespace) -> str | None:
    """Carry out the answer given, if any; what to print. Raises `StoreError`s (e.g.
    `EntryStateError` for an entry not waiting for this answer)."""
    if args.patient_id is not None and args.use_patient is None:
        raise EntryStateError("--patient-id chooses the patient for --use-patient N; give both.")
    if args.release is not None:
        released = store.release_held(args.release, server=profile.base_url)
        return f"Released #{released.entry_id}: it goes to {profile.base_url} with the next sync."
    if args.use_patient is not None:
        return _use_patient(store, args.use_patient, args.patient_id)
    if args.new_patient is not None:
        released = store.create_new_patient_anyway(args.new_patient)
        return (
            f"Released #{released.entry_id}: the next sync creates the new patient with the order."
        )
    if args.to_drafts is not None:
        draft = store.return_to_drafts(args.to_drafts)
        return f"Entry #{args.to_drafts} is a draft again: {draft.summary()}."
    return None


def _use_patient(store: Store, entry_id: int, patient_id: int | None) -> str:
    entry = store.get_entry(entry_id)
    matches = entry.patient_matches
    if patient_id is None and entry.held_for == PATIENT_MATCH:
        if not matches:
            raise EntryStateError(
                f"Entry #{entry_id} has no matching patient to use: Impilo could not be asked."
                " Use --new-patient or --to-drafts."
            )
        if len(matches) > 1:
            choices = ", ".join(f"--patient-id {m.patient_id} ({m.who()})" for m in matches)
            raise EntryStateError(f"Entry #{entry_id} matched several patients: {choices}.")
        patient_id = matches[0].patient_id
    # Any other entry: the store says why it cannot be answered so.
    used = store.use_matched_patient(entry_id, patient_id if patient_id is not None else 0)
    who = used.draft.recipient.display_name if used.draft.recipient else f"#{patient_id}"
    return f"Released #{used.entry_id}: the next sync sends it as an order for {who}."

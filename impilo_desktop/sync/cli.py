"""Command line for drafts, the outbox and sync (no window, no Qt):

    impilo-desktop drafts import FILE...   create-order JSON files -> validated, queued drafts
                                           (importing_cli.py)
    impilo-desktop sync --once             drain the outbox, refresh reference data, exit
    impilo-desktop sync                    keep doing that until interrupted
    impilo-desktop outbox                  list entries, their states and last errors
    impilo-desktop outbox --release N      send held entry N after all (to this profile's server)
    impilo-desktop outbox --use-patient N  answer a held new patient's order (also --new-patient,
                                           --to-drafts: outbox_answers_cli.py)
    impilo-desktop profile remove NAME     sign out: remove this computer's data for NAME
                                           (profile_cli.py)

`--profile` / `--base-url` choose the account. The API key comes from `IMPILO_API_KEY` (never
stored) or the keyring; the sandbox profile falls back to the sandbox's demo key.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from impilo_desktop.config import ConfigError, Profile, Settings
from impilo_desktop.store import EntryState, Store, StoreError
from impilo_desktop.sync.cli_common import (
    EXIT_OK,
    EXIT_PENDING,
    EXIT_USAGE,
    api_key_of,
    cli_logging,
    fail,
    open_store,
    profile_of,
)
from impilo_desktop.sync.importing_cli import add_import_parser
from impilo_desktop.sync.outbox_answers_cli import add_answer_arguments, answer
from impilo_desktop.sync.profile_cli import add_profile_parser

__all__ = ["EXIT_OK", "EXIT_PENDING", "EXIT_USAGE", "add_sync_parsers", "run_outbox", "run_sync"]


def add_sync_parsers(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Register `drafts`, `sync` and `outbox` on the main parser."""
    drafts = subparsers.add_parser("drafts", parents=[common], help="work with order drafts")
    drafts_sub = drafts.add_subparsers(dest="drafts_command", metavar="ACTION", required=True)
    add_import_parser(drafts_sub, common)

    sync = subparsers.add_parser(
        "sync", parents=[common], help="send the outbox and refresh reference data"
    )
    sync.add_argument("--once", action="store_true", help="one pass, then exit")
    sync.add_argument(
        "--no-refresh", action="store_true", help="send only; skip the reference-data refresh"
    )
    sync.add_argument(
        "--interval", type=float, default=60.0, help="seconds between passes without --once"
    )
    sync.add_argument("--verbose", action="store_true", help="also print the log on stderr")
    sync.set_defaults(handler=run_sync)

    outbox = subparsers.add_parser(
        "outbox", parents=[common], help="list outbox entries, their states and last errors"
    )
    add_answer_arguments(outbox)
    outbox.set_defaults(handler=run_outbox)

    add_profile_parser(subparsers)


# -- shared -------------------------------------------------------------------------------------


# -- sync ----------------------------------------------------------------------------------------


async def _sync_pass(
    store: Store, profile: Profile, key: str, *, refresh: bool, due_only: bool = False
) -> None:
    from impilo_desktop.api.client import ImpiloClient
    from impilo_desktop.api.errors import ImpiloError
    from impilo_desktop.sync.drain_report import ANOTHER_SENDER
    from impilo_desktop.sync.reference import ReferenceRefresher
    from impilo_desktop.sync.retention import prune_cached_orders
    from impilo_desktop.sync.sender import OutboxSender

    network = Settings.load().network  # the proxy choice made in the app's Settings

    def factory() -> ImpiloClient:
        return ImpiloClient(profile.base_url, key, network=network)

    sender = OutboxSender(store, factory)
    report = await sender.drain(
        due_only=due_only,
        on_result=lambda r: print(r.line(), flush=True),
        on_change=lambda r: print(r.line(), flush=True),
    )
    if report.lock_busy:
        holder = store.sender_lock_holder()
        who = f" (process {holder.pid} on {holder.hostname})" if holder else ""
        print(
            f"{ANOTHER_SENDER}{who}, so this one does not. Run sync again once it has finished.",
            file=sys.stderr,
        )
    if report.paused:
        print(f"Sending is paused: {report.paused}.", file=sys.stderr)
    elif report.stopped:
        print(f"Sending stopped: {report.stopped}.", file=sys.stderr)
    if refresh and not report.paused:
        try:
            done = await ReferenceRefresher(store, factory).refresh()
        except ImpiloError as exc:
            print(f"Reference data not refreshed: {exc.message}", file=sys.stderr)
        else:
            counts = ", ".join(f"{n} {kind.value}s" for kind, n in done.stored.items())
            print(f"Reference data refreshed: {counts}.")
    # Cached orders past Settings' retention go here too, for a computer only `sync` runs on.
    prune_cached_orders(store)


def _remaining(store: Store) -> list[str]:
    orders = [e.summary_line() for e in store.list_outbox() if e.state != EntryState.SENT]
    changes = [c for c in store.list_patient_changes() if c.state != EntryState.SENT]
    return orders + [c.summary_line() for c in changes]


def run_sync(args: argparse.Namespace) -> int:
    """Exit 0 when the outbox is empty afterwards, 1 with a line per remaining entry."""
    try:
        profile = profile_of(args)
    except ConfigError as exc:
        return fail(str(exc))
    key = api_key_of(profile)
    if not key:
        return fail(
            f"No API key for profile {profile.name!r}: save one in the app or set IMPILO_API_KEY."
        )
    try:
        store = open_store(profile)
    except StoreError as exc:
        return fail(exc.message)
    with store, cli_logging(key, verbose=args.verbose):
        try:
            # Running sync by hand is the user's go-ahead: lift a pause left by a refused key
            # (a still-wrong key simply pauses it again).
            store.resume_outbox()
            if args.once:
                asyncio.run(_sync_pass(store, profile, key, refresh=not args.no_refresh))
            else:
                asyncio.run(_sync_forever(store, profile, key, args))
            remaining = _remaining(store)
        except StoreError as exc:
            return fail(exc.message)
        except KeyboardInterrupt:
            return EXIT_PENDING
    if remaining:
        entries = "entry" if len(remaining) == 1 else "entries"
        print(f"{len(remaining)} outbox {entries} not sent:", file=sys.stderr)
        for line in remaining:
            print(f"  {line}", file=sys.stderr)
        return EXIT_PENDING
    print("Outbox empty.")
    return EXIT_OK


PROFILE_REMOVED = (
    "This account's data was removed from this computer (signed out), so sync stopped."
)


async def _sync_forever(store: Store, profile: Profile, key: str, args: argparse.Namespace) -> None:
    while True:
        # An open store keeps a removal on this computer from starting (its open lock), but
        # not one the lock cannot see (another computer sharing the folder, a file system
        # that does not lock, the folder deleted by hand): the store would go on sending
        # orders the coordinator chose to drop, from a file nobody can see any more.
        if not store.path.exists():
            raise StoreError(PROFILE_REMOVED, detail=f"{store.path} is gone")
        await _sync_pass(store, profile, key, refresh=not args.no_refresh, due_only=True)
        await asyncio.sleep(max(args.interval, 1.0))


# -- outbox --------------------------------------------------------------------------------------


def run_outbox(args: argparse.Namespace) -> int:
    """Print one line per entry (state, reference, summary, order id or last error)."""
    try:
        profile = profile_of(args)
        store = open_store(profile)
    except (ConfigError, StoreError) as exc:
        return fail(str(exc))
    with store:
        try:
            answered = answer(store, profile, args)
            if answered:
                print(answered)
            entries = store.list_outbox()
            changes = store.list_patient_changes()
            paused = store.outbox_paused()
        except StoreError as exc:
            return fail(exc.message)
    if paused:
        print(f"Sending is paused: {paused}.")
    if not entries and not changes:
        print("The outbox is empty.")
    for entry in entries:
        print(entry.summary_line())
    for change in changes:
        print(change.summary_line())
    return EXIT_OK

"""Command line for drafts, the outbox and sync (no window, no Qt):

    impilo-desktop drafts import FILE...   create-order JSON files -> validated, queued drafts
    impilo-desktop sync --once             drain the outbox, refresh reference data, exit
    impilo-desktop sync                    keep doing that until interrupted
    impilo-desktop outbox                  list entries, their states and last errors
    impilo-desktop outbox --release N      send held entry N after all (to this profile's server)

`--profile` / `--base-url` choose the account. The API key comes from `IMPILO_API_KEY` (never
stored) or the keyring; the sandbox profile falls back to the sandbox's demo key.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from impilo_desktop.config import ConfigError, Profile, Settings, resolve_profile
from impilo_desktop.store import EntryState, Store, StoreError

EXIT_OK = 0
EXIT_PENDING = 1  # entries remain in the outbox / a file was not imported
EXIT_USAGE = 2  # bad profile, no key, unusable database


def add_sync_parsers(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    """Register `drafts`, `sync` and `outbox` on the main parser."""
    drafts = subparsers.add_parser("drafts", parents=[common], help="work with order drafts")
    drafts_sub = drafts.add_subparsers(dest="drafts_command", metavar="ACTION", required=True)
    importer = drafts_sub.add_parser(
        "import",
        parents=[common],
        help="queue create-order JSON files (request shape) for sending",
    )
    importer.add_argument("files", nargs="+", type=Path, metavar="FILE")
    importer.set_defaults(handler=run_import)

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
    outbox.add_argument(
        "--release",
        type=int,
        metavar="N",
        help="send held entry N after all, to this profile's server (`sync` sends it)",
    )
    outbox.set_defaults(handler=run_outbox)


# -- shared -------------------------------------------------------------------------------------


def _fail(message: str) -> int:
    print(f"impilo-desktop: {message}", file=sys.stderr)
    return EXIT_USAGE


def _profile(args: argparse.Namespace) -> Profile:
    return resolve_profile(getattr(args, "profile", None), getattr(args, "base_url", None))


def _api_key(profile: Profile) -> str | None:
    """IMPILO_API_KEY, the keyring, or (sandbox only) the demo key."""
    key: str | None = None
    try:
        from impilo_desktop.secrets import KeyStore

        key = KeyStore().get_key(profile.name)
    except ImportError:  # pragma: no cover - the shell's KeyStore is part of the app
        import os

        from impilo_desktop.config import API_KEY_ENV

        key = os.environ.get(API_KEY_ENV) or None
    if not key and profile.is_sandbox:
        from impilo_desktop.sandbox import DEMO_API_KEY

        key = DEMO_API_KEY
    return key


# -- drafts import ------------------------------------------------------------------------------


def _read_json(path: Path) -> tuple[Any, str | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    except UnicodeDecodeError:
        return None, "is not UTF-8 text"
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"


def run_import(args: argparse.Namespace) -> int:
    """Queue every valid file; report (and skip) the invalid ones."""
    from impilo_desktop.domain import import_create_json

    try:
        profile = _profile(args)
        store = Store.open_profile(profile)
    except (ConfigError, StoreError) as exc:
        return _fail(str(exc))
    failed = 0
    with store:
        for path in args.files:
            data, error = _read_json(path)
            if error is not None:
                print(f"{path}: {error}; nothing queued.", file=sys.stderr)
                failed += 1
                continue
            result = import_create_json(data)
            if not result.ok:
                problems = "; ".join(str(p) for p in result.problems)
                print(f"{path}: {problems}; nothing queued.", file=sys.stderr)
                failed += 1
                continue
            try:
                entry = store.enqueue(result.draft, server=profile.base_url)
            except StoreError as exc:
                print(f"{path}: {exc}", file=sys.stderr)
                return EXIT_USAGE
            note = f" (ignored: {', '.join(result.ignored)})" if result.ignored else ""
            print(f"{path}: queued as #{entry.entry_id} {entry.client_reference}{note}")
    return EXIT_PENDING if failed else EXIT_OK


# -- sync ----------------------------------------------------------------------------------------


async def _sync_pass(
    store: Store, profile: Profile, key: str, *, refresh: bool, due_only: bool = False
) -> None:
    from impilo_desktop.api.client import ImpiloClient
    from impilo_desktop.api.errors import ImpiloError
    from impilo_desktop.sync.reference import ReferenceRefresher
    from impilo_desktop.sync.sender import OutboxSender

    network = Settings.load().network  # the proxy choice made in the app's Settings

    def factory() -> ImpiloClient:
        return ImpiloClient(profile.base_url, key, network=network)

    sender = OutboxSender(store, factory)
    report = await sender.drain(due_only=due_only, on_result=lambda r: print(r.line(), flush=True))
    if report.lock_busy:
        holder = store.sender_lock_holder()
        who = f" (process {holder.pid} on {holder.hostname})" if holder else ""
        print(f"Another sender is working on this outbox{who}; not sending.", file=sys.stderr)
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


@contextlib.contextmanager
def _logging(key: str, *, verbose: bool) -> Iterator[None]:
    """The log goes to the app's log file (and stderr with --verbose), the key redacted."""
    from impilo_desktop.logs import (
        configure_logging,
        current_log_file,
        register_secret,
        reset_logging,
    )

    register_secret(key)
    if current_log_file() is not None:  # already configured by whoever called us
        yield
        return
    configure_logging(console=verbose)
    try:
        yield
    finally:
        reset_logging()


def _remaining(store: Store) -> list[str]:
    return [e.summary_line() for e in store.list_outbox() if e.state != EntryState.SENT]


def run_sync(args: argparse.Namespace) -> int:
    """Exit 0 when the outbox is empty afterwards, 1 with a line per remaining entry."""
    try:
        profile = _profile(args)
    except ConfigError as exc:
        return _fail(str(exc))
    key = _api_key(profile)
    if not key:
        return _fail(
            f"No API key for profile {profile.name!r}: save one in the app or set IMPILO_API_KEY."
        )
    try:
        store = Store.open_profile(profile)
    except StoreError as exc:
        return _fail(exc.message)
    with store, _logging(key, verbose=args.verbose):
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
            return _fail(exc.message)
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


async def _sync_forever(store: Store, profile: Profile, key: str, args: argparse.Namespace) -> None:
    while True:
        await _sync_pass(store, profile, key, refresh=not args.no_refresh, due_only=True)
        await asyncio.sleep(max(args.interval, 1.0))


# -- outbox --------------------------------------------------------------------------------------


def run_outbox(args: argparse.Namespace) -> int:
    """Print one line per entry (state, reference, summary, order id or last error)."""
    try:
        profile = _profile(args)
        store = Store.open_profile(profile)
    except (ConfigError, StoreError) as exc:
        return _fail(str(exc))
    with store:
        try:
            if args.release is not None:
                released = store.release_held(args.release, server=profile.base_url)
                print(
                    f"Released #{released.entry_id}: it goes to {profile.base_url} with the"
                    " next sync."
                )
            entries = store.list_outbox()
            paused = store.outbox_paused()
        except StoreError as exc:
            return _fail(exc.message)
    if paused:
        print(f"Sending is paused: {paused}.")
    if not entries:
        print("The outbox is empty.")
    for entry in entries:
        print(entry.summary_line())
    return EXIT_OK

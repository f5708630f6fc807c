"""`impilo-desktop profile remove NAME`: remove this computer's data for a profile, as Settings >
"Sign out and remove this computer's data" does, for IT staff clearing a shared computer.

It refuses while orders of the profile are unsent (listed, exit 1) unless `--export-to FOLDER`
writes them as order files first (`drafts import` reads them back) or `--force` drops them;
and while the window or another sender uses the profile (exit 2): deleting a database under a
process that has it open loses what that process writes next.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from impilo_desktop.config import ConfigError, app_home, check_profile_name
from impilo_desktop.profile_data import (
    ExportError,
    ProfileInUseError,
    export_unsent,
    remove_profile_data,
    unsent_in,
    unsent_line,
)
from impilo_desktop.store import StoreError
from impilo_desktop.sync.cli_common import EXIT_OK, EXIT_PENDING, fail, say
from impilo_desktop.unsent_changes import counted, split
from impilo_desktop.window_lock import window_open

WINDOW_OPEN = (
    "Impilo Desktop is open on this computer. Sign out from its Settings page, or close it,"
    " then run this again."
)


def add_profile_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    profile = subparsers.add_parser("profile", help="manage this computer's data for a profile")
    actions = profile.add_subparsers(dest="profile_command", metavar="ACTION", required=True)
    remove = actions.add_parser(
        "remove",
        help="remove this computer's data for a profile (sign out)",
        description=(
            "Remove everything of profile NAME from this computer: its drafts, outbox and cached"
            " data (the whole profile folder), its API key and database key in the password"
            " store, and its saved settings. Refuses while orders are unsent (exit 1) unless"
            " --export-to or --force, and while Impilo Desktop is open or another copy is"
            " sending (exit 2)."
        ),
    )
    remove.add_argument(
        "name", metavar="NAME", help="production, staging, sandbox or a custom name"
    )
    remove.add_argument(
        "--export-to",
        type=Path,
        metavar="FOLDER",
        help="first write unsent orders there as order files (`drafts import` reads them)",
    )
    remove.add_argument(
        "--force", action="store_true", help="remove even when orders are unsent (they are lost)"
    )
    remove.set_defaults(handler=run_remove)


def run_remove(args: argparse.Namespace) -> int:
    from impilo_desktop.secrets import KeyStore

    home = app_home()
    try:
        name = check_profile_name(args.name)
    except ConfigError as exc:
        return fail(str(exc))
    if window_open(home):
        return fail(WINDOW_OPEN)
    try:
        unsent = unsent_in(home, name, KeyStore())
    except StoreError as exc:
        if not args.force:
            return fail(f"{exc.message} Use --force to remove it anyway.")
        unsent = []
    if unsent and args.export_to is not None:
        try:
            written = export_unsent(unsent, args.export_to)
        except ExportError as exc:
            return fail(f"Nothing was removed: {exc}.")
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            return fail(
                f"Nothing was removed: the orders could not be written to {args.export_to}"
                f" ({reason})."
            )
        for path in written:
            say(f"Wrote {path}")
    elif unsent and not args.force:
        verb = "is" if len(unsent) == 1 else "are"
        say(f"{counted(*split(unsent))} {verb} not sent yet from profile {name!r}:", err=True)
        for entry in unsent:
            say(f"  {unsent_line(entry)}", err=True)
        say(
            "Nothing was removed. Send them first (impilo-desktop sync --once), write them out"
            " with --export-to FOLDER (address corrections as text files to enter in Impilo by"
            " hand), or drop them with --force.",
            err=True,
        )
        return EXIT_PENDING
    try:
        problems = remove_profile_data(home, name, KeyStore())
    except ProfileInUseError as exc:
        return fail(exc.message)
    for problem in problems:
        say(f"impilo-desktop: {problem}", err=True)
    if problems:
        return EXIT_PENDING
    say(f"Removed this computer's data for profile {name!r}.")
    return EXIT_OK

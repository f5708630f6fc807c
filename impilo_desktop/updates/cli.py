"""`impilo-desktop update`: the update check from the command line (support, IT, and the
bundle proof in packaging/prove_self_update.py). Meant for a computer whose window is
closed: `--install` replaces the bundle at once."""

from __future__ import annotations

import argparse
import asyncio
import sys

from impilo_desktop import __version__
from impilo_desktop.config import ConfigError, Settings, app_home
from impilo_desktop.logs import CLI_LOG_FILE_NAME, configure_logging, current_log_file
from impilo_desktop.policy import FIXED_NOTE
from impilo_desktop.updates.outcomes import UpdateReady, UpToDate, not_updated_here
from impilo_desktop.updates.state import (
    PendingUpdate,
    UpdateFolder,
    UpdateSettings,
    bundled_root,
    fixed_repository_url,
    normalize_repository_url,
    running_from_bundle,
)
from impilo_desktop.window_lock import window_open

CLI_PROGRAM = "impilo-desktop-cli"
NO_CHECKS = "No update repository is set: no checks (update --repository URL sets one)."
NO_CHECKS_FIXED = f"{FIXED_NOTE[:-1]}: no update checks."
POLICY_REFUSES = (
    "Your organisation sets the update repository on this computer (Settings > Updates"
    " shows it), so --repository cannot change it. Nothing was changed."
)
# Installing replaces the program files under the open window, which then crashes or keeps
# running the old version against the new one's data; and restarting would open a second copy.
WINDOW_OPEN = (
    "Impilo Desktop is open on this computer. Close it (or choose Restart now in its update"
    " bar), then run this again. Nothing was installed."
)


def add_update_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    update = subparsers.add_parser(
        "update", help="check the update repository (Settings > Updates) for a newer version"
    )
    update.add_argument(
        "--repository", metavar="URL", help='set the update repository\'s address ("" for none)'
    )
    update.add_argument(
        "--install",
        action="store_true",
        help="install a downloaded update and restart as the new version (window closed)",
    )
    update.set_defaults(handler=run_update)


def run_update(args: argparse.Namespace) -> int:
    # Here, not at the top: every sub-command's parser imports this module.
    from impilo_desktop.updates.check import check_for_update
    from impilo_desktop.updates.install import (
        InstallError,
        abandon,
        bundle_folder,
        prepare,
        restart,
        settle,
    )

    if current_log_file() is None:
        configure_logging(console=False, file_name=CLI_LOG_FILE_NAME)
    home = app_home()
    folder = UpdateFolder.of_home(home)
    settings = UpdateSettings.load(folder)
    fixed = fixed_repository_url() is not None
    if args.repository is not None and fixed:
        print(POLICY_REFUSES, file=sys.stderr)
        return 2
    if args.install and window_open(home):
        print(WINDOW_OPEN, file=sys.stderr)
        return 2
    if args.repository is not None:
        try:
            settings.repository_url = normalize_repository_url(args.repository)
        except ConfigError as exc:
            print(exc, file=sys.stderr)
            return 2
        settings.save(folder)
    print(f"Impilo Desktop {__version__}")
    if not settings.repository_url:
        print(NO_CHECKS_FIXED if fixed else NO_CHECKS)
        return 0
    if not running_from_bundle():
        print("Running from source: there is nothing to update (update with git and pip).")
        return 0
    bundle = bundle_folder()
    installable, move = settle(folder, bundle)
    if not installable:
        print(not_updated_here(__version__, move_to_applications=move))
        return 0
    outcome = asyncio.run(
        check_for_update(
            settings.repository_url,
            folder,
            trusted_root=bundled_root(),
            network=Settings.load().network,
        )
    )
    print(outcome.summary)
    if not isinstance(outcome, UpdateReady):
        return 0 if isinstance(outcome, UpToDate) else 1
    if outcome.notes:
        print(f"What's new: {outcome.notes}")
    pending = PendingUpdate.load(folder)
    if not args.install or pending is None:
        return 0
    try:
        prepared = prepare(folder, pending, bundle)
    except InstallError as exc:
        print(f"Not installed, nothing changed: {exc}", file=sys.stderr)
        return 1
    print(f"Installing version {prepared.version} and restarting…", flush=True)
    try:
        restart(prepared, folder, CLI_PROGRAM, ["--version"])
    except OSError as exc:  # the bundle is as it was; the update is downloaded again later
        abandon(prepared, folder)
        print(f"Not installed, nothing changed: {exc}", file=sys.stderr)
        return 1
    return 0

"""The updater's work as the window calls it on the bridge, each importing the heavy parts
(tuf, tufup, tarfile) only when it runs: the window's modules import this one before the
first paint (docs/architecture.md, "What the window's start may import")."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from impilo_desktop.config import NetworkOptions
from impilo_desktop.updates.outcomes import CheckOutcome
from impilo_desktop.updates.state import PendingUpdate, UpdateFolder, UpdateSettings

if TYPE_CHECKING:
    from impilo_desktop.updates.install import PreparedUpdate


class SavedState(NamedTuple):
    settings: UpdateSettings
    pending: PendingUpdate | None  # newer than this version, and installable here
    installable: bool  # False: IT installs new versions (`install.can_replace`)
    move_to_applications: bool = False  # not installable: a macOS app run from its dmg


def read_state(
    folder: UpdateFolder, current_version: str, bundle: Path | None, from_bundle: bool
) -> SavedState:
    """The settings, whether this user can install updates where the bundle is, and a
    pending update newer than this version; a bundle an update replaced is removed now that
    the new one runs. Where this user cannot install, an update downloaded before (the size
    of the app) is deleted."""
    installable, move = from_bundle, False
    if from_bundle:
        from impilo_desktop.updates.install import bundle_folder, settle

        installable, move = settle(folder, bundle or bundle_folder())
    pending = newer_pending(folder, current_version) if installable else None
    return SavedState(UpdateSettings.load(folder), pending, installable, move)


def newer_pending(folder: UpdateFolder, current_version: str) -> PendingUpdate | None:
    from packaging.version import InvalidVersion, Version

    pending = PendingUpdate.load(folder)
    if pending is None:
        return None
    try:
        newer = Version(pending.version) > Version(current_version)
    except InvalidVersion:
        newer = False
    return pending if newer else None


async def check(
    repository_url: str,
    folder: UpdateFolder,
    *,
    trusted_root: Path | None,
    current_version: str,
    network: NetworkOptions,
) -> CheckOutcome:
    from impilo_desktop.api.network import in_daemon_thread

    # tuf and tufup load in a daemon thread, not on this loop: tufup's package imports
    # setuptools too, and the import (~0.3 s) held back every request behind it, the first
    # reference refresh and drain after the window's paint among them.
    await in_daemon_thread(lambda: importlib.import_module("impilo_desktop.updates.check"))
    from impilo_desktop.updates.check import check_for_update  # loaded by now

    return await check_for_update(
        repository_url,
        folder,
        trusted_root=trusted_root,
        current_version=current_version,
        network=network,
    )


def prepare(folder: UpdateFolder, pending: PendingUpdate, bundle: Path | None) -> PreparedUpdate:
    from impilo_desktop.updates import install

    return install.prepare(folder, pending, bundle or install.bundle_folder())


def restart_at_exit(prepared: PreparedUpdate, folder: UpdateFolder, program: str) -> None:
    from impilo_desktop.updates.install import restart_at_exit

    restart_at_exit(prepared, folder, program)

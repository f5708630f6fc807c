"""Installing the pending update at a restart: the archive is checked again against the
signed length and hashes recorded when tuf verified it, unpacked beside the bundle, and
swapped in for the running bundle, which is then replaced by the new program.

On Linux and macOS the swap is two renames in the bundle's parent folder: a running program
keeps its open files, so the old bundle moves aside (`<bundle>.previous`, removed at the
next check) and `execv` starts the new one in the same process. Windows cannot rename a
folder whose program runs: tufup's installer script moves the files after this process
exits, then starts the new program.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import hashlib
import logging
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import count
from pathlib import Path

from impilo_desktop.updates.state import PendingUpdate, UpdateFolder

log = logging.getLogger(__name__)

UPDATE_SUFFIX = ".update"
PREVIOUS_SUFFIX = ".previous"


class InstallError(Exception):
    """The pending update cannot be installed; the message is for the coordinator, and the
    running version is unchanged."""


@dataclass(frozen=True)
class PreparedUpdate:
    """An unpacked, verified update beside the bundle, ready to be swapped in."""

    version: str
    bundle: Path  # the running bundle's folder (the .app on macOS)
    unpacked: Path

    def program(self, name: str) -> Path:
        """The new bundle's `name` program, where the running one's is."""
        here = Path(sys.executable).resolve().parent.relative_to(self.bundle)
        suffix = ".exe" if sys.platform == "win32" else ""
        return self.bundle / here / f"{name}{suffix}"


def bundle_folder(executable: Path | None = None) -> Path:
    """The folder the bundle's archive unpacks into: the onedir folder, or the .app."""
    program = (executable or Path(sys.executable)).resolve()
    if sys.platform == "darwin" and program.parent.name == "MacOS":
        return program.parents[2]
    return program.parent


def can_replace(bundle: Path) -> bool:
    """Whether this user may put a new version where `bundle` is. False for a per-machine
    install (Program Files, /opt, /Applications without admin rights): IT installs those.

    Tried for real where it can be (a folder made and removed; `os.access` says nothing of
    Windows' ACLs, and everything to root; inside a macOS .app only `os.access`, since a
    folder made there breaks the app's signature while it exists): on Linux and macOS the
    update is unpacked in the bundle's parent folder, the bundle renamed aside and later
    deleted (which needs writing inside it); Windows' script moves files into the bundle's
    folder. The rename is judged from the sticky bit: in a sticky parent (1777) only the
    bundle's or the folder's owner may rename it."""
    if not _can_make_folder_in(bundle.parent, bundle.name):
        return False
    if bundle.suffix == ".app":
        # Nothing is ever written inside a signed app, not even for a moment: a folder in it
        # breaks its seal (codesign --verify: unsealed contents) until it is gone. macOS
        # runs the app as the coordinator, never as root, so the permission bits answer.
        if not os.access(bundle, os.W_OK | os.X_OK):
            log.info("Updates are not installed here: %s is not writable", bundle)
            return False
    elif not _can_make_folder_in(bundle, bundle.name):
        return False
    if sys.platform != "win32" and not _can_rename(bundle):
        return False
    return True


def must_move_to_applications(bundle: Path) -> bool:
    """Whether `bundle`, which cannot be replaced, is a macOS app the coordinator can make
    updatable by moving it to Applications: one run from its disk image (a read-only
    filesystem) or from App Translocation (macOS's read-only copy, under a random
    `/AppTranslocation/` folder, of an app opened where it was downloaded). Not an app IT
    installed."""
    if bundle.suffix != ".app":
        return False
    if "AppTranslocation" in bundle.parts:
        return True
    try:
        return bool(os.statvfs(bundle.parent).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs on Windows
        return False


PROBE_PREFIX = ".{name}.can-update-"


def _can_make_folder_in(place: Path, name: str) -> bool:
    """A folder made in `place` (and removed): yes once it could be made. Probes left by a
    removal that failed before (a virus scanner holding it) are removed first."""
    prefix = PROBE_PREFIX.format(name=name)
    with contextlib.suppress(OSError):
        for stale in place.glob(f"{glob.escape(prefix)}*"):
            with contextlib.suppress(OSError):
                stale.rmdir()
    try:
        probe = Path(tempfile.mkdtemp(prefix=prefix, dir=place))
    except OSError as exc:
        log.info("Updates are not installed here: %s is not writable (%s)", place, exc)
        return False
    try:
        probe.rmdir()
    except OSError as exc:  # writable all the same; the next probe removes it
        log.warning("The probe folder %s could not be removed: %s", probe, exc)
    return True


def _can_rename(bundle: Path) -> bool:
    try:
        parent, own = bundle.parent.stat(), bundle.stat()
    except OSError as exc:
        log.info("Updates are not installed here: %s cannot be read (%s)", bundle, exc)
        return False
    user = os.geteuid()
    sticky = bool(parent.st_mode & stat.S_ISVTX)
    if sticky and user != 0 and user not in (parent.st_uid, own.st_uid):
        log.info(
            "Updates are not installed here: %s belongs to another user in a sticky folder",
            bundle,
        )
        return False
    return True


def prepare(folder: UpdateFolder, pending: PendingUpdate, bundle: Path) -> PreparedUpdate:
    """Verify the downloaded archive and unpack it beside `bundle`. Blocking (the bridge)."""
    archive = folder.downloads / pending.archive
    _verify(archive, pending)
    unpacked = bundle.with_name(bundle.name + UPDATE_SUFFIX)
    try:
        shutil.rmtree(unpacked, ignore_errors=True)
        unpacked.mkdir()
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(unpacked, filter="data")
    except (OSError, tarfile.TarError) as exc:
        log.warning("Unpacking update %s beside %s failed: %s", pending.version, bundle, exc)
        shutil.rmtree(unpacked, ignore_errors=True)
        raise InstallError(
            f"Version {pending.version} could not be unpacked next to the app (no permission"
            " to write there, or the disk is full). Nothing changed; details are in the log."
        ) from exc
    return PreparedUpdate(pending.version, bundle, unpacked)


def _verify(archive: Path, pending: PendingUpdate) -> None:
    try:
        size = archive.stat().st_size
        digests = {name: hashlib.new(name) for name in pending.hashes}
        with archive.open("rb") as file:
            while chunk := file.read(1024 * 1024):
                for digest in digests.values():
                    digest.update(chunk)
    except (OSError, ValueError) as exc:
        log.warning("The pending update's archive cannot be read: %s", exc)
        raise InstallError(
            f"The downloaded version {pending.version} is missing; it will be downloaded"
            " again at the next check. Nothing changed."
        ) from exc
    wrong = size != pending.length or any(
        digests[name].hexdigest() != expected for name, expected in pending.hashes.items()
    )
    if wrong or not digests:
        log.warning("The pending update's archive no longer matches its signed hashes")
        raise InstallError(
            f"The downloaded version {pending.version} was changed on this computer after it"
            " was verified, so it was refused. Nothing changed."
        )


def swap(prepared: PreparedUpdate, folder: UpdateFolder) -> None:
    """Put the unpacked update where the bundle is (POSIX: the running program keeps its
    open files). The old bundle stays as `<bundle>.previous` until `remove_previous` (or
    `.previous-N` while an older one cannot be removed)."""
    previous = _free_previous(prepared.bundle)
    os.replace(prepared.bundle, previous)
    try:
        os.replace(prepared.unpacked, prepared.bundle)
    except OSError:
        os.replace(previous, prepared.bundle)  # back as it was
        raise
    _forget_pending(folder)
    log.info("Version %s installed in %s", prepared.version, prepared.bundle)


def _free_previous(bundle: Path) -> Path:
    """`<bundle>.previous`, emptied; or the first free `.previous-N` if it stays."""
    for candidate in _previous_bundles(bundle, every=False):
        shutil.rmtree(candidate, ignore_errors=True)
        if not candidate.exists():
            return candidate
        log.warning("The replaced bundle %s could not be removed; it stays", candidate)
    raise AssertionError("unreachable: the candidates never end")


def _previous_bundles(bundle: Path, *, every: bool) -> Iterator[Path]:
    """`every`: the replaced bundles there are; else the names a new one may take."""
    if every:
        yield from bundle.parent.glob(f"{glob.escape(bundle.name + PREVIOUS_SUFFIX)}*")
        return
    yield bundle.with_name(bundle.name + PREVIOUS_SUFFIX)
    yield from (bundle.with_name(f"{bundle.name}{PREVIOUS_SUFFIX}-{n}") for n in count(1))


def restart(prepared: PreparedUpdate, folder: UpdateFolder, name: str, args: list[str]) -> None:
    """Install and become the new version's `name` program with `args` (does not return on
    success; raises OSError with the running version in place when the swap fails). Call it
    with nothing else running: no window, no open store."""
    if sys.platform == "win32":
        _restart_windows(prepared, folder, name, args)
        return
    swap(prepared, folder)
    command = restart_command(prepared, name, args)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], command)


def restart_or_start_again(
    prepared: PreparedUpdate, folder: UpdateFolder, name: str, args: list[str]
) -> None:
    """`restart`, as the window's exit runs it: the window has closed, so if the install
    fails (a folder that could not be renamed after all) the program there is started again
    with the same arguments and the update is dropped (downloaded again at a later check),
    rather than leaving the coordinator with nothing open."""
    try:
        restart(prepared, folder, name, args)
    except OSError:
        log.exception("Installing version %s failed; starting this version again", prepared.version)
        abandon(prepared, folder)
        command = restart_command(prepared, name, args)  # what is there: the old version
        try:
            if sys.platform == "win32":
                subprocess.Popen(command, close_fds=True)
            else:
                sys.stdout.flush()
                sys.stderr.flush()
                os.execv(command[0], command)
        except OSError:
            log.exception("Starting %s again failed", command[0])


def abandon(prepared: PreparedUpdate, folder: UpdateFolder) -> None:
    """Drop an update that could not be installed: its record, archive and unpacked files."""
    drop_pending(folder)
    shutil.rmtree(prepared.unpacked, ignore_errors=True)


def drop_pending(folder: UpdateFolder) -> None:
    """Forget the pending update and delete the downloaded archives: one that cannot be
    installed here would sit in the data folder (the size of the app) for nothing."""
    if PendingUpdate.load(folder) is not None:
        log.info("The downloaded update is dropped: it cannot be installed here")
    _forget_pending(folder)


def _forget_pending(folder: UpdateFolder) -> None:
    PendingUpdate.clear(folder)
    folder.remove_archives()


def settle(folder: UpdateFolder, bundle: Path) -> tuple[bool, bool]:
    """At start, for the window and the command line alike: the bundles an update replaced
    are removed, and whether this user can install updates where `bundle` is; where not, an
    update downloaded before is dropped, and whether moving the app to Applications (a Mac
    app run from its disk image) is what would let it update. Returns (installable,
    move_to_applications)."""
    remove_previous(bundle)
    if can_replace(bundle):  # decided before anything is downloaded
        return True, False
    drop_pending(folder)
    return False, must_move_to_applications(bundle)


def restart_command(prepared: PreparedUpdate, name: str, args: Sequence[str]) -> list[str]:
    """The new version's `name` program and its arguments, as `execv` (and, on Windows, the
    installer script's `start`) runs it."""
    return [str(prepared.program(name)), *args]


def carried_arguments(argv: Sequence[str]) -> list[str]:
    """What the restarted window is given: every argument this process was started with
    (`--profile`, `--base-url`, Qt's own such as `-style` or `-platform`), so that it opens
    the same account the same way; only the program's own path (argv[0]) is left out, the
    new version's taking its place. The update adds no argument of its own."""
    return list(argv[1:])


def restart_at_exit(
    prepared: PreparedUpdate, folder: UpdateFolder, name: str, argv: Sequence[str] | None = None
) -> None:
    """Install and restart once the app has closed everything and is exiting (the window's
    "Restart now": the window closes as usual first, then this runs), with the arguments
    this process was started with (`argv`: sys.argv)."""
    args = carried_arguments(sys.argv if argv is None else argv)
    atexit.register(restart_or_start_again, prepared, folder, name, args)


def _restart_windows(
    prepared: PreparedUpdate, folder: UpdateFolder, name: str, args: list[str]
) -> None:
    """tufup's robocopy script moves the files once this process has exited; a line added
    to its script starts the new program (windows_restart.py). (Not exercised by the Linux
    proof.)"""
    # The package first: imported by its submodule, tufup would be locked after the
    # submodule, the reverse of a check importing it on its daemon thread at the same time
    # (jobs.py), and Python would refuse one of the two imports (_DeadlockError).
    import tufup  # noqa: F401
    from tufup.utils.platform_specific import install_update

    from impilo_desktop.updates.windows_restart import windows_install_arguments

    _forget_pending(folder)  # unpacked already: the script moves the unpacked files
    install_update(**windows_install_arguments(prepared, name, args))


def remove_previous(bundle: Path) -> None:
    """The bundles an update replaced, once the new version runs."""
    for previous in _previous_bundles(bundle, every=True):
        if previous.is_dir():
            shutil.rmtree(previous, ignore_errors=True)
            if previous.exists():
                log.warning("The replaced bundle %s could not be removed", previous)
            else:
                log.info("Removed the replaced bundle %s", previous)

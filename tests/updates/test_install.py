"""Installing a verified update (Linux and macOS: the renames `restart` does before it
execs): the archive is checked again, unpacked beside the bundle and swapped in; the old
bundle is kept aside until the next start; an archive changed on this computer after it was
verified is refused with the bundle untouched. The restarted program gets the arguments the
app was started with."""

from __future__ import annotations

import asyncio
import fnmatch
import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest
from tufup.utils.platform_specific import install_update

from impilo_desktop.updates.check import check_for_update
from impilo_desktop.updates.install import (
    InstallError,
    PreparedUpdate,
    carried_arguments,
    prepare,
    remove_previous,
    restart_command,
    swap,
)
from impilo_desktop.updates.outcomes import UpdateReady
from impilo_desktop.updates.state import PendingUpdate, UpdateFolder
from impilo_desktop.updates.windows_restart import windows_install_arguments
from tests.update_repository import UpdateRepository, tamper


def downloaded(repo: UpdateRepository, folder: UpdateFolder) -> PendingUpdate:
    repo.add("1.0.0")
    repo.add("1.1.0")
    outcome = asyncio.run(
        check_for_update(repo.url, folder, trusted_root=repo.root_json, current_version="1.0.0")
    )
    assert isinstance(outcome, UpdateReady)
    pending = PendingUpdate.load(folder)
    assert pending is not None
    return pending


def installed_bundle(tmp_path: Path) -> Path:
    bundle = tmp_path / "apps" / "impilo-desktop"
    bundle.mkdir(parents=True)
    (bundle / "version.txt").write_text("1.0.0", encoding="utf-8")
    return bundle


def test_the_update_is_unpacked_beside_the_bundle_and_swapped_in(
    update_repository: UpdateRepository, update_folder: UpdateFolder, tmp_path: Path
) -> None:
    pending = downloaded(update_repository, update_folder)
    bundle = installed_bundle(tmp_path)

    prepared = prepare(update_folder, pending, bundle)
    assert prepared.unpacked.parent == bundle.parent
    assert (bundle / "version.txt").read_text(encoding="utf-8") == "1.0.0"  # not yet

    swap(prepared, update_folder)
    assert (bundle / "version.txt").read_text(encoding="utf-8") == "1.1.0"
    assert (bundle / "impilo-desktop").is_file()
    previous = bundle.with_name("impilo-desktop.previous")
    assert (previous / "version.txt").read_text(encoding="utf-8") == "1.0.0"
    assert PendingUpdate.load(update_folder) is None
    assert list(update_folder.downloads.iterdir()) == []  # the archive is not kept

    remove_previous(bundle)
    assert not previous.exists()
    assert sorted(p.name for p in bundle.parent.iterdir()) == ["impilo-desktop"]


def test_an_archive_changed_after_it_was_verified_is_refused(
    update_repository: UpdateRepository, update_folder: UpdateFolder, tmp_path: Path
) -> None:
    pending = downloaded(update_repository, update_folder)
    tamper(update_folder.downloads / pending.archive)
    bundle = installed_bundle(tmp_path)

    with pytest.raises(InstallError, match="changed on this computer after it was verified"):
        prepare(update_folder, pending, bundle)
    assert (bundle / "version.txt").read_text(encoding="utf-8") == "1.0.0"
    assert sorted(p.name for p in bundle.parent.iterdir()) == ["impilo-desktop"]


def test_on_windows_the_purge_keeps_the_uninstaller() -> None:
    """The arguments our Windows restart gives tufup's install_update (the robocopy move with
    /purge): Inno Setup's unins000.exe/.dat are excluded, and tufup accepts every argument."""
    bundle = Path(sys.executable).resolve().parent  # where `program()` finds the running one
    prepared = PreparedUpdate("1.1.0", bundle, bundle.with_name(bundle.name + ".update"))

    arguments = windows_install_arguments(prepared, "impilo-desktop", ["--minimized"])

    inspect.signature(install_update).bind(**arguments)
    assert arguments["purge_dst_dir"] is True
    kept = arguments["exclude_from_purge"]
    for uninstaller in ("unins000.exe", "unins000.dat"):
        assert any(fnmatch.fnmatch(uninstaller, pattern) for pattern in kept)
    assert not any(fnmatch.fnmatch("impilo-desktop.exe", pattern) for pattern in kept)
    assert arguments["src_dir"] == prepared.unpacked
    assert arguments["dst_dir"] == bundle
    assert "--minimized" in arguments["batch_template"]


# What a coordinator's shortcut or IT's script may start the window with: the account, and
# Qt's own options (one with a space, as a shortcut's quoted path would have). Qt's options
# take `=`: `-style fusion` would be read as the sub-command "fusion" (cli.py).
STARTED_WITH = [
    "--profile",
    "staging",
    "--base-url",
    "https://staging.impiloplatform.com",
    "-style=fusion",
    "-stylesheet=C:/Clinic Settings/large text.qss",
]


def test_the_restart_command_keeps_the_arguments_the_app_was_started_with() -> None:
    bundle = Path(sys.executable).resolve().parent  # where `program()` finds the running one
    prepared = PreparedUpdate("1.1.0", bundle, bundle.with_name(bundle.name + ".update"))
    argv = [str(bundle / "impilo-desktop"), *STARTED_WITH]

    command = restart_command(prepared, "impilo-desktop", carried_arguments(argv))

    suffix = ".exe" if sys.platform == "win32" else ""
    assert command == [str(bundle / f"impilo-desktop{suffix}"), *STARTED_WITH]
    # On Windows, the same through the batch script: tests/updates/test_windows_restart.py.


# A process that starts as the old bundle's program with STARTED_WITH, and is restarted into
# the new version when it exits (`restart_at_exit`, as the window's Restart now does). The
# new version's program is a shell script that prints the arguments it was given.
RESTARTING = """
import sys
from pathlib import Path
from impilo_desktop.updates.install import PreparedUpdate, restart_at_exit
from impilo_desktop.updates.state import UpdateFolder

bundle, unpacked, folder = (Path(arg) for arg in sys.argv[1:4])
# As in the bundle (PyInstaller sets both): the old program, started with STARTED_WITH.
sys.executable = str(bundle / "impilo-desktop")
sys.argv = [sys.executable, *sys.argv[4:]]
restart_at_exit(PreparedUpdate("1.1.0", bundle, unpacked), UpdateFolder(folder), "impilo-desktop")
print("old version exits", flush=True)
"""


@pytest.mark.skipif(os.name != "posix", reason="the POSIX restart (execv)")
def test_the_restarted_version_gets_the_same_arguments(
    tmp_path: Path, update_folder: UpdateFolder
) -> None:
    bundle = installed_bundle(tmp_path)
    unpacked = bundle.with_name("impilo-desktop.update")
    unpacked.mkdir()
    program = unpacked / "impilo-desktop"
    program.write_text('#!/bin/sh\necho "new version started with:"\nprintf "%s\\n" "$@"\n')
    program.chmod(0o755)

    assert restart(bundle, unpacked, update_folder) == [
        "old version exits",
        "new version started with:",
        *STARTED_WITH,
    ]
    assert (bundle / "impilo-desktop").is_file()  # swapped in
    assert not unpacked.exists()
    assert (bundle.with_name("impilo-desktop.previous") / "version.txt").is_file()


def restart(bundle: Path, unpacked: Path, folder: UpdateFolder) -> list[str]:
    """What the restart printed (RESTARTING in a process of its own, `STARTED_WITH` its
    arguments): the old version's last line, then whichever version it started."""
    result = subprocess.run(
        [sys.executable, "-c", RESTARTING, bundle, unpacked, folder.root, *STARTED_WITH],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.splitlines()


@pytest.mark.skipif(os.name != "posix", reason="the POSIX restart (execv)")
def test_a_restart_whose_install_fails_starts_the_old_version_again(
    tmp_path: Path, update_folder: UpdateFolder
) -> None:
    """The window has closed when the install runs: if the swap fails (here the unpacked
    update is gone), the version there is started again with the same arguments, and the
    update is dropped (downloaded again at a later check) instead of failing every start."""
    bundle = installed_bundle(tmp_path)
    program = bundle / "impilo-desktop"
    program.write_text('#!/bin/sh\necho "version 1.0.0 started with:"\nprintf "%s\\n" "$@"\n')
    program.chmod(0o755)
    unpacked = bundle.with_name("impilo-desktop.update")  # never made: the swap fails
    PendingUpdate("1.1.0", "", "impilo-desktop-1.1.0.tar.gz", 3, {"sha256": "0"}).save(
        update_folder
    )
    update_folder.downloads.mkdir()
    (update_folder.downloads / "impilo-desktop-1.1.0.tar.gz").write_bytes(b"abc")

    assert restart(bundle, unpacked, update_folder) == [
        "old version exits",
        "version 1.0.0 started with:",
        *STARTED_WITH,
    ]
    assert (bundle / "version.txt").read_text(encoding="utf-8") == "1.0.0"
    assert sorted(p.name for p in bundle.parent.iterdir()) == ["impilo-desktop"]
    assert PendingUpdate.load(update_folder) is None
    assert list(update_folder.downloads.iterdir()) == []

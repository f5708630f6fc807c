"""Installing a verified update (Linux and macOS: the renames `restart` does before it
execs): the archive is checked again, unpacked beside the bundle and swapped in; the old
bundle is kept aside until the next start; an archive changed on this computer after it was
verified is refused with the bundle untouched."""

from __future__ import annotations

import asyncio
import fnmatch
import inspect
import sys
from pathlib import Path

import pytest
from tufup.utils.platform_specific import install_update

from impilo_desktop.updates.check import check_for_update
from impilo_desktop.updates.install import (
    InstallError,
    PreparedUpdate,
    prepare,
    remove_previous,
    swap,
    windows_install_arguments,
)
from impilo_desktop.updates.outcomes import UpdateReady
from impilo_desktop.updates.state import PendingUpdate, UpdateFolder
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

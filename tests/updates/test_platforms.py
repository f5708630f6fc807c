"""One update repository for every platform: each copy is offered its own platform's archives
only. With one name for all, the first bundle added to a version was the only one (tufup's
`add_bundle` skips an archive not newer than the newest of any name) and every copy, a Mac or
Linux one included, would have downloaded it. Real repository, keys and HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import io
import re
import tarfile
from pathlib import Path
from typing import Any

import pytest

from impilo_desktop.updates.check import check_for_update
from impilo_desktop.updates.outcomes import UpdateReady, UpToDate
from impilo_desktop.updates.platform_name import archive_name, platform_name
from impilo_desktop.updates.state import PendingUpdate, UpdateFolder
from tests.update_repository import (
    UpdateRepository,
    load_packaging_updates,
    program_for,
    release_bundle,
)

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "release.yml"


@pytest.mark.parametrize(
    ("system", "machine", "expected"),
    [
        ("win32", "AMD64", "windows-x86_64"),
        ("darwin", "arm64", "macos-arm64"),
        ("darwin", "x86_64", "macos-x86_64"),
        ("linux", "x86_64", "linux-x86_64"),
        ("linux", "aarch64", "linux-arm64"),
    ],
)
def test_each_platform_has_the_name_the_release_gives_it(
    system: str, machine: str, expected: str
) -> None:
    assert platform_name(system, machine) == expected


def test_the_repository_knows_the_platforms_the_release_builds() -> None:
    updates: Any = load_packaging_updates()
    built = re.findall(r"^\s+- name: ([a-z0-9_-]+)\s*$", WORKFLOW.read_text(), re.MULTILINE)
    assert sorted(updates.PLATFORMS) == sorted(built)


def other_platform() -> str:
    updates: Any = load_packaging_updates()
    platforms: tuple[str, ...] = updates.PLATFORMS
    return next(p for p in platforms if p != platform_name())


def check(repo: UpdateRepository, folder: UpdateFolder, current: str) -> object:
    return asyncio.run(
        check_for_update(repo.url, folder, trusted_root=repo.root_json, current_version=current)
    )


def test_a_copy_takes_its_own_platforms_archive_of_a_version(
    update_repository: UpdateRepository, update_folder: UpdateFolder
) -> None:
    other = other_platform()
    # The other platform's bundle is added first: under one name for all, it would have
    # been the only 1.1.0, and this copy would have installed it.
    update_repository.add("1.1.0", notes="The other platform's build.", platform=other)
    update_repository.add("1.1.0", notes="This platform's build.")

    outcome = check(update_repository, update_folder, current="1.0.0")

    assert outcome == UpdateReady("1.1.0", "This platform's build.")
    pending = PendingUpdate.load(update_folder)
    assert pending is not None
    assert pending.archive == f"{archive_name()}-1.1.0.tar.gz"
    targets = update_repository.served / "targets"
    assert (update_folder.downloads / pending.archive).read_bytes() == (
        targets / pending.archive
    ).read_bytes()


def test_a_newer_version_of_another_platform_is_not_offered(
    update_repository: UpdateRepository, update_folder: UpdateFolder
) -> None:
    update_repository.add("1.0.0")
    update_repository.add("1.2.0", platform=other_platform())

    assert check(update_repository, update_folder, current="1.0.0") == UpToDate("1.0.0")
    assert not any(update_folder.downloads.glob("*.tar.gz"))
    assert not any(
        path.endswith(f"{archive_name(other_platform())}-1.2.0.tar.gz")
        for path in update_repository.requests
    )


def test_a_platforms_version_is_added_once_and_only_newer(
    update_repository: UpdateRepository,
) -> None:
    update_repository.add("1.1.0")
    with pytest.raises(SystemExit, match="already in the repository"):
        update_repository.add("1.1.0")
    with pytest.raises(SystemExit, match=r"not newer than 1\.1\.0"):
        update_repository.add("1.0.5")
    # Another platform's older version is its own business.
    update_repository.add("1.0.5", platform=other_platform())


def with_members(archive: Path, extra: list[tarfile.TarInfo], executable: str = "") -> Path:
    """A copy of `archive` (beside it, in a folder of its own, same name) with `extra`
    members (empty) added, and the member whose name ends with `executable` made 0o755."""
    copy = archive.parent / "rebuilt" / archive.name
    copy.parent.mkdir()
    with tarfile.open(archive) as source, tarfile.open(copy, "w:gz") as out:
        for member in source.getmembers():
            if executable and member.name.endswith(executable):
                member.mode = 0o755
            out.addfile(member, source.extractfile(member) if member.isreg() else None)
        for member in extra:
            out.addfile(member, io.BytesIO(b"") if member.isreg() else None)
    return copy


def test_a_release_bundle_archive_is_added_as_its_name_says(
    update_repository: UpdateRepository, tmp_path: Path
) -> None:
    # What the release workflow uploads for each platform: the build it tested and signed.
    updates: Any = load_packaging_updates()
    archive = release_bundle(tmp_path, "windows-x86_64", "1.3.0")
    repo = update_repository
    added: Path = updates.add(repo.workspace, repo.keys, archive, None, "")
    assert added.name == "impilo-desktop-windows-x86_64-1.3.0.tar.gz"
    with tarfile.open(added) as tar:
        assert sorted(tar.getnames()) == [".", "./impilo-desktop.exe", "./version.txt"]


def test_modes_and_links_of_a_release_bundle_are_kept(
    update_repository: UpdateRepository, tmp_path: Path
) -> None:
    # Copied member by member, never unpacked: on Windows, where the repository may be kept,
    # unpacking would drop the program's executable bit and the .app's symbolic links.
    updates: Any = load_packaging_updates()
    archive = release_bundle(tmp_path, "macos-arm64", "1.3.0")
    link = tarfile.TarInfo("Impilo Desktop.app/Contents/Frameworks/Current")
    link.type, link.linkname = tarfile.SYMTYPE, "A"
    rebuilt = with_members(archive, [link], executable="MacOS/impilo-desktop")

    repo = update_repository
    added: Path = updates.add(repo.workspace, repo.keys, rebuilt, None, "")

    with tarfile.open(added) as tar:
        assert tar.getmember("./Contents/MacOS/impilo-desktop").mode == 0o755
        kept = tar.getmember("./Contents/Frameworks/Current")
        assert kept.issym()
        assert kept.linkname == "A"


@pytest.mark.parametrize(
    ("version", "platform", "says"),
    [("1.4.0", None, "version 1.3.0, not 1.4.0"), (None, "macos-arm64", "platform windows")],
)
def test_a_release_bundle_archive_given_another_version_or_platform_is_refused(
    update_repository: UpdateRepository,
    tmp_path: Path,
    version: str | None,
    platform: str | None,
    says: str,
) -> None:
    updates: Any = load_packaging_updates()
    archive = release_bundle(tmp_path, "windows-x86_64", "1.3.0")
    with pytest.raises(SystemExit, match=re.escape(says)):
        updates.add(
            update_repository.workspace,
            update_repository.keys,
            archive,
            version,
            "",
            platform=platform,
        )
    assert not any((update_repository.served / "targets").glob("*.tar.gz"))


def test_a_build_for_another_platform_than_its_name_says_is_refused(
    update_repository: UpdateRepository, tmp_path: Path
) -> None:
    # A Windows build renamed as the macOS one would be offered to every Mac.
    updates: Any = load_packaging_updates()
    archive = release_bundle(
        tmp_path, "macos-arm64", "1.3.0", program=program_for("windows-x86_64")
    )
    with pytest.raises(SystemExit, match="built for windows-x86_64, not macos-arm64"):
        updates.add(update_repository.workspace, update_repository.keys, archive, None, "")
    assert not any((update_repository.served / "targets").glob("*.tar.gz"))


def test_a_bundle_folder_is_added_on_its_own_platform_only(
    update_repository: UpdateRepository, tmp_path: Path
) -> None:
    updates: Any = load_packaging_updates()
    folder = tmp_path / "impilo-desktop"
    folder.mkdir()
    (folder / "impilo-desktop").write_bytes(b"#!/bin/sh\n")
    with pytest.raises(SystemExit, match="added on its own platform"):
        updates.add(
            update_repository.workspace,
            update_repository.keys,
            folder,
            "1.3.0",
            "",
            platform=other_platform(),
        )


def test_an_archive_not_named_as_a_release_bundle_is_refused(
    update_repository: UpdateRepository, tmp_path: Path
) -> None:
    updates: Any = load_packaging_updates()
    archive = release_bundle(tmp_path, "windows-x86_64", "1.3.0")
    renamed = archive.rename(tmp_path / "impilo-desktop-1.3.0-setup.tar.gz")
    with pytest.raises(SystemExit, match="release's bundle archive"):
        updates.add(update_repository.workspace, update_repository.keys, renamed, None, "")


def test_an_archive_reaching_outside_its_folder_is_refused(
    update_repository: UpdateRepository, tmp_path: Path
) -> None:
    updates: Any = load_packaging_updates()
    evil = tarfile.TarInfo("impilo-desktop-1.3.0/../../escaped")
    archive = with_members(release_bundle(tmp_path, "linux-x86_64", "1.3.0"), [evil])
    with pytest.raises(SystemExit, match="Nothing was changed"):
        updates.add(update_repository.workspace, update_repository.keys, archive, None, "")
    assert not any((update_repository.served / "targets").glob("*.tar.gz"))

"""A copy whose folder this user cannot write (a per-machine install in Program Files or a
read-only /opt) is updated by the organisation: `can_replace` says so by trying for real,
and `impilo-desktop update` then neither checks nor downloads, and says who installs new
versions. Two ways to make the folder unwritable: its permissions (not as root, to whom
they mean nothing) and, everywhere, a parent that is a file's path, where no folder can be
made whoever asks."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from impilo_desktop.cli import main
from impilo_desktop.updates.install import PROBE_PREFIX, can_replace, must_move_to_applications
from impilo_desktop.updates.state import BUNDLED_ROOT, UpdateFolder, UpdateSettings
from tests.update_repository import UpdateRepository, copy

needs_permissions = pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions (not root)"
)


def installed_bundle(parent: Path) -> Path:
    bundle = parent / "impilo-desktop"
    bundle.mkdir(parents=True)
    (bundle / "impilo-desktop-cli").write_bytes(b"")
    return bundle


@pytest.fixture
def read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A bundle's parent folder without write permission (as IT's installer leaves it)."""
    folder = tmp_path / "opt"
    installed_bundle(folder)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    yield folder
    folder.chmod(stat.S_IRWXU)


def under_a_file(tmp_path: Path) -> Path:
    """A bundle path whose parent is a file: no folder can be made there, even by root."""
    parent = tmp_path / "not-a-folder"
    parent.write_text("", encoding="utf-8")
    return parent / "impilo-desktop"


def test_a_folder_this_user_can_write_can_be_replaced(tmp_path: Path) -> None:
    bundle = installed_bundle(tmp_path / "apps")
    assert can_replace(bundle)
    assert sorted(p.name for p in bundle.parent.iterdir()) == ["impilo-desktop"]  # no probe left


def test_a_probe_folder_left_behind_is_removed_at_the_next_probe(tmp_path: Path) -> None:
    bundle = tmp_path / "apps" / "impilo-desktop"
    bundle.mkdir(parents=True)
    stale = bundle.parent / (PROBE_PREFIX.format(name=bundle.name) + "x1y2")
    stale.mkdir()
    assert can_replace(bundle)
    assert sorted(p.name for p in bundle.parent.iterdir()) == ["impilo-desktop"]


@pytest.fixture
def append_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder where folders can be made but not removed (ext4's append-only attribute):
    the probe's own removal fails, as a virus scanner holding it makes it fail on Windows."""
    folder = tmp_path / "append-only"
    installed_bundle(folder)
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+a", str(folder)]).returncode != 0:
        pytest.skip("needs chattr +a (root, on ext2/3/4)")
    try:
        yield folder
    finally:
        subprocess.run([chattr, "-a", str(folder)], check=True)


def test_a_probe_that_could_be_made_but_not_removed_still_says_writable(
    append_only_folder: Path,
) -> None:
    bundle = append_only_folder / "impilo-desktop"
    assert can_replace(bundle)
    left = [p.name for p in append_only_folder.iterdir() if p.name != "impilo-desktop"]
    assert len(left) == 1
    assert left[0].startswith(PROBE_PREFIX.format(name="impilo-desktop"))

    subprocess.run(["chattr", "-a", str(append_only_folder)], check=True)
    assert can_replace(bundle)  # and the one left before is removed now
    assert sorted(p.name for p in append_only_folder.iterdir()) == ["impilo-desktop"]


@needs_permissions
def test_a_read_only_folder_cannot_be_replaced(read_only_folder: Path) -> None:
    assert not can_replace(read_only_folder / "impilo-desktop")


def test_a_folder_where_nothing_can_be_made_cannot_be_replaced(tmp_path: Path) -> None:
    assert not can_replace(under_a_file(tmp_path))


def as_frozen_bundle(
    monkeypatch: pytest.MonkeyPatch, bundle: Path, repo: UpdateRepository, tmp_path: Path
) -> None:
    """The interpreter looks like the bundle's `impilo-desktop-cli` (what PyInstaller sets),
    carrying the repository's root."""
    internal = tmp_path / "_internal"
    (internal / BUNDLED_ROOT).parent.mkdir(parents=True)
    copy(repo.root_json, internal / BUNDLED_ROOT)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(internal), raising=False)
    monkeypatch.setattr(sys, "executable", str(bundle / "impilo-desktop-cli"))


def run_update(repo: UpdateRepository) -> int:
    repo.add("1.0.0")
    repo.add("1.1.0")
    return main(["update", "--repository", repo.url])


def test_the_command_line_checks_where_the_update_can_be_installed(
    update_repository: UpdateRepository,
    tmp_path: Path,
    app_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The counterpart of the tests below: the same setup, a folder this user can write."""
    as_frozen_bundle(monkeypatch, installed_bundle(tmp_path / "apps"), update_repository, tmp_path)

    assert run_update(update_repository) == 0
    assert "Version 1.1.0 is ready — restart to update." in capsys.readouterr().out
    assert any(p.startswith("/targets/") for p in update_repository.requests)


def assert_updated_by_organisation(
    repo: UpdateRepository, app_home: Path, out: str, code: int
) -> None:
    assert code == 0
    assert "updated by your organisation: IT installs new versions" in out
    assert "This is version " in out
    assert repo.requests == []  # not even the metadata: nothing is downloaded
    folder = UpdateFolder.of_home(app_home)
    assert not folder.downloads.exists()
    assert UpdateSettings.load(folder).repository_url == repo.url  # the address is kept


@needs_permissions
def test_the_command_line_says_a_read_only_copy_is_updated_by_the_organisation(
    update_repository: UpdateRepository,
    read_only_folder: Path,
    tmp_path: Path,
    app_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    as_frozen_bundle(monkeypatch, read_only_folder / "impilo-desktop", update_repository, tmp_path)
    code = run_update(update_repository)
    assert_updated_by_organisation(update_repository, app_home, capsys.readouterr().out, code)


def test_the_command_line_says_a_copy_it_cannot_replace_is_updated_by_the_organisation(
    update_repository: UpdateRepository,
    tmp_path: Path,
    app_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    as_frozen_bundle(monkeypatch, under_a_file(tmp_path), update_repository, tmp_path)
    code = run_update(update_repository)
    assert_updated_by_organisation(update_repository, app_home, capsys.readouterr().out, code)


TRANSLOCATED = Path("private/var/folders/zz/T/AppTranslocation/1A2B-3C4D/d/Impilo Desktop.app")


def test_a_mac_app_run_from_app_translocation_is_to_be_moved_to_applications(
    tmp_path: Path,
) -> None:
    """macOS runs an app opened where it was downloaded from a read-only random folder: the
    coordinator, not IT, makes it updatable by moving it to Applications."""
    assert must_move_to_applications(tmp_path / TRANSLOCATED)
    assert not must_move_to_applications(tmp_path / "Applications" / "Impilo Desktop.app")
    # Not an app (a Linux or Windows bundle) in a folder of that name: IT's.
    assert not must_move_to_applications(tmp_path / TRANSLOCATED.with_name("impilo-desktop"))


def test_the_command_line_says_to_move_a_translocated_app_to_applications(
    update_repository: UpdateRepository,
    tmp_path: Path,
    app_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    as_frozen_bundle(monkeypatch, tmp_path / TRANSLOCATED, update_repository, tmp_path)
    code = run_update(update_repository)
    out = capsys.readouterr().out
    assert code == 0
    assert "move Impilo Desktop to the Applications folder to get updates" in out
    assert "organisation" not in out
    assert update_repository.requests == []

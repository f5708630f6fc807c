"""Whether this user can replace the bundle, judged as another user would be: the probe runs
in a subprocess that drops from root to uid 65534 (`setpriv`), since root ignores the
permissions under test. The swap's rename and the later removal of `<bundle>.previous` need
more than a writable parent: a sticky parent lets only the owner rename the bundle, and a
bundle owned by root cannot be emptied by anyone else."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from impilo_desktop.updates.install import can_replace, remove_previous

SETPRIV = shutil.which("setpriv")
NOBODY = 65534
PACKAGE = Path(__file__).resolve().parents[2] / "impilo_desktop"

pytestmark = pytest.mark.skipif(
    os.name != "posix" or SETPRIV is None or os.geteuid() != 0,
    reason="drops from root to another user with setpriv",
)


@pytest.fixture
def shared() -> Iterator[Path]:
    """A folder every user can reach (pytest's own is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="impilo-replaceable-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


@pytest.fixture(scope="module")
def nobody_path() -> Iterator[Path]:
    """What uid 65534 imports: copies of the app's package and of platformdirs (all that
    `updates.install` needs beyond the standard library) in a folder everyone can read. The
    checkout and its venv may sit in a folder only root can open (`mktemp -d` makes one)."""
    import platformdirs

    folder = Path(tempfile.mkdtemp(prefix="impilo-replaceable-code-"))
    folder.chmod(0o755)
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(PACKAGE, folder / "impilo_desktop", ignore=ignore)
    shutil.copytree(Path(platformdirs.__file__).parent, folder / "platformdirs", ignore=ignore)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    yield folder
    shutil.rmtree(folder)


def as_nobody(code: str, *args: Path, path: Path) -> str:
    assert SETPRIV is not None
    drop = [SETPRIV, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    # The venv's interpreter is a link inside the checkout; the one it points at is not.
    python = os.path.realpath(sys.executable)
    result = subprocess.run(
        [*drop, python, "-I", "-c", f"import sys; sys.path.insert(0, {str(path)!r})\n{code}"]
        + [str(arg) for arg in args],
        env={"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin"},
        cwd="/",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


PROBE = """
import sys
from pathlib import Path
from impilo_desktop.updates.install import can_replace
print(can_replace(Path(sys.argv[1])))
"""


def nobody_can_replace(bundle: Path, path: Path) -> bool:
    return {"True": True, "False": False}[as_nobody(PROBE, bundle, path=path)]


def folder(path: Path, mode: int, owner: int = 0, group: int = 0) -> Path:
    path.mkdir()
    os.chown(path, owner, group)
    path.chmod(mode)
    return path


def test_a_parent_this_user_cannot_write(shared: Path, nobody_path: Path) -> None:
    parent = folder(shared / "opt", 0o755)
    bundle = folder(parent / "impilo-desktop", 0o777)
    assert not nobody_can_replace(bundle, nobody_path)


def test_a_sticky_parent_with_a_bundle_of_another_user(shared: Path, nobody_path: Path) -> None:
    parent = folder(shared / "tmp-like", 0o1777)
    bundle = folder(parent / "impilo-desktop", 0o777)  # writable inside, but root's
    assert not nobody_can_replace(bundle, nobody_path)
    own = folder(parent / "own-copy", 0o755, owner=NOBODY, group=NOBODY)
    assert nobody_can_replace(own, nobody_path)  # the owner may rename it


def test_a_group_writable_parent_with_a_bundle_of_root(shared: Path, nobody_path: Path) -> None:
    parent = folder(shared / "shared-apps", 0o775, group=NOBODY)
    bundle = folder(parent / "impilo-desktop", 0o755)  # its files could not be removed
    assert not nobody_can_replace(bundle, nobody_path)
    own = folder(parent / "own-copy", 0o755, owner=NOBODY, group=NOBODY)
    assert nobody_can_replace(own, nobody_path)


SWAP = """
import sys
from pathlib import Path
from impilo_desktop.updates.install import PreparedUpdate, swap
from impilo_desktop.updates.state import UpdateFolder
bundle, unpacked, updates = (Path(arg) for arg in sys.argv[1:4])
swap(PreparedUpdate("1.1.0", bundle, unpacked), UpdateFolder(updates))
print(sorted(p.name for p in bundle.parent.iterdir()))
"""


def test_a_previous_bundle_that_cannot_be_removed_is_kept_beside_a_new_one(
    shared: Path, nobody_path: Path
) -> None:
    parent = folder(shared / "apps", 0o755, owner=NOBODY, group=NOBODY)
    bundle = folder(parent / "impilo-desktop", 0o755, owner=NOBODY, group=NOBODY)
    unpacked = folder(parent / "impilo-desktop.update", 0o755, owner=NOBODY, group=NOBODY)
    (unpacked / "version.txt").write_text("1.1.0", encoding="utf-8")
    previous = folder(parent / "impilo-desktop.previous", 0o755, owner=NOBODY, group=NOBODY)
    stuck = folder(previous / "root-owned", 0o755)  # its file is root's to remove
    (stuck / "file").write_text("", encoding="utf-8")
    updates = folder(shared / "updates", 0o755, owner=NOBODY, group=NOBODY)

    listing = as_nobody(SWAP, bundle, unpacked, updates, path=nobody_path)

    assert listing == str(
        ["impilo-desktop", "impilo-desktop.previous", "impilo-desktop.previous-1"]
    )
    assert (bundle / "version.txt").read_text(encoding="utf-8") == "1.1.0"
    remove_previous(bundle)  # at the next start (here as root, who may remove both)
    assert sorted(p.name for p in parent.iterdir()) == ["impilo-desktop"]


def test_nothing_is_written_inside_a_mac_app_to_find_out(tmp_path: Path) -> None:
    """A folder made inside a signed .app, even for a moment, breaks its seal: the app is
    judged by its permissions, and its contents stay exactly as they were."""
    app = tmp_path / "Impilo Desktop.app"
    (app / "Contents" / "MacOS").mkdir(parents=True)
    before = sorted(p.relative_to(app) for p in app.rglob("*"))
    watched: list[str] = []
    listening = [True]

    def audit(event: str, args: tuple[object, ...]) -> None:
        # An audit hook cannot be removed: it stops listening when the test ends.
        if listening[0] and event in {"os.mkdir", "tempfile.mkdtemp"} and args:
            watched.append(str(args[0]))

    sys.addaudithook(audit)
    try:
        assert can_replace(app)
    finally:
        listening[0] = False
    assert sorted(p.relative_to(app) for p in app.rglob("*")) == before
    assert [path for path in watched if path.startswith(str(app) + os.sep)] == []

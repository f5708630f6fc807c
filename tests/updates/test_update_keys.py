"""The repository's keys in two places (packaging/updates.py): root and targets in an offline
folder, encrypted with a passphrase from IMPILO_UPDATE_KEY_PASSPHRASE or typed on the
terminal; timestamp and snapshot online, enough for the weekly `resign` and nothing more. A
copy carrying the root that `init` made verifies what the offline keys signed."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from securesystemslib.exceptions import CryptoError
from securesystemslib.interface import import_ed25519_privatekey_from_file

from impilo_desktop.updates.check import check_for_update
from impilo_desktop.updates.outcomes import UpdateReady
from impilo_desktop.updates.state import UpdateFolder
from tests.update_repository import PACKAGING, UpdateRepository, load_packaging_updates, serve

PASSPHRASE = "correct horse battery staple"


def init_with_offline_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root_days: int = 365
) -> UpdateRepository:
    updates = load_packaging_updates()
    monkeypatch.setenv(updates.PASSPHRASE_ENV, PASSPHRASE)
    repo = UpdateRepository(tmp_path / "ws", tmp_path / "keys", tmp_path / "bundles")
    expiration = {"root": root_days, "targets": 365, "snapshot": 30, "timestamp": 7}
    updates.init(repo.workspace, repo.keys, expiration, offline_keys=tmp_path / "usb-stick")
    return repo


def signed(repo: UpdateRepository, role: str) -> dict[str, object]:
    data: dict[str, dict[str, object]] = json.loads(repo.metadata(role).read_text("utf-8"))
    return data["signed"]


def test_root_and_targets_keys_are_offline_and_encrypted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, update_folder: UpdateFolder
) -> None:
    repo = init_with_offline_keys(tmp_path, monkeypatch)
    offline = tmp_path / "usb-stick"

    assert sorted(p.name for p in offline.iterdir()) == [
        "root",
        "root.pub",
        "targets",
        "targets.pub",
    ]
    online = sorted(p.name for p in repo.keys.iterdir())
    assert online == [
        "root.pub",
        "snapshot",
        "snapshot.pub",
        "targets.pub",
        "timestamp",
        "timestamp.pub",
    ]
    for role in ("root", "targets"):
        with pytest.raises(CryptoError):  # not usable without the passphrase
            import_ed25519_privatekey_from_file(str(offline / role))
        import_ed25519_privatekey_from_file(str(offline / role), password=PASSPHRASE)
    import_ed25519_privatekey_from_file(str(repo.keys / "timestamp"))  # unattended

    # A release signed with the offline targets key is what a copy with this root accepts.
    bundle = tmp_path / "bundles" / "1.1.0"
    bundle.mkdir(parents=True)
    (bundle / "version.txt").write_text("1.1.0", encoding="utf-8")
    (bundle / "impilo-desktop").write_bytes(b"#!/bin/sh\necho 1.1.0\n")  # the program
    updates = load_packaging_updates()
    updates.add(repo.workspace, repo.keys, bundle, "1.1.0", "", offline_keys=offline)
    with serve(repo.served) as url:
        outcome = asyncio.run(
            check_for_update(url, update_folder, trusted_root=repo.root_json, current_version="1")
        )
    assert outcome == UpdateReady("1.1.0", "")


def test_the_weekly_resign_needs_only_the_online_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    updates = load_packaging_updates()
    repo = init_with_offline_keys(tmp_path, monkeypatch, root_days=30)  # root expires soon
    before = {role: signed(repo, role) for role in ("root", "targets", "timestamp")}
    monkeypatch.delenv(updates.PASSPHRASE_ENV)  # the release workflow has no passphrase

    # A day longer than init's: a new expiry even within the same second.
    updates.resign(
        repo.workspace, repo.keys, {"root": 365, "targets": 365, "snapshot": 30, "timestamp": 8}
    )

    assert signed(repo, "timestamp")["version"] == 2
    assert signed(repo, "root") == before["root"]  # its key is offline: left, and said
    assert signed(repo, "targets") == before["targets"]
    err = capsys.readouterr().err
    assert "Warning: root expires" in err
    assert "run resign with --offline-keys" in err

    monkeypatch.setenv(updates.PASSPHRASE_ENV, PASSPHRASE)
    offline = ["--offline-keys", str(tmp_path / "usb-stick")]
    assert (
        updates.main(
            ["resign", "--workspace", str(repo.workspace), "--keys", str(repo.keys), *offline]
        )
        == 0
    )
    assert signed(repo, "root")["version"] == 2  # renewed with the offline root key


def test_adding_a_version_needs_the_offline_targets_key_and_its_passphrase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    updates = load_packaging_updates()
    repo = init_with_offline_keys(tmp_path, monkeypatch)
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "version.txt").write_text("1.1.0", encoding="utf-8")
    (bundle / "impilo-desktop").write_bytes(b"#!/bin/sh\necho 1.1.0\n")  # the program
    targets_before = signed(repo, "targets")

    with pytest.raises(SystemExit, match="needs the targets key"):
        updates.add(repo.workspace, repo.keys, bundle, "1.1.0", "")

    served_before = files(repo.served)
    monkeypatch.setenv(updates.PASSPHRASE_ENV, "not the passphrase")
    with pytest.raises(SystemExit, match="The passphrase does not open the key"):
        updates.add(
            repo.workspace, repo.keys, bundle, "1.1.0", "", offline_keys=tmp_path / "usb-stick"
        )
    assert signed(repo, "targets") == targets_before
    assert files(repo.served) == served_before  # no archive left in targets/ either

    # The retry with the right passphrase is not refused ("already in the repository").
    monkeypatch.setenv(updates.PASSPHRASE_ENV, PASSPHRASE)
    archive = updates.add(
        repo.workspace, repo.keys, bundle, "1.1.0", "", offline_keys=tmp_path / "usb-stick"
    )
    assert archive.parent == repo.served / "targets"
    assert signed(repo, "targets") != targets_before


def files(folder: Path) -> dict[str, bytes]:
    """Every file under `folder`, by its relative path, with its bytes."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_resign_reads_the_public_keys_where_the_online_keys_were_moved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config keeps the folder `init` wrote the keys to; CI writes them back elsewhere
    (packaging/README.md). `resign --keys` there works unattended, stdin closed."""
    updates = load_packaging_updates()
    monkeypatch.setenv(updates.PASSPHRASE_ENV, PASSPHRASE)
    repo = UpdateRepository(tmp_path / "ws", tmp_path / "keys", tmp_path / "bundles")
    # A day shorter than resign's: a new expiry even within the same second.
    expiration = {"root": 365, "targets": 365, "snapshot": 30, "timestamp": 6}
    updates.init(repo.workspace, repo.keys, expiration, offline_keys=tmp_path / "usb-stick")
    monkeypatch.delenv(updates.PASSPHRASE_ENV)  # CI has no passphrase
    moved = tmp_path / "ci-secrets" / "keys"
    moved.parent.mkdir()
    repo.keys.rename(moved)
    timestamp_before = signed(repo, "timestamp")

    command = ["resign", "--workspace", str(repo.workspace), "--keys", str(moved)]
    result = subprocess.run(
        [sys.executable, str(PACKAGING / "updates.py"), *command],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "timestamp expires" in result.stdout
    assert signed(repo, "timestamp")["version"] == int(str(timestamp_before["version"])) + 1
    assert not repo.keys.exists()  # not made again where the config said


# The child takes the pseudo-terminal as its controlling terminal (a session leader opening
# a terminal), so getpass asks there as in a real one, then runs packaging/updates.py.
ON_A_TERMINAL = (
    "import os, runpy, sys\n"
    "os.close(os.open(os.ttyname(0), os.O_RDWR))\n"
    "sys.argv = sys.argv[1:]\n"
    "runpy.run_path(sys.argv[0], run_name='__main__')\n"
)


def test_the_passphrase_is_asked_on_the_terminal_when_not_in_the_environment(
    tmp_path: Path,
) -> None:
    """`init` in a terminal of its own (a pseudo-terminal): asked twice, then signed."""
    env = {k: v for k, v in os.environ.items() if k != "IMPILO_UPDATE_KEY_PASSPHRASE"}
    terminal, child_side = pty.openpty()
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            ON_A_TERMINAL,
            str(PACKAGING / "updates.py"),
            "init",
            "--workspace",
            str(tmp_path / "ws"),
            "--keys",
            str(tmp_path / "keys"),
            "--offline-keys",
            str(tmp_path / "usb-stick"),
        ],
        stdin=child_side,
        stdout=child_side,
        stderr=child_side,
        env=env,
        start_new_session=True,
    )
    os.close(child_side)
    seen = b""
    try:
        for prompt in (b"Passphrase of the offline keys: ", b"The same passphrase again: "):
            while prompt not in seen:
                seen += os.read(terminal, 1024)
            seen = seen.split(prompt, 1)[1]
            os.write(terminal, PASSPHRASE.encode() + b"\n")
        while chunk := _read(terminal):
            seen += chunk
    finally:
        code = process.wait(timeout=120)
        os.close(terminal)

    assert code == 0, seen.decode(errors="replace")
    assert b"Trust anchor (ship it in the bundle)" in seen
    assert PASSPHRASE.encode() not in seen  # not echoed
    import_ed25519_privatekey_from_file(str(tmp_path / "usb-stick" / "root"), password=PASSPHRASE)


def _read(terminal: int) -> bytes:
    try:
        return os.read(terminal, 1024)
    except OSError:  # Linux: EIO once the child has ended and closed its side
        return b""

"""The root a bundle carries and the one a copy already trusts (`<home>/updates/metadata/
root.json`): a bundled root of a higher version replaces the local one at the next check (after
a root key rotation that the old root never signed, only the bundle can bring the new trust);
one of a lower or equal version changes nothing (an older bundle installed again must not roll
the trust back). Against a real repository on 127.0.0.1, its keys rotated by tufup."""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from pathlib import Path

from securesystemslib.interface import generate_and_write_unencrypted_ed25519_keypair
from tufup.repo import Repository

from impilo_desktop.updates.check import check_for_update
from impilo_desktop.updates.outcomes import (
    CheckFailed,
    CheckOutcome,
    UpdateReady,
    UpdateRefused,
    UpToDate,
)
from impilo_desktop.updates.state import UpdateFolder
from impilo_desktop.updates.trust import root_version
from tests.update_repository import UpdateRepository, copy, load_packaging_updates, serve


def check(repo: UpdateRepository, folder: UpdateFolder, bundled_root: Path) -> CheckOutcome:
    return asyncio.run(
        check_for_update(repo.url, folder, trusted_root=bundled_root, current_version="1.0.0")
    )


def local_root(folder: UpdateFolder) -> Path:
    return folder.metadata / "root.json"


def assert_updates_keeping_the_anchor(
    repo: UpdateRepository, folder: UpdateFolder, bundled_root: Path, trusted: bytes
) -> None:
    """With this bundled root the copy still updates, and its trusted root is unchanged."""
    assert check(repo, folder, bundled_root) == UpdateReady("1.1.0", "")
    assert local_root(folder).read_bytes() == trusted


def rotate_root_key_losing_the_old_one(repo: UpdateRepository, tmp_path: Path) -> None:
    """A new root key, and root version 2 signed by it alone: the old key was lost, so the
    copies that trust root version 1 cannot verify version 2 from the repository."""
    new_keys = tmp_path / "new-root-key"
    new_keys.mkdir()
    generate_and_write_unencrypted_ed25519_keypair(filepath=str(new_keys / "root2"))
    without_old_root = tmp_path / "keys-without-root"
    shutil.copytree(repo.keys, without_old_root)
    (without_old_root / "root").unlink()
    with contextlib.chdir(repo.workspace):
        tufup = Repository.from_config()
        tufup.replace_key("root", new_keys / "root2.pub", new_private_key_encrypted=False)
        tufup.publish_changes(private_key_dirs=[new_keys, without_old_root])


def test_a_newer_bundled_root_replaces_the_local_one(
    update_repository: UpdateRepository, update_folder: UpdateFolder, tmp_path: Path
) -> None:
    repo = update_repository
    repo.add("1.0.0")
    first_root = copy(repo.root_json, tmp_path / "root-v1.json")
    assert check(repo, update_folder, first_root) == UpToDate("1.0.0")
    assert root_version(local_root(update_folder)) == 1

    rotate_root_key_losing_the_old_one(repo, tmp_path)
    repo.add("1.1.0")
    assert root_version(repo.root_json) == 2
    # The copy that knows only root version 1 refuses (as it must: v2 is not signed by v1).
    refused = check(repo, update_folder, first_root)
    assert isinstance(refused, UpdateRefused)
    assert "signatures do not check out" in refused.reason
    assert root_version(local_root(update_folder)) == 1

    # The installer brings a bundle carrying root version 2: it becomes the trust anchor.
    second_root = copy(repo.root_json, tmp_path / "root-v2.json")
    outcome = check(repo, update_folder, second_root)

    assert outcome == UpdateReady("1.1.0", "")
    assert local_root(update_folder).read_bytes() == second_root.read_bytes()


def test_an_older_or_equal_bundled_root_changes_nothing(
    tmp_path: Path, update_folder: UpdateFolder
) -> None:
    updates = load_packaging_updates()
    workspace, keys = tmp_path / "ws", tmp_path / "keys"
    # A root that expires soon, so that `resign` publishes root version 2.
    updates.init(workspace, keys, {"root": 30, "targets": 365, "snapshot": 30, "timestamp": 7})
    repo = UpdateRepository(workspace, keys, tmp_path / "bundles")
    repo.add("1.1.0")
    first_root = copy(repo.root_json, tmp_path / "root-v1.json")
    updates.resign(workspace, keys)
    assert root_version(repo.root_json) == 2

    with serve(repo.served) as url:
        repo.url = url
        assert check(repo, update_folder, first_root) == UpdateReady("1.1.0", "")
        trusted = local_root(update_folder).read_bytes()
        assert root_version(local_root(update_folder)) == 2  # from the repository

        # An older bundle installed again: its root version 1 is not taken.
        assert_updates_keeping_the_anchor(repo, update_folder, first_root, trusted)

        # The same version, written differently: not taken either.
        same = json.loads(repo.root_json.read_text(encoding="utf-8"))
        equal_root = tmp_path / "root-v2-again.json"
        equal_root.write_text(json.dumps(same, indent=4), encoding="utf-8")
        assert equal_root.read_bytes() != trusted
        assert_updates_keeping_the_anchor(repo, update_folder, equal_root, trusted)


def test_an_unreadable_local_root_is_seeded_again_from_the_bundle(
    update_repository: UpdateRepository, update_folder: UpdateFolder, tmp_path: Path
) -> None:
    repo = update_repository
    repo.add("1.0.0")
    repo.add("1.1.0")
    local_root(update_folder).parent.mkdir(parents=True)
    local_root(update_folder).write_text("{ cut short", encoding="utf-8")

    assert check(repo, update_folder, repo.root_json) == UpdateReady("1.1.0", "")
    assert root_version(local_root(update_folder)) == 1


def root_signed_by_the_old_key_alone(repo: UpdateRepository, tmp_path: Path) -> Path:
    """Root version 2 caught mid-rotation: it names a new root key but carries only the old
    key's signature (the new key never signed it)."""
    from securesystemslib.interface import (
        import_ed25519_privatekey_from_file,
        import_ed25519_publickey_from_file,
    )
    from securesystemslib.signer import SSlibKey, SSlibSigner
    from tuf.api.metadata import Metadata, Root  # type: ignore[attr-defined]  # re-exported

    root = Metadata[Root].from_file(str(repo.root_json))
    new_keys = tmp_path / "mid-rotation"
    new_keys.mkdir()
    generate_and_write_unencrypted_ed25519_keypair(filepath=str(new_keys / "root2"))
    public = import_ed25519_publickey_from_file(str(new_keys / "root2.pub"))
    new_key = SSlibKey.from_securesystemslib_key(public)
    for old in list(root.signed.roles["root"].keyids):
        root.signed.revoke_key(old, "root")
    root.signed.add_key(new_key, "root")
    root.signed.version = 2
    old_key = import_ed25519_privatekey_from_file(filepath=str(repo.keys / "root"))
    root.sign(SSlibSigner(old_key))
    path = tmp_path / "root-v2-mid-rotation.json"
    root.to_file(str(path))
    return path


def hand_edited_to_a_higher_version(root_json: Path, to: Path) -> Path:
    data = json.loads(root_json.read_text(encoding="utf-8"))
    data["signed"]["version"] = 7
    to.write_text(json.dumps(data), encoding="utf-8")
    return to


def test_a_higher_bundled_root_that_does_not_sign_itself_is_refused(
    update_repository: UpdateRepository, update_folder: UpdateFolder, tmp_path: Path
) -> None:
    repo = update_repository
    repo.add("1.0.0")
    first_root = copy(repo.root_json, tmp_path / "root-v1.json")
    assert check(repo, update_folder, first_root) == UpToDate("1.0.0")
    trusted = local_root(update_folder).read_bytes()
    repo.add("1.1.0")

    # A version bumped by hand (its signature no longer matches), and a new root signed only
    # by the key it replaces: neither becomes the anchor, and the copy still updates.
    for bundled in (
        hand_edited_to_a_higher_version(repo.root_json, tmp_path / "root-v7-edited.json"),
        root_signed_by_the_old_key_alone(repo, tmp_path),
    ):
        assert_updates_keeping_the_anchor(repo, update_folder, bundled, trusted)


def test_a_first_bundled_root_that_does_not_sign_itself_is_not_trusted(
    update_repository: UpdateRepository, update_folder: UpdateFolder, tmp_path: Path
) -> None:
    repo = update_repository
    repo.add("1.0.0")
    edited = hand_edited_to_a_higher_version(repo.root_json, tmp_path / "root-edited.json")

    outcome = check(repo, update_folder, edited)

    assert outcome == CheckFailed("this copy of Impilo Desktop was built without an update key.")
    assert not local_root(update_folder).exists()

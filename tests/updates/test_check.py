"""The update check against a real tufup repository on 127.0.0.1: a newer version is found,
downloaded and verified; a tampered archive, rolled-back metadata, expired metadata and a
bad signature are refused with nothing pending; no repository means no request."""

from __future__ import annotations

import asyncio
import datetime
import json
import re
import ssl
from pathlib import Path

import pytest

from impilo_desktop.updates.check import check_for_update
from impilo_desktop.updates.outcomes import (
    CheckFailed,
    CheckOutcome,
    UpdateReady,
    UpdateRefused,
    UpToDate,
)
from impilo_desktop.updates.platform_name import archive_name
from impilo_desktop.updates.state import PendingUpdate, UpdateFolder, UpdateSettings
from tests.network_servers import make_ca, make_server_cert
from tests.update_repository import (
    UpdateRepository,
    copy,
    load_packaging_updates,
    serve,
    tamper,
)


def check(repo: UpdateRepository, folder: UpdateFolder, current: str = "1.0.0") -> CheckOutcome:
    return asyncio.run(
        check_for_update(repo.url, folder, trusted_root=repo.root_json, current_version=current)
    )


def test_a_newer_version_is_downloaded_verified_and_pending(
    update_repository: UpdateRepository, update_folder: UpdateFolder
) -> None:
    update_repository.add("1.0.0")
    update_repository.add("1.1.0", notes="Orders from a spreadsheet keep their notes.")

    outcome = check(update_repository, update_folder)

    assert outcome == UpdateReady("1.1.0", "Orders from a spreadsheet keep their notes.")
    pending = PendingUpdate.load(update_folder)
    assert pending is not None
    assert pending.version == "1.1.0"
    archive = update_folder.downloads / pending.archive
    assert (
        archive.read_bytes()
        == (update_repository.served / "targets" / f"{archive_name()}-1.1.0.tar.gz").read_bytes()
    )
    settings = UpdateSettings.load(update_folder)
    assert settings.last_result == "Version 1.1.0 is ready — restart to update."
    assert settings.last_check


def test_the_current_version_is_up_to_date(
    update_repository: UpdateRepository, update_folder: UpdateFolder
) -> None:
    update_repository.add("1.0.0")

    assert check(update_repository, update_folder) == UpToDate("1.0.0")
    assert PendingUpdate.load(update_folder) is None
    assert not any(p.startswith("/targets/") for p in update_repository.requests)


def test_a_tampered_archive_is_refused_and_nothing_is_pending(
    update_repository: UpdateRepository, update_folder: UpdateFolder
) -> None:
    update_repository.add("1.0.0")
    archive = update_repository.add("1.1.0")
    tamper(archive)

    outcome = check(update_repository, update_folder)

    assert isinstance(outcome, UpdateRefused)
    assert "does not match its signature" in outcome.reason
    assert PendingUpdate.load(update_folder) is None
    assert not any(update_folder.downloads.glob("*.tar.gz"))


def test_a_longer_archive_is_refused(
    update_repository: UpdateRepository, update_folder: UpdateFolder
) -> None:
    update_repository.add("1.0.0")
    archive = update_repository.add("1.1.0")
    archive.write_bytes(archive.read_bytes() + b"more")

    outcome = check(update_repository, update_folder)

    assert isinstance(outcome, UpdateRefused)
    assert PendingUpdate.load(update_folder) is None


def test_rolled_back_metadata_is_refused(
    update_repository: UpdateRepository, update_folder: UpdateFolder, tmp_path: Path
) -> None:
    update_repository.add("1.0.0")
    old = {
        role: copy(update_repository.metadata(role), tmp_path / f"old-{role}.json")
        for role in ("timestamp", "snapshot", "targets")
    }
    update_repository.add("1.1.0")
    assert isinstance(check(update_repository, update_folder), UpdateReady)
    PendingUpdate.clear(update_folder)
    # The server (or someone in the middle) now offers the older, validly signed metadata.
    for role, saved in old.items():
        copy(saved, update_repository.metadata(role))

    outcome = check(update_repository, update_folder)

    assert isinstance(outcome, UpdateRefused)
    assert "rolled back" in outcome.reason
    assert PendingUpdate.load(update_folder) is None


def test_a_bad_signature_is_refused(
    update_repository: UpdateRepository, update_folder: UpdateFolder
) -> None:
    update_repository.add("1.0.0")
    update_repository.add("1.1.0")
    timestamp = update_repository.metadata("timestamp")
    signed = json.loads(timestamp.read_text(encoding="utf-8"))
    signed["signed"]["expires"] = "2099-01-01T00:00:00Z"  # a change the key never signed
    timestamp.write_text(json.dumps(signed), encoding="utf-8")

    outcome = check(update_repository, update_folder)

    assert isinstance(outcome, UpdateRefused)
    assert "signatures do not check out" in outcome.reason
    assert PendingUpdate.load(update_folder) is None


def test_expired_metadata_is_refused(tmp_path: Path, update_folder: UpdateFolder) -> None:
    updates = load_packaging_updates()
    workspace, keys = tmp_path / "ws", tmp_path / "keys"
    updates.init(workspace, keys, {"root": 365, "targets": 365, "snapshot": 30, "timestamp": -1})
    repo = UpdateRepository(workspace, keys, tmp_path / "bundles")
    repo.add("1.1.0")
    with serve(repo.served) as url:
        repo.url = url
        outcome = check(repo, update_folder)

    assert isinstance(outcome, UpdateRefused)
    assert "expired" in outcome.reason


def test_an_unreachable_repository_is_a_failed_check(
    update_repository: UpdateRepository, update_folder: UpdateFolder
) -> None:
    update_repository.add("1.1.0")
    update_repository.url += "/no-such-folder"

    outcome = check(update_repository, update_folder)

    assert isinstance(outcome, CheckFailed)
    assert "could not be reached" in outcome.reason


def test_without_the_bundles_trust_anchor_nothing_is_asked(
    update_repository: UpdateRepository, update_folder: UpdateFolder
) -> None:
    update_repository.add("1.1.0")

    outcome = asyncio.run(check_for_update(update_repository.url, update_folder, trusted_root=None))

    assert isinstance(outcome, CheckFailed)
    assert update_repository.requests == []


def _repository_expiring(tmp_path: Path, root_days: int) -> tuple[UpdateRepository, Path]:
    """A repository whose root expires in `root_days`, with 1.1.0 in it, and a copy of the
    root an installed 1.0.0 carries."""
    updates = load_packaging_updates()
    workspace, keys = tmp_path / "ws", tmp_path / "keys"
    updates.init(
        workspace, keys, {"root": root_days, "targets": 365, "snapshot": 30, "timestamp": 7}
    )
    repo = UpdateRepository(workspace, keys, tmp_path / "bundles")
    repo.add("1.1.0")
    return repo, copy(repo.root_json, tmp_path / "bundled-root.json")


def test_an_expired_root_is_refused_until_resign_renews_it(
    tmp_path: Path, update_folder: UpdateFolder, capsys: pytest.CaptureFixture[str]
) -> None:
    updates = load_packaging_updates()
    repo, bundled_root = _repository_expiring(tmp_path, root_days=-1)
    with serve(repo.served) as url:
        refused = asyncio.run(
            check_for_update(url, update_folder, trusted_root=bundled_root, current_version="1.0")
        )
        assert isinstance(refused, UpdateRefused)
        assert "signatures have expired" in refused.reason
        assert PendingUpdate.load(update_folder) is None

        assert (
            updates.main(["resign", "--workspace", str(repo.workspace), "--keys", str(repo.keys)])
            == 0
        )
        printed = capsys.readouterr().out
        outcome = asyncio.run(
            check_for_update(url, update_folder, trusted_root=bundled_root, current_version="1.0")
        )

    assert outcome == UpdateReady("1.1.0", "")
    for role in ("root", "targets", "snapshot", "timestamp"):
        assert re.search(rf"^{role} +expires \d{{4}}-\d\d-\d\d", printed, re.M)
    root = json.loads(repo.root_json.read_text(encoding="utf-8"))["signed"]
    assert root["version"] == 2
    assert root["expires"][:4] == str(datetime.datetime.now(datetime.UTC).year + 1)


def test_resign_renews_a_root_that_expires_soon_and_keeps_one_that_does_not(
    tmp_path: Path, update_folder: UpdateFolder
) -> None:
    updates = load_packaging_updates()
    repo, bundled_root = _repository_expiring(tmp_path / "soon", root_days=30)
    expiries = updates.resign(repo.workspace, repo.keys)
    in_300_days = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=300)
    assert expiries["root"] > in_300_days
    with serve(repo.served) as url:
        outcome = asyncio.run(
            check_for_update(url, update_folder, trusted_root=bundled_root, current_version="1.0")
        )
    assert outcome == UpdateReady("1.1.0", "")

    fresh, _ = _repository_expiring(tmp_path / "fresh", root_days=365)
    before = json.loads(fresh.root_json.read_text(encoding="utf-8"))["signed"]
    updates.resign(fresh.workspace, fresh.keys)
    after = json.loads(fresh.root_json.read_text(encoding="utf-8"))["signed"]
    assert after == before  # not renewed: installed copies need no new root


def test_downloaded_archives_are_deleted_once_not_pending(
    update_repository: UpdateRepository, update_folder: UpdateFolder
) -> None:
    update_repository.add("1.0.0")
    update_repository.add("1.1.0")
    assert check(update_repository, update_folder) == UpdateReady("1.1.0", "")
    update_repository.add("1.2.0")

    assert check(update_repository, update_folder) == UpdateReady("1.2.0", "")
    downloaded = sorted(p.name for p in update_folder.downloads.iterdir())
    assert downloaded == [f"{archive_name()}-1.2.0.tar.gz"]  # 1.1.0 is not pending any more

    assert check(update_repository, update_folder, current="1.2.0") == UpToDate("1.2.0")
    assert list(update_folder.downloads.iterdir()) == []


def test_a_repository_that_trickles_bytes_is_given_up_at_the_deadline(
    update_repository: UpdateRepository, update_folder: UpdateFolder
) -> None:
    update_repository.add("1.1.0")  # ~300 bytes, one every 50 ms: 15 s if nothing stops it
    with serve(update_repository.served, trickle_targets_s=0.05) as url:
        outcome = asyncio.run(
            check_for_update(
                url,
                update_folder,
                trusted_root=update_repository.root_json,
                current_version="1.0.0",
                deadline_s=1.0,
            )
        )

    assert isinstance(outcome, CheckFailed)
    assert "took too long" in outcome.reason
    assert PendingUpdate.load(update_folder) is None


def test_a_redirect_from_https_to_http_is_refused(
    update_repository: UpdateRepository,
    update_folder: UpdateFolder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    update_repository.add("1.1.0")
    ca = make_ca(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.cert_file))  # the check trusts the HTTPS side
    identity = make_server_cert(tmp_path, ca)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(identity.cert_file, identity.key_file)
    asked: list[str] = []
    with serve(tmp_path, asked, tls=tls, redirect_to=update_repository.url) as https_url:
        outcome = asyncio.run(
            check_for_update(
                https_url,
                update_folder,
                trusted_root=update_repository.root_json,
                current_version="1.0.0",
            )
        )

    assert isinstance(outcome, CheckFailed)
    assert "unencrypted (http) address, which was refused" in outcome.reason
    assert asked == ["/metadata/2.root.json"]  # the first request, redirected
    assert update_repository.requests == []  # the http address was never asked


def test_a_redirect_that_keeps_the_scheme_is_followed(
    update_repository: UpdateRepository, update_folder: UpdateFolder, tmp_path: Path
) -> None:
    update_repository.add("1.1.0")
    with serve(tmp_path, redirect_to=update_repository.url) as moved:
        outcome = asyncio.run(
            check_for_update(
                moved,
                update_folder,
                trusted_root=update_repository.root_json,
                current_version="1.0",
            )
        )
    assert outcome == UpdateReady("1.1.0", "")

"""`impilo-desktop drafts import`, `sync --once` and `outbox`, run in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from impilo_desktop.api.models import Order
from impilo_desktop.cli import main
from impilo_desktop.config import Profile, Settings
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import DatabaseKey, EntryState, Store, cipher
from tests.sync.conftest import PASSPHRASE, open_profile_store


def _order_file(folder: Path, name: str, body: object) -> Path:
    path = folder / name
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


GOOD = {
    "patient": {"id": 10001},
    "orderItems": [{"item": {"id": 1001}, "count": 2}],
    "externalOrderIds": ["clinic-ref-1"],
    "shippingOption": "standard",
}


def _store(base_url: str) -> Store:
    return open_profile_store(Profile("sandbox", base_url))


def test_import_queues_valid_files_and_names_invalid_ones(
    tmp_path: Path, sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _order_file(tmp_path, "good.json", GOOD)
    no_recipient = _order_file(tmp_path, "no-recipient.json", {**GOOD, "patient": None})
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    account = ["--profile", "sandbox", "--base-url", sandbox.base_url]

    code = main(["drafts", "import", str(good), str(no_recipient), str(broken), *account])

    out, err = capsys.readouterr()
    assert code == 1
    assert f"{good}: queued as #1 impilo-desktop-" in out
    assert f"{no_recipient}: recipient:" in err
    assert f"{broken}: is not valid JSON" in err
    with _store(sandbox.base_url) as store:
        [entry] = store.list_outbox()
    assert entry.state == EntryState.QUEUED
    assert entry.draft.item_lines[0].count == 2
    assert entry.draft.external_order_ids == ["clinic-ref-1"]


def test_sync_once_sends_everything_and_exits_zero(
    tmp_path: Path, sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], app_home: Path
) -> None:
    account = ["--profile", "sandbox", "--base-url", sandbox.base_url]
    good = _order_file(tmp_path, "good.json", GOOD)
    # --again: the same file twice is meant as two orders here.
    assert main(["drafts", "import", "--again", str(good), str(good), *account]) == 0

    code = main(["sync", "--once", *account])  # no key given: the sandbox demo key

    out, _ = capsys.readouterr()
    assert code == 0, out
    assert "Outbox empty." in out
    assert "Reference data refreshed" in out
    with _store(sandbox.base_url) as store:
        entries = store.list_outbox()
        assert all(e.state == EntryState.SENT for e in entries)
        assert len(store.cached_sites()) == 25
    assert main(["outbox", *account]) == 0
    listing = capsys.readouterr().out
    assert listing.count("sent ") == 2
    assert "-> order " in listing
    # Its log is its own: an open window's file is never renamed under it (Windows).
    assert (app_home / "logs" / "impilo-desktop-cli.log").is_file()
    assert not (app_home / "logs" / "impilo-desktop.log").exists()


def test_sync_once_reports_remaining_entries(
    tmp_path: Path, sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    account = ["--profile", "sandbox", "--base-url", sandbox.base_url]
    not_orderable = {**GOOD, "orderItems": [{"item": {"id": 1012}, "count": 1}]}
    assert (
        main(["drafts", "import", str(_order_file(tmp_path, "x.json", not_orderable)), *account])
        == 0
    )

    code = main(["sync", "--once", "--no-refresh", *account])

    err = capsys.readouterr().err
    assert code == 1
    assert "1 outbox entry not sent:" in err
    assert "#1 rejected" in err
    assert "cannot be ordered" in err


def test_sync_with_refused_key_pauses_and_says_so(
    sandbox: SandboxServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    account = ["--profile", "sandbox", "--base-url", sandbox.base_url]
    assert main(["drafts", "import", str(_order_file(tmp_path, "g.json", GOOD)), *account]) == 0
    monkeypatch.setenv("IMPILO_API_KEY", "not-the-sandbox-key")

    code = main(["sync", "--once", "--no-refresh", *account])

    out, err = capsys.readouterr()
    assert code == 1
    assert "Sending is paused: API key rejected." in err
    assert "not-the-sandbox-key" not in out + err
    assert main(["outbox", *account]) == 0
    assert "Sending is paused: API key rejected." in capsys.readouterr().out


def test_outbox_on_empty_profile(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["outbox", "--profile", "sandbox", "--base-url", sandbox.base_url]) == 0
    assert "The outbox is empty." in capsys.readouterr().out


def test_sync_once_leaves_the_outbox_to_a_running_sender(
    tmp_path: Path, sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    account = ["--profile", "sandbox", "--base-url", sandbox.base_url]
    assert main(["drafts", "import", str(_order_file(tmp_path, "g.json", GOOD)), *account]) == 0
    with _store(sandbox.base_url) as ui_store:
        assert ui_store.acquire_sender_lock("the-app-window", ttl=600)

        code = main(["sync", "--once", "--no-refresh", *account])

        err = capsys.readouterr().err
        assert code == 1
        assert "Another copy of Impilo Desktop is sending these orders" in err
        [entry] = ui_store.list_outbox()
        assert entry.state == EntryState.QUEUED
        assert entry.attempts == 0


def test_sync_once_forgets_cached_orders_past_the_retention(
    sandbox: SandboxServer, app_home: Path
) -> None:
    Settings(keep_orders_days=7).save(app_home)
    account = ["--profile", "sandbox", "--base-url", sandbox.base_url]
    with _store(sandbox.base_url) as store:
        store.cache_orders([Order(id=9_000_001), Order(id=9_000_002)])
        path = store.path
    key = DatabaseKey(passphrase=PASSPHRASE)
    with cipher.connect(path, key, key_path=path) as conn:  # the first was cached 8 days ago
        conn.execute(
            "UPDATE order_cache SET cached_at = cached_at - ? WHERE order_id = 9000001",
            (8 * 86_400,),
        )
    assert main(["sync", "--once", "--no-refresh", *account]) == 0
    with _store(sandbox.base_url) as store:
        assert store.cached_order(9_000_001) is None
        assert store.cached_order(9_000_002) is not None


def test_the_account_may_come_before_the_command(
    sandbox: SandboxServer,
    capsys: pytest.CaptureFixture[str],
    app_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given before `sync`, the address used to be dropped for the sub-command's default, and
    # the pass went to production.
    monkeypatch.setenv("IMPILO_API_KEY", sandbox.api_key)
    code = main(["--base-url", sandbox.base_url, "sync", "--once"])
    out, _ = capsys.readouterr()
    assert code == 0, out
    assert "Reference data refreshed" in out
    assert (app_home / "profiles" / "custom").is_dir()
    assert not (app_home / "profiles" / "production").exists()
    # Given after it, it wins over the one before.
    after = ["--profile", "sandbox", "--base-url", sandbox.base_url]
    assert main(["--profile", "staging", "outbox", *after]) == 0
    assert not (app_home / "profiles" / "staging").exists()

"""Every outbox entry goes to the server it was queued for, or to none: a bare `--base-url`
picks a profile of its own, production and staging keep their own servers, and entries whose
profile now talks to another server wait for a person (command line; the window's side is in
tests/ui/shell/test_drafts_page.py)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from impilo_desktop.cli import main
from impilo_desktop.config import (
    BUILTIN_BASE_URLS,
    ConfigError,
    Settings,
    profile_name_for_url,
    resolve_profile,
)
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.store import EntryState
from tests.sync.conftest import keyed_store

ORDER = {
    "patient": {"id": 10001, "firstName": "Lindiwe", "lastName": "Mokoena"},
    "orderItems": [{"item": {"id": 1001}, "count": 1}],
    "shippingOption": "standard",
}


@pytest.fixture
def order_file(tmp_path: Path) -> Path:
    path = tmp_path / "order.json"
    path.write_text(json.dumps(ORDER), encoding="utf-8")
    return path


def _orders_on(server: SandboxServer, reference: str) -> list[int]:
    page = httpx.get(
        f"{server.api_url}/order",
        params={"externalOrderId": reference},
        headers={"Impilo-API-Key": server.api_key},
        timeout=10,
    ).json()
    return [o["id"] for o in page["content"] if reference in o["externalOrderIds"]]


def test_a_bare_address_picks_its_own_profile_never_the_last_one() -> None:
    settings = Settings(last_profile="production")
    assert profile_name_for_url("https://app.impiloplatform.com/api/v3/") == "production"
    assert profile_name_for_url("https://staging.impiloplatform.com") == "staging"
    assert profile_name_for_url("http://127.0.0.1:1") == "custom"
    chosen = resolve_profile(None, "http://127.0.0.1:1", settings)
    assert (chosen.name, chosen.base_url) == ("custom", "http://127.0.0.1:1")
    assert resolve_profile(None, None, settings).name == "production"


@pytest.mark.parametrize("name", ["production", "staging"])
def test_production_and_staging_refuse_another_address(name: str) -> None:
    with pytest.raises(ConfigError, match=f"always talks to {BUILTIN_BASE_URLS[name]}"):
        resolve_profile(name, "https://impilo.example.org", Settings())
    same = resolve_profile(name, BUILTIN_BASE_URLS[name] + "/", Settings())
    assert same.base_url == BUILTIN_BASE_URLS[name]


def test_importing_with_a_bare_address_never_files_under_production(
    order_file: Path, app_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["drafts", "import", str(order_file), "--base-url", "http://127.0.0.1:1"]) == 0
    assert not (app_home / "profiles" / "production").exists()
    with keyed_store(app_home / "profiles" / "custom" / "impilo.sqlite3") as store:
        [entry] = store.list_outbox()
    assert entry.server == "http://127.0.0.1:1"

    # The reproduction from the field: production's outbox pointed at another server.
    code = main(["sync", "--once", "--profile", "production", "--base-url", "http://127.0.0.1:1"])
    assert code == 2
    assert "always talks to https://app.impiloplatform.com" in capsys.readouterr().err


def test_entries_wait_for_a_person_when_the_profile_moves_to_another_server(
    order_file: Path,
    app_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with SandboxServer() as first, SandboxServer() as second:
        monkeypatch.setenv("IMPILO_API_KEY", first.api_key)
        queued_on_first = ["--profile", "clinic", "--base-url", first.base_url]
        now_on_second = ["--profile", "clinic", "--base-url", second.base_url]
        assert main(["drafts", "import", str(order_file), *queued_on_first]) == 0
        capsys.readouterr()

        assert main(["sync", "--once", "--no-refresh", *now_on_second]) == 1
        out, err = capsys.readouterr()
        reason = (
            f"Queued for {first.base_url}; this profile now talks to {second.base_url}."
            f" Send it to {second.base_url}, or keep it waiting."
        )
        assert reason in out + err
        assert main(["outbox", *now_on_second]) == 0
        listing = capsys.readouterr().out
        assert "held" in listing
        assert reason in listing
        store_path = app_home / "profiles" / "clinic" / "impilo.sqlite3"
        with keyed_store(store_path) as store:
            [entry] = store.list_outbox()
        assert (entry.state, entry.held_for, entry.attempts) == (EntryState.HELD, "server", 0)
        assert _orders_on(first, entry.client_reference) == []
        assert _orders_on(second, entry.client_reference) == []

        # Held entries stay held: another sync (here, or back on the first server) sends nothing.
        assert main(["sync", "--once", "--no-refresh", *queued_on_first]) == 1
        assert _orders_on(first, entry.client_reference) == []

        # A person sends it to the second server.
        assert main(["outbox", "--release", str(entry.entry_id), *now_on_second]) == 0
        assert f"it goes to {second.base_url}" in capsys.readouterr().out
        assert main(["sync", "--once", "--no-refresh", *now_on_second]) == 0
        with keyed_store(store_path) as store:
            [sent] = store.list_outbox()
        assert sent.state == EntryState.SENT
        assert _orders_on(second, entry.client_reference) == [sent.order_id]
        assert _orders_on(first, entry.client_reference) == []

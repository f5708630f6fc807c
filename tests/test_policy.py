"""A computer's policy (managed deployment): read from its file, checked strictly, and in
force wherever a profile is chosen or a setting is read. The UI's side is in
tests/ui/shell/test_policy_settings.py."""

from __future__ import annotations

import json
import plistlib
from pathlib import Path

import pytest

from impilo_desktop import policy as policy_module
from impilo_desktop.config import (
    PROXY_MANUAL,
    PROXY_SYSTEM,
    ConfigError,
    NetworkOptions,
    Profile,
    Settings,
    resolve_profile,
)
from impilo_desktop.policy import (
    POLICY_ENV,
    Policy,
    PolicyError,
    current_policy,
    load_policy,
    parse_policy,
)
from impilo_desktop.secrets import KeyStore, MemoryKeyring
from impilo_desktop.start_choice import choice_without_keys, choose_start

CLINIC = "https://impilo.clinic.example"


def set_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **values: object) -> Path:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(values), encoding="utf-8")
    monkeypatch.setenv(POLICY_ENV, str(path))
    return path


def keys() -> KeyStore:
    return KeyStore(backend=MemoryKeyring(), env={})


def test_no_policy_fixes_nothing() -> None:
    policy = load_policy()
    assert policy == Policy()
    assert not policy.managed
    assert policy.allow_sandbox


def test_every_name_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = set_policy(
        tmp_path,
        monkeypatch,
        profile="clinic",
        base_url=CLINIC + "/api/v3/",
        allow_sandbox=False,
        proxy_mode="manual",
        proxy="proxy.clinic.local:8080",
        keep_orders_days=30,
        update_url="https://updates.clinic.example/impilo/",
    )
    policy = load_policy()
    assert policy.source == str(path)
    assert policy.server == Profile("clinic", CLINIC)
    assert not policy.allow_sandbox
    assert policy.network == NetworkOptions(PROXY_MANUAL, "http://proxy.clinic.local:8080")
    assert policy.keep_orders_days == 30
    assert policy.update_url == "https://updates.clinic.example/impilo/"


def test_a_managed_preferences_plist_and_registry_numbers(tmp_path: Path) -> None:
    # What an MDM configuration profile leaves in /Library/Managed Preferences, with its own
    # bookkeeping keys; what Group Policy writes as a DWORD for true/false.
    path = tmp_path / "com.impilo.desktop.plist"
    path.write_bytes(plistlib.dumps({"profile": "staging", "PayloadUUID": "x", "allow_sandbox": 0}))
    policy = parse_policy(policy_module._read_plist(path), str(path))
    assert policy.server == Profile("staging", "https://staging.impiloplatform.com")
    assert not policy.allow_sandbox


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"base_uri": CLINIC}, "unknown name base_uri"),
        ({"base_url": "http://impilo.clinic.example"}, "Plain http is only allowed"),
        ({"profile": "production", "base_url": CLINIC}, "the production profile always uses"),
        ({"profile": "sandbox"}, "the sandbox cannot be the fixed account"),
        ({"profile": "clinic"}, "profile clinic needs base_url"),
        ({"base_url": CLINIC}, "name the account for base_url with profile"),
        ({"profile": "custom", "base_url": CLINIC}, "choose a name of your own"),
        ({"allow_sandbox": "no"}, "allow_sandbox must be true or false"),
        ({"proxy": "proxy:8080"}, "proxy and pac_url need proxy_mode"),
        ({"proxy_mode": "manual"}, "Enter the proxy server as host:port"),
        ({"keep_orders_days": 0}, "keep_orders_days must be a whole number from 1 to 3650"),
        ({"update_url": "http://updates.example"}, "update_url must be an https:// address"),
        ({"base_url": 42}, "base_url must be text"),
    ],
)
def test_an_unusable_policy_is_refused_with_what_is_wrong(
    values: dict[str, object], says: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(values, "/etc/impilo-desktop/policy.json")
    message = str(caught.value)
    assert message.startswith(
        "Your organisation's settings for Impilo Desktop (/etc/impilo-desktop/policy.json)"
        " cannot be used: "
    )
    assert says in message
    assert message.endswith("Ask your IT team to correct them.")


def test_an_unreadable_policy_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "policy.json"
    path.write_text("{not json", encoding="utf-8")
    monkeypatch.setenv(POLICY_ENV, str(path))
    with pytest.raises(PolicyError, match="cannot be read"):
        choose_start(None, None, Settings(), keys())
    with pytest.raises(ConfigError, match="cannot be read"):
        resolve_profile("staging", None)  # the command line's sub-commands say it too


def test_the_system_policy_wins_and_the_variable_cannot_loosen_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = tmp_path / "etc-policy.json"
    system.write_text(json.dumps({"allow_sandbox": False}), encoding="utf-8")
    monkeypatch.setattr(policy_module, "LINUX_POLICY_FILE", system)
    set_policy(tmp_path, monkeypatch, allow_sandbox=True)
    policy = load_policy()
    assert policy.source == str(system)
    assert not policy.allow_sandbox


def test_a_fixed_server_is_the_only_account(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_policy(tmp_path, monkeypatch, profile="clinic", base_url=CLINIC)
    clinic = Profile("clinic", CLINIC)
    assert resolve_profile(None, None) == clinic
    assert resolve_profile(None, None, Settings(last_profile="staging")) == clinic
    assert resolve_profile("clinic", CLINIC) == clinic
    assert resolve_profile("clinic", None) == clinic  # e.g. IT's scheduled `sync --once`
    with pytest.raises(ConfigError, match="Your organisation has set Impilo Desktop to use"):
        resolve_profile("staging", None)
    with pytest.raises(ConfigError, match=CLINIC):
        resolve_profile(None, "https://other.example")
    with pytest.raises(ConfigError, match=CLINIC):
        resolve_profile("custom", "https://other.example")
    # The sandbox stays allowed unless the policy turns it off, on this computer only: a
    # "sandbox" profile at another address would be a way round the fixed server.
    assert resolve_profile("sandbox", None).is_sandbox
    assert resolve_profile("sandbox", "http://127.0.0.1:8765").is_sandbox
    with pytest.raises(ConfigError, match="the sandbox runs only on this computer"):
        resolve_profile("sandbox", "https://other.example")
    with pytest.raises(ConfigError, match="the sandbox runs only on this computer"):
        resolve_profile("sandbox", None, Settings(base_urls={"sandbox": "https://other.example"}))
    # The window opens the fixed account, also over the last profile used.
    last = choice_without_keys(None, None, Settings(last_profile="staging"))
    assert last is not None
    assert last.profile == clinic
    refused = choose_start("staging", None, Settings(), keys())
    assert refused.profile is None  # the sandbox, with the reason
    assert refused.notice is not None
    assert refused.notice.startswith("Your organisation has set Impilo Desktop to use")
    assert refused.notice.endswith("Started the sandbox instead.")


def test_without_the_sandbox_a_first_run_opens_the_account_that_asks_for_its_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_policy(tmp_path, monkeypatch, allow_sandbox=False)
    first = choose_start(None, None, Settings(), keys())
    assert first.profile is not None
    assert first.profile.name == "production"
    assert not first.first_run  # no welcome dialog with a sandbox button: the key prompt
    asked = choose_start("sandbox", None, Settings(), keys())
    assert asked.profile is not None
    assert asked.profile.name == "production"
    assert asked.notice == (
        "Your organisation has turned off the sandbox. Opened Production instead."
    )
    # The last profile was the sandbox: no longer opened.
    last = choose_start(None, None, Settings(last_profile="sandbox"), keys())
    assert last.profile is not None
    assert last.profile.name == "production"
    with pytest.raises(ConfigError, match="turned off the sandbox"):
        resolve_profile("sandbox", None)


def test_what_the_policy_fixes_overrides_and_does_not_overwrite_the_users_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_home: Path
) -> None:
    mine = Settings(network=NetworkOptions(PROXY_MANUAL, "http://mine:3128"), keep_orders_days=60)
    mine.save(app_home)
    set_policy(tmp_path, monkeypatch, proxy_mode="system", keep_orders_days=14)
    loaded = Settings.load(app_home)
    assert loaded.network == NetworkOptions(PROXY_SYSTEM)
    assert loaded.keep_orders_days == 14
    loaded.last_profile = "staging"
    loaded.save(app_home)  # e.g. after switching account
    monkeypatch.delenv(POLICY_ENV)
    back = Settings.load(app_home)
    assert back.last_profile == "staging"
    assert back.network == NetworkOptions(PROXY_MANUAL, "http://mine:3128")
    assert back.keep_orders_days == 60


def test_the_policy_applies_before_any_setting_was_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_home: Path
) -> None:
    set_policy(tmp_path, monkeypatch, proxy_mode="manual", proxy="proxy:3128")
    assert not Settings.path(app_home).exists()
    assert Settings.load(app_home).network == NetworkOptions(PROXY_MANUAL, "http://proxy:3128")


def test_an_empty_place_does_not_hide_the_policy_in_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # E.g. a registry key an ADMX import left empty before policy.json: here an empty
    # system file, then the file named by the variable.
    empty = tmp_path / "etc-policy.json"
    empty.write_text("{}", encoding="utf-8")
    monkeypatch.setattr(policy_module, "LINUX_POLICY_FILE", empty)
    set_policy(tmp_path, monkeypatch, allow_sandbox=False)
    assert not load_policy().allow_sandbox


def test_the_policy_is_read_once_and_a_broken_change_lifts_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_home: Path
) -> None:
    path = set_policy(tmp_path, monkeypatch, allow_sandbox=False, keep_orders_days=14)
    assert choose_start(None, None, Settings(), keys()).profile is not None
    # IT's tool is halfway through rewriting the file while the app runs.
    path.write_text('{"allow_sandbox": tr', encoding="utf-8")
    assert not current_policy().allow_sandbox
    assert Settings.load(app_home).keep_orders_days == 14
    with pytest.raises(ConfigError, match="turned off the sandbox"):
        resolve_profile("sandbox", None)


def test_the_policy_sets_the_update_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_home: Path
) -> None:
    from impilo_desktop.updates.state import UpdateFolder, UpdateSettings

    folder = UpdateFolder.of_home(app_home)
    set_policy(tmp_path, monkeypatch, update_url="https://updates.clinic.example/impilo/")
    assert UpdateSettings.load(folder).repository_url == "https://updates.clinic.example/impilo"
    monkeypatch.delenv(POLICY_ENV)
    UpdateSettings(repository_url="https://mine.example/impilo").save(folder)
    set_policy(tmp_path, monkeypatch, update_url="https://updates.clinic.example/impilo/")
    loaded = UpdateSettings.load(folder)
    assert loaded.repository_url == "https://updates.clinic.example/impilo"
    loaded.last_result = "Up to date"
    loaded.save(folder)  # after a check
    monkeypatch.delenv(POLICY_ENV)
    back = UpdateSettings.load(folder)
    assert back.repository_url == "https://mine.example/impilo"
    assert back.last_result == "Up to date"


def test_the_policy_can_turn_update_checks_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, app_home: Path
) -> None:
    from impilo_desktop.updates.state import UpdateFolder, UpdateSettings, fixed_repository_url

    set_policy(tmp_path, monkeypatch, update_url="none")
    assert load_policy().update_url == ""
    assert fixed_repository_url() == ""  # fixed, and to nothing: no checks
    assert UpdateSettings.load(UpdateFolder.of_home(app_home)).repository_url == ""

"""Settings a clinic's IT fixes for every user of a computer (managed deployment).

A policy can fix the server (a profile and its address), turn off the built-in sandbox, fix
the proxy, the number of days cached orders are kept, and the update repository. What it
fixes, a coordinator cannot change: the command line refuses it, Settings shows it greyed
out with "Set by your organisation", and saved user settings do not override it.

Where it is read (the first that exists wins; see packaging/README.md, "Managed deployment"):
- Windows: the registry key HKLM\\SOFTWARE\\Policies\\Impilo\\Impilo Desktop (Group Policy,
  Intune), else %ProgramData%\\Impilo Desktop\\policy.json;
- macOS: /Library/Managed Preferences/com.impilo.desktop.plist (a configuration profile from
  the MDM), else /Library/Application Support/Impilo Desktop/policy.json;
- Linux: /etc/impilo-desktop/policy.json;
- only where none of those exists: the file named by IMPILO_DESKTOP_POLICY (tests, and a
  portable copy). It can never loosen a system policy.

Every source uses the same names (`KEYS`). A policy that cannot be read, or that holds an
unknown name or an unusable value, stops the app at start with a plain message: running with
half a policy could send orders to a server IT did not choose.
"""

from __future__ import annotations

import json
import os
import plistlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from impilo_desktop.config import (
    BUILTIN_BASE_URLS,
    CUSTOM,
    KEEP_ORDERS_DAYS_RANGE,
    PROXY_MODES,
    SANDBOX,
    ConfigError,
    NetworkOptions,
    Profile,
    check_profile_name,
    is_loopback_host,
    normalize_base_url,
)

POLICY_ENV = "IMPILO_DESKTOP_POLICY"
BUNDLE_ID = "com.impilo.desktop"
REGISTRY_KEY = r"SOFTWARE\Policies\Impilo\Impilo Desktop"
LINUX_POLICY_FILE = Path("/etc/impilo-desktop/policy.json")
KEYS = (
    "profile",
    "base_url",
    "allow_sandbox",
    "proxy_mode",
    "proxy",
    "pac_url",
    "keep_orders_days",
    "update_url",
)
# What Settings and the command line say about a value the policy fixes.
FIXED_NOTE = "Set by your organisation."
# `update_url`'s value that turns self-update off on the computer.
NO_UPDATES = "none"


class PolicyError(ConfigError):
    """The policy cannot be used; the message is meant for the coordinator (and IT). A
    ConfigError, so every command that reports a bad setting reports this one too."""


@dataclass(frozen=True)
class Policy:
    """What IT fixed; None (or True for the sandbox) where the coordinator decides."""

    source: str | None = None
    server: Profile | None = None
    allow_sandbox: bool = True
    network: NetworkOptions | None = None
    keep_orders_days: int | None = None
    update_url: str | None = None  # "": no update checks ("none" in the policy)

    @property
    def managed(self) -> bool:
        return self.source is not None

    def default_profile(self) -> Profile:
        """The account to open when nothing else says which: the fixed server, else
        production."""
        production = "production"
        return self.server or Profile(production, BUILTIN_BASE_URLS[production])

    def check_profile(self, profile: Profile) -> None:
        """ConfigError when the policy does not allow opening `profile`."""
        if profile.is_sandbox:
            if not self.allow_sandbox:
                raise ConfigError("Your organisation has turned off the sandbox on this computer.")
            host = urlsplit(profile.base_url).hostname or ""
            if self.server is not None and not is_loopback_host(host):
                # A "sandbox" elsewhere would be a way round the fixed server.
                raise ConfigError(
                    "On this computer the sandbox runs only on this computer (127.0.0.1);"
                    f" your organisation has set Impilo Desktop to use {self.server.base_url}."
                )
            return
        if self.server is not None and profile != self.server:
            raise ConfigError(
                f"Your organisation has set Impilo Desktop to use {self.server.base_url}"
                f" ({self.server.name}) on this computer."
            )


def parse_policy(raw: Mapping[str, object], source: str) -> Policy:
    """A policy from its names and values; PolicyError names what is wrong and where."""

    def problem(text: str) -> PolicyError:
        return PolicyError(
            f"Your organisation's settings for Impilo Desktop ({source}) cannot be used: {text}"
            " Ask your IT team to correct them."
        )

    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise problem(f"unknown name {', '.join(unknown)} (known: {', '.join(KEYS)}).")

    def text(name: str) -> str | None:
        value = raw.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise problem(f"{name} must be text.")
        return value.strip()

    try:
        server = _server(text("profile"), text("base_url"))
        allow = raw.get("allow_sandbox", True)
        if isinstance(allow, int) and not isinstance(allow, bool) and allow in (0, 1):
            allow = bool(allow)  # a registry DWORD
        if not isinstance(allow, bool):
            raise ConfigError("allow_sandbox must be true or false (1 or 0).")
        network = None
        mode = text("proxy_mode")
        if mode is not None:
            if mode not in PROXY_MODES:
                raise ConfigError(f"proxy_mode must be one of {', '.join(PROXY_MODES)}.")
            network = NetworkOptions(mode, text("proxy") or "", text("pac_url") or "").check()
        elif text("proxy") or text("pac_url"):
            raise ConfigError("proxy and pac_url need proxy_mode (manual or pac).")
        days = raw.get("keep_orders_days")
        low, high = KEEP_ORDERS_DAYS_RANGE
        if days is not None and (
            not isinstance(days, int) or isinstance(days, bool) or not low <= days <= high
        ):
            raise ConfigError(f"keep_orders_days must be a whole number from {low} to {high}.")
        update_url = text("update_url")
        if update_url is not None and update_url.lower() == NO_UPDATES:
            update_url = ""  # fixed to no repository: no update checks (updates/state.py)
        elif update_url is not None and not update_url.startswith("https://"):
            raise ConfigError('update_url must be an https:// address, or "none".')
    except ConfigError as exc:
        raise problem(str(exc)) from None
    return Policy(source, server, allow, network, days, update_url)


def _server(name: str | None, base_url: str | None) -> Profile | None:
    if name is None and base_url is None:
        return None
    if name == SANDBOX:
        raise ConfigError("the sandbox cannot be the fixed account (see allow_sandbox).")
    url = normalize_base_url(base_url) if base_url else None
    if name is None:
        known = [n for n, builtin in BUILTIN_BASE_URLS.items() if builtin == url]
        if not known:
            # Not `custom`: that is the coordinator's own "Another server…" account, whose
            # key and waiting orders belong to another server.
            raise ConfigError("name the account for base_url with profile (e.g. clinic).")
        name = known[0]
    if name == CUSTOM:
        raise ConfigError(
            'profile custom is the coordinator\'s own "Another server…" account; choose a'
            " name of your own (e.g. clinic)."
        )
    check_profile_name(name)
    builtin = BUILTIN_BASE_URLS.get(name)
    if builtin and url and url != builtin:
        raise ConfigError(f"the {name} profile always uses {builtin}, not {url}.")
    url = url or builtin
    if url is None:
        raise ConfigError(f"profile {name} needs base_url.")
    return Profile(name, url)


def _read_json(path: Path) -> Mapping[str, object]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PolicyError(
            f"Your organisation's settings for Impilo Desktop ({path}) cannot be read:"
            f" {exc}. Ask your IT team to correct them."
        ) from None
    if not isinstance(raw, dict):
        raise PolicyError(
            f"Your organisation's settings for Impilo Desktop ({path}) are not a JSON object."
            " Ask your IT team to correct them."
        )
    return raw


def _read_plist(path: Path) -> Mapping[str, object]:
    try:
        with path.open("rb") as file:
            raw = plistlib.load(file)
    except (OSError, ValueError, plistlib.InvalidFileException) as exc:
        raise PolicyError(
            f"Your organisation's settings for Impilo Desktop ({path}) cannot be read:"
            f" {exc}. Ask your IT team to correct them."
        ) from None
    if not isinstance(raw, dict):
        raise PolicyError(f"{path} is not a dictionary of settings.")
    # Configuration profiles add their own bookkeeping keys (PayloadUUID, ...).
    return {k: v for k, v in raw.items() if not k.startswith("Payload")}


def _read_registry() -> tuple[str, Mapping[str, object]] | None:
    if sys.platform != "win32":
        return None
    import winreg

    try:
        key = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, REGISTRY_KEY)
    except OSError:
        return None
    values: dict[str, object] = {}
    with key:
        index = 0
        while True:
            try:
                name, value, _kind = winreg.EnumValue(key, index)
            except OSError:
                break
            values[name] = value
            index += 1
    return rf"HKEY_LOCAL_MACHINE\{REGISTRY_KEY}", values


def system_sources() -> list[tuple[str, Callable[[], Mapping[str, object] | None]]]:
    """This platform's places, in order: (where, a reader that returns None when absent)."""

    def file(
        path: Path, read: Callable[[Path], Mapping[str, object]]
    ) -> Callable[[], Mapping[str, object] | None]:
        return lambda: read(path) if path.exists() else None

    if sys.platform == "win32":
        program_data = Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData"))
        json_path = program_data / "Impilo Desktop" / "policy.json"

        def registry() -> Mapping[str, object] | None:
            found = _read_registry()
            return None if found is None else found[1]

        return [
            (rf"HKEY_LOCAL_MACHINE\{REGISTRY_KEY}", registry),
            (str(json_path), file(json_path, _read_json)),
        ]
    if sys.platform == "darwin":
        managed = Path("/Library/Managed Preferences") / f"{BUNDLE_ID}.plist"
        json_path = Path("/Library/Application Support/Impilo Desktop/policy.json")
        return [
            (str(managed), file(managed, _read_plist)),
            (str(json_path), file(json_path, _read_json)),
        ]
    return [(str(LINUX_POLICY_FILE), file(LINUX_POLICY_FILE, _read_json))]


# The policy read by this process, once: a policy changed while the app runs applies from
# the next start, all at once (and one that breaks meanwhile cannot lift what it fixed). Keyed
# by where it may come from, so each test's own policy file is read.
_in_force: dict[tuple[str | None, str], Policy] = {}


def load_policy() -> Policy:
    """The policy in force (an unmanaged one when none is set); PolicyError when a policy
    exists but cannot be used."""
    key = (os.environ.get(POLICY_ENV), str(LINUX_POLICY_FILE))
    if key not in _in_force:
        _in_force[key] = _read_policy()
    return _in_force[key]


def _read_policy() -> Policy:
    for where, read in system_sources():
        raw = read()
        if raw:  # an empty key or profile (left by a tool) does not hide the next place
            return parse_policy(raw, where)
    override = os.environ.get(POLICY_ENV)
    if override:
        path = Path(override).expanduser()
        if path.exists():
            reader = _read_plist if path.suffix == ".plist" else _read_json
            return parse_policy(reader(path), str(path))
    return Policy()


def current_policy() -> Policy:
    """The policy this process read (`load_policy`, which the start and the command line
    call first and which stops them when the policy cannot be used). Only code that runs
    without that start (none in the app) sees an unusable policy as one that fixes nothing."""
    try:
        return load_policy()
    except PolicyError:
        return Policy(source="unusable")

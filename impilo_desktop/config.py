"""Folders, profiles and non-secret settings.

A *profile* is one Impilo account endpoint (production, staging, the sandbox, or a custom
host). Everything stored locally is kept per profile so that production, staging and sandbox
data never mix. Secrets never live here: see `impilo_desktop.secrets`. How the app reaches
servers (which proxy) is one `NetworkOptions` for every profile, kept in the same settings
file; `api/network.py` turns it into a route.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from impilo_desktop import APP_ID

HOME_ENV = "IMPILO_DESKTOP_HOME"
API_KEY_ENV = "IMPILO_API_KEY"

PRODUCTION = "production"
STAGING = "staging"
SANDBOX = "sandbox"

BUILTIN_BASE_URLS: dict[str, str] = {
    PRODUCTION: "https://app.impiloplatform.com",
    STAGING: "https://staging.impiloplatform.com",
}
# Where a standalone `impilo-desktop sandbox` listens by default.
DEFAULT_SANDBOX_PORT = 8765
DEFAULT_SANDBOX_URL = f"http://127.0.0.1:{DEFAULT_SANDBOX_PORT}"

_PROFILE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class ConfigError(ValueError):
    """A setting is unusable; the message is meant for the user."""


def app_home() -> Path:
    """The root folder for data, settings and logs (IMPILO_DESKTOP_HOME overrides it)."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_ID, appauthor=False))


def log_dir() -> Path:
    """The platform log folder, or `<home>/logs` for an overridden home (tests, portable)."""
    if os.environ.get(HOME_ENV):
        return app_home() / "logs"
    return Path(platformdirs.user_log_dir(APP_ID, appauthor=False))


def normalize_base_url(url: str) -> str:
    """Return a host root without trailing slash; refuse plain http except on loopback.

    The client appends `/api/v3` itself, so a pasted `.../api/v3` is stripped here.
    """
    text = url.strip().rstrip("/")
    if text.endswith("/api/v3"):
        text = text[: -len("/api/v3")]
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{url!r} is not a web address (expected https://host).")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(f"{url!r} should be a host root such as https://app.impiloplatform.com.")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ConfigError(
            "Plain http is only allowed for a server on this computer (127.0.0.1 or localhost);"
            " use https."
        )
    return text


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Profile:
    """One account endpoint; its name keys the keyring entry and the local data folder."""

    name: str
    base_url: str

    @property
    def is_sandbox(self) -> bool:
        return self.name == SANDBOX

    def data_dir(self, home: Path | None = None) -> Path:
        return (home or app_home()) / "profiles" / self.name


def check_profile_name(name: str) -> str:
    if not _PROFILE_NAME.match(name):
        raise ConfigError(
            f"Profile name {name!r} may use lower-case letters, digits, '-' and '_' (max 40)."
        )
    return name


CUSTOM = "custom"


def profile_name_for_url(base_url: str) -> str:
    """The profile a bare server address belongs to: production or staging for their own
    hosts, `custom` for anything else. Never the last profile used: an address typed for a
    test server must not file its drafts under production."""
    url = normalize_base_url(base_url)
    for name, known in BUILTIN_BASE_URLS.items():
        if url == known:
            return name
    return CUSTOM


def resolve_profile(
    name: str | None, base_url: str | None, settings: Settings | None = None
) -> Profile:
    """The profile chosen by `--profile` / `--base-url`, falling back to saved settings.

    A bare `--base-url` chooses its profile by address (`profile_name_for_url`). Production
    and staging always talk to their own servers: another address with their name is
    refused rather than silently pointing their outbox somewhere else.
    """
    from impilo_desktop.policy import load_policy  # policy builds on this module

    settings = settings or Settings.load()
    policy = load_policy()  # PolicyError (a ConfigError) when it cannot be used
    if policy.server is not None and not base_url and name in (None, policy.server.name):
        return policy.server  # the last profile used does not matter on a managed computer
    if base_url and not name:
        name = profile_name_for_url(base_url)
    profile_name = check_profile_name(name or settings.last_profile or PRODUCTION)
    builtin = BUILTIN_BASE_URLS.get(profile_name)
    if base_url and builtin and normalize_base_url(base_url) != builtin:
        raise ConfigError(
            f"The {profile_name} profile always talks to {builtin}. For another server leave"
            " out --profile (or give it a name of its own, e.g. --profile test-server)."
        )
    url = base_url or builtin or settings.base_urls.get(profile_name)
    if url is None:
        if profile_name == SANDBOX:
            url = DEFAULT_SANDBOX_URL
        else:
            raise ConfigError(f"Profile {profile_name!r} has no base URL; pass --base-url.")
    profile = Profile(profile_name, normalize_base_url(url))
    policy.check_profile(profile)
    return profile


# How to reach servers other than this computer (a server on this computer is always reached
# directly, whatever is chosen here).
PROXY_SYSTEM = "system"  # the environment's proxy variables, else the OS's proxy settings
PROXY_NONE = "none"
PROXY_MANUAL = "manual"  # one proxy, host:port
PROXY_PAC = "pac"  # an automatic-configuration (PAC) file
PROXY_MODES = (PROXY_SYSTEM, PROXY_NONE, PROXY_MANUAL, PROXY_PAC)


@dataclass(frozen=True)
class NetworkOptions:
    """The proxy choice: `proxy` is used in manual mode, `pac_url` in PAC mode (both kept
    when another mode is chosen, so switching back does not lose them)."""

    proxy_mode: str = PROXY_SYSTEM
    proxy: str = ""
    pac_url: str = ""

    @classmethod
    def from_json(cls, raw: object) -> NetworkOptions:
        """Read the saved form leniently: anything unusable falls back to system settings,
        so a hand-edited file can never stop the app from starting."""
        if not isinstance(raw, dict):
            return cls()
        mode, proxy, pac = raw.get("proxy_mode"), raw.get("proxy"), raw.get("pac_url")
        options = cls(
            proxy_mode=mode if mode in PROXY_MODES else PROXY_SYSTEM,
            proxy=proxy if isinstance(proxy, str) else "",
            pac_url=pac if isinstance(pac, str) else "",
        )
        try:
            options.check()
        except ConfigError:
            return cls(proxy=options.proxy, pac_url=options.pac_url)
        return options

    def to_json(self) -> dict[str, str]:
        return {"proxy_mode": self.proxy_mode, "proxy": self.proxy, "pac_url": self.pac_url}

    def check(self) -> NetworkOptions:
        """The options with the chosen mode's address normalised; ConfigError when unusable."""
        if self.proxy_mode == PROXY_MANUAL:
            return NetworkOptions(PROXY_MANUAL, normalize_proxy(self.proxy), self.pac_url)
        if self.proxy_mode == PROXY_PAC:
            return NetworkOptions(PROXY_PAC, self.proxy, normalize_pac_url(self.pac_url))
        if self.proxy_mode not in PROXY_MODES:
            raise ConfigError(f"{self.proxy_mode!r} is not a proxy choice.")
        return self


def normalize_proxy(text: str) -> str:
    """`host:port` or `http://host:port` as `http://host:port`. Only plain HTTP proxies: the
    connection to Impilo is encrypted end to end inside the proxy's tunnel either way."""
    value = text.strip().rstrip("/")
    if not value:
        raise ConfigError("Enter the proxy server as host:port, e.g. proxy.clinic.local:8080.")
    if "://" not in value:
        value = "http://" + value
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "http" or not parts.hostname or port is None or parts.path:
        raise ConfigError(
            f"{text.strip()!r} is not a proxy address; enter it as host:port, e.g."
            " proxy.clinic.local:8080."
        )
    if parts.username or parts.password:
        raise ConfigError(
            "Impilo Desktop cannot sign in to proxies yet; enter the proxy without a user name."
        )
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"http://{host}:{port}"


def normalize_pac_url(text: str) -> str:
    """An http, https or file address of a PAC file."""
    value = text.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https", "file") or (
        parts.scheme != "file" and not parts.hostname
    ):
        raise ConfigError(
            "Enter the address of the automatic configuration (PAC) file, e.g."
            " http://wpad.clinic.local/proxy.pac."
        )
    return value


# Settings > "Keep cached orders for N days": how long an order fetched for the history stays
# on this computer (patient data at rest; docs/decisions.md).
DEFAULT_KEEP_ORDERS_DAYS = 90
KEEP_ORDERS_DAYS_RANGE = (1, 3650)


def keep_orders_days(raw: object) -> int:
    """A saved retention, or the default when it is missing or unusable."""
    low, high = KEEP_ORDERS_DAYS_RANGE
    if isinstance(raw, int) and not isinstance(raw, bool) and low <= raw <= high:
        return raw
    return DEFAULT_KEEP_ORDERS_DAYS


@dataclass
class Settings:
    """Small non-secret preferences kept as JSON in the app home."""

    last_profile: str | None = None
    base_urls: dict[str, str] = field(default_factory=dict)
    network: NetworkOptions = field(default_factory=NetworkOptions)
    keep_orders_days: int = DEFAULT_KEEP_ORDERS_DAYS

    @staticmethod
    def path(home: Path | None = None) -> Path:
        return (home or app_home()) / "settings.json"

    @classmethod
    def load(cls, home: Path | None = None) -> Settings:
        try:
            raw: Any = json.loads(cls.path(home).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()._with_policy()
        if not isinstance(raw, dict):
            return cls()._with_policy()
        urls = raw.get("base_urls")
        last = raw.get("last_profile")
        return cls(
            last_profile=last if isinstance(last, str) else None,
            base_urls={str(k): str(v) for k, v in urls.items()} if isinstance(urls, dict) else {},
            network=NetworkOptions.from_json(raw.get("network")),
            keep_orders_days=keep_orders_days(raw.get("keep_orders_days")),
        )._with_policy()

    def _with_policy(self) -> Settings:
        """These settings with what the computer's policy fixes in place of the user's."""
        from impilo_desktop.policy import current_policy

        policy = current_policy()
        if policy.network is not None:
            self.network = policy.network
        if policy.keep_orders_days is not None:
            self.keep_orders_days = policy.keep_orders_days
        return self

    def save(self, home: Path | None = None) -> None:
        """Write the user's settings. What the policy fixes keeps the user's own saved value
        (the policy's is not copied in), so a computer taken out of management gets the
        user's choice back."""
        from impilo_desktop.policy import current_policy

        path = self.path(home)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        data: dict[str, Any] = {
            "last_profile": self.last_profile,
            "base_urls": self.base_urls,
            "network": self.network.to_json(),
            "keep_orders_days": self.keep_orders_days,
        }
        policy = current_policy()
        if policy.network is not None or policy.keep_orders_days is not None:
            try:
                saved: Any = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                saved = {}
            saved = saved if isinstance(saved, dict) else {}
            for name, fixed in (
                ("network", policy.network),
                ("keep_orders_days", policy.keep_orders_days),
            ):
                if fixed is not None:
                    data[name] = saved.get(name)
        tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(tmp, path)

"""Which profile the window opens: the command line's, else the last one used, else a
production key's, else the built-in sandbox (a first run). Qt-free; `choice_without_keys` is
the part decided without the keyring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from impilo_desktop.config import (
    PRODUCTION,
    SANDBOX,
    ConfigError,
    Profile,
    Settings,
    resolve_profile,
)

if TYPE_CHECKING:
    from impilo_desktop.secrets import KeyStore


@dataclass(frozen=True)
class StartChoice:
    """Which profile to open. `profile is None` means the built-in sandbox."""

    profile: Profile | None
    first_run: bool
    problem: str | None = None


def choice_without_keys(
    name: str | None, base_url: str | None, settings: Settings
) -> StartChoice | None:
    """What the command line or the last profile decides; None when neither does and the
    choice depends on a stored production key."""
    if name == SANDBOX and not base_url and not settings.base_urls.get(SANDBOX):
        return StartChoice(None, first_run=False)
    if name or base_url:
        # A bare --base-url chooses its profile by address, as on the command line.
        try:
            return StartChoice(resolve_profile(name, base_url, settings), first_run=False)
        except ConfigError as exc:
            return StartChoice(None, first_run=False, problem=str(exc))
    last = settings.last_profile
    if last:
        if last == SANDBOX and not settings.base_urls.get(SANDBOX):
            return StartChoice(None, first_run=False)
        try:
            return StartChoice(resolve_profile(last, None, settings), first_run=False)
        except ConfigError as exc:
            return StartChoice(None, first_run=True, problem=str(exc))
    return None


def choose_start(
    name: str | None, base_url: str | None, settings: Settings, keys: KeyStore
) -> StartChoice:
    """Decide what to open: what the command line says, else the last profile, else a
    production key if one is stored or in the environment, else the sandbox (first run)."""
    choice = choice_without_keys(name, base_url, settings)
    if choice is not None:
        return choice
    if keys.from_environment() or keys.get_key(PRODUCTION):
        return StartChoice(resolve_profile(PRODUCTION, None, settings), first_run=False)
    return StartChoice(None, first_run=True)

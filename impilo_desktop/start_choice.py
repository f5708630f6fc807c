"""Which profile the window opens: the command line's, else the account the computer's policy
fixes, else the last one used, else a production key's, else the built-in sandbox (a first
run; where the policy turns the sandbox off, the default account, which asks for its key).
Qt-free; `choice_without_keys` is the part decided without the keyring."""

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
from impilo_desktop.policy import Policy, current_policy, load_policy

if TYPE_CHECKING:
    from impilo_desktop.secrets import KeyStore


@dataclass(frozen=True)
class StartChoice:
    """Which profile to open. `profile is None` means the built-in sandbox."""

    profile: Profile | None
    first_run: bool
    problem: str | None = None

    @property
    def notice(self) -> str | None:
        """What the window says about the problem, with what it opened instead."""
        if self.problem is None:
            return None
        if self.profile is None:
            return f"{self.problem} Started the sandbox instead."
        return f"{self.problem} Opened {self.profile.name.capitalize()} instead."


def _instead(policy: Policy, problem: str, *, first_run: bool) -> StartChoice:
    """The sandbox when the command line or the last profile cannot be opened; where the
    policy turns the sandbox off, the default account."""
    if policy.allow_sandbox:
        return StartChoice(None, first_run=first_run, problem=problem)
    return StartChoice(policy.default_profile(), first_run=False, problem=problem)


def choice_without_keys(
    name: str | None, base_url: str | None, settings: Settings, policy: Policy | None = None
) -> StartChoice | None:
    """What the command line, the policy or the last profile decides; None when none does
    and the choice depends on a stored production key. Without `policy`, one that cannot be
    used is read as fixing nothing (`choose_start` reads it strictly and refuses to start)."""
    policy = policy or current_policy()
    built_in_sandbox = not settings.base_urls.get(SANDBOX)
    if name == SANDBOX and not base_url and built_in_sandbox:
        if policy.allow_sandbox:
            return StartChoice(None, first_run=False)
        return _instead(policy, "Your organisation has turned off the sandbox.", first_run=False)
    if name or base_url:
        # A bare --base-url chooses its profile by address, as on the command line.
        try:
            return StartChoice(resolve_profile(name, base_url, settings), first_run=False)
        except ConfigError as exc:
            return _instead(policy, str(exc), first_run=False)
    if policy.server is not None:
        return StartChoice(policy.server, first_run=False)
    last = settings.last_profile
    if last == SANDBOX and built_in_sandbox:
        return StartChoice(None, first_run=False) if policy.allow_sandbox else None
    if last:
        try:
            return StartChoice(resolve_profile(last, None, settings), first_run=False)
        except ConfigError as exc:
            return _instead(policy, str(exc), first_run=True)
    return None


def choose_start(
    name: str | None, base_url: str | None, settings: Settings, keys: KeyStore
) -> StartChoice:
    """Decide what to open: what the command line says, else the last profile, else a
    production key if one is stored or in the environment, else the sandbox (first run)."""
    policy = load_policy()  # PolicyError (a ConfigError): the window says it cannot start
    choice = choice_without_keys(name, base_url, settings, policy)
    if choice is not None:
        return choice
    if keys.from_environment() or keys.get_key(PRODUCTION):
        return StartChoice(resolve_profile(PRODUCTION, None, settings), first_run=False)
    if not policy.allow_sandbox:
        return StartChoice(policy.default_profile(), first_run=False)  # it asks for a key
    return StartChoice(None, first_run=True)

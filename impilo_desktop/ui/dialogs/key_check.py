"""Test an API key against a server and say what happened in plain language.

Plain asyncio (run it through the bridge); the UI only shows `KeyCheckResult.message`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from impilo_desktop.api.errors import (
    AuthenticationError,
    ImpiloError,
    ProxyRefused,
    RateLimited,
    ServerError,
    Unreachable,
    UntrustedCertificate,
)
from impilo_desktop.config import NetworkOptions

SAVE_ANYWAY = "You can save the key now; Impilo Desktop will connect once this is fixed."


class KeyCheckOutcome(StrEnum):
    OK = "ok"
    REJECTED = "rejected"
    UNREACHABLE = "unreachable"
    PROBLEM = "problem"


@dataclass(frozen=True)
class KeyCheckResult:
    outcome: KeyCheckOutcome
    message: str

    @property
    def ok(self) -> bool:
        return self.outcome is KeyCheckOutcome.OK


async def check_key(
    base_url: str,
    api_key: str,
    *,
    read_timeout: float = 10.0,
    network: NetworkOptions | None = None,
) -> KeyCheckResult:
    """Ask the server for one site: the cheapest request every key may make. `network` is
    the proxy choice from Settings (default: the system's)."""
    from impilo_desktop.api.client import ImpiloClient

    try:
        async with ImpiloClient(
            base_url, api_key, timeout=read_timeout, connect_timeout=5.0, network=network
        ) as client:
            page = await client.list_sites(page=1, size=1)
    except AuthenticationError as exc:
        status = f" ({exc.status})" if exc.status else ""
        return KeyCheckResult(
            KeyCheckOutcome.REJECTED,
            f"Impilo did not accept this key{status}. Check that you copied all of it, that it "
            "has not expired or been deactivated, and that it belongs to this server.",
        )
    except (UntrustedCertificate, ProxyRefused) as exc:
        # Not "offline": the network works, but this computer's certificates or its proxy
        # stand in the way, and only IT (or Settings) can change that.
        return KeyCheckResult(KeyCheckOutcome.UNREACHABLE, f"{exc.message} {SAVE_ANYWAY}")
    except Unreachable:
        return KeyCheckResult(
            KeyCheckOutcome.UNREACHABLE,
            "Could not reach the server. Check the internet connection (and the address); "
            "you can save the key now and Impilo Desktop will connect when it can.",
        )
    except (RateLimited, ServerError) as exc:
        return KeyCheckResult(
            KeyCheckOutcome.UNREACHABLE,
            f"The server is busy or having trouble ({exc.message}). Try again in a minute.",
        )
    except ImpiloError as exc:
        return KeyCheckResult(KeyCheckOutcome.PROBLEM, f"The test did not work: {exc.message}")
    sites = page.total
    if sites is None:
        return KeyCheckResult(KeyCheckOutcome.OK, "Connected. The key works.")
    where = f"{sites} site" + ("" if sites == 1 else "s")
    return KeyCheckResult(KeyCheckOutcome.OK, f"Connected. The key works ({where} on the account).")

"""What every page of the window needs, handed over in one object (no globals)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from impilo_desktop.config import NetworkOptions, Profile

if TYPE_CHECKING:
    from impilo_desktop.api.client import ImpiloClient
    from impilo_desktop.secrets import KeyStore
    from impilo_desktop.store import Store
    from impilo_desktop.ui.plumbing.bridge import AsyncBridge
    from impilo_desktop.ui.plumbing.outbox_controller import OutboxController


@dataclass
class AppServices:
    """The profile, its store (UI-thread connection), the async bridge, the key store, the
    outbox controller and the proxy choice (`network`, from Settings; every client made
    here uses it). Pages take this in their constructor."""

    profile: Profile
    home: Path
    store: Store
    bridge: AsyncBridge
    keys: KeyStore
    outbox: OutboxController
    network: NetworkOptions = field(default_factory=NetworkOptions)
    _client: ImpiloClient | None = field(default=None, repr=False)
    _client_key: str = field(default="", repr=False)

    def api_key(self) -> str | None:
        """The key for the current profile (env override, keyring or session fallback)."""
        return self.keys.get_key(self.profile.name)

    def client(self) -> ImpiloClient:
        """The one shared client, made with the key the key store holds now. It lives on the
        bridge loop: call it only inside coroutines submitted through `bridge.submit`.

        A client is made for one key. When the key has changed since (saved on this loop, so
        before any request asked for after it), the old client is retired and a new one
        made: a request never goes out with a key the coordinator has already replaced, or
        without the key just entered, whoever noticed the change first."""
        key = self.api_key() or ""
        if self._client is not None and key != self._client_key:
            self.reset_client()
        if self._client is None:
            from impilo_desktop.api.client import ImpiloClient

            self._client_key = key
            self._client = ImpiloClient(
                self.profile.base_url,
                key,
                network=self.network,
                # Every answer (or failure) keeps the online light current, whoever asked.
                observer=self.outbox.probe.heard,
            )
            self.bridge.add_closer(self._close_client)
        return self._client

    def reset_client(self) -> None:
        """Forget the shared client (after the key, base URL or proxy changed). The old one is
        closed on the bridge loop a little later, so requests other pages have in flight
        on it can finish instead of losing their connection."""
        old, self._client = self._client, None
        if old is not None:
            self.bridge.submit(_retire(old))

    async def _close_client(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()


async def _retire(client: ImpiloClient, grace: float = 2.0) -> None:
    try:
        await asyncio.sleep(grace)
    finally:
        await client.aclose()

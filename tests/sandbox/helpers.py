"""Plain httpx clients on a sandbox, so the sandbox tests need nothing but the server."""

from __future__ import annotations

import httpx

from impilo_desktop.sandbox import SandboxServer


def http_client(server: SandboxServer) -> httpx.Client:
    return httpx.Client(
        base_url=server.api_url, headers={"Impilo-API-Key": server.api_key}, timeout=10.0
    )

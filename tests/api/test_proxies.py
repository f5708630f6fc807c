"""Proxies: a server on this computer is always reached directly (the key header never goes
to a proxy host), while other servers keep the environment's proxy, which clinic networks
need. The "proxy" here is a recorder on 127.0.0.1 that refuses every request."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator

import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import ImpiloError
from impilo_desktop.api.retry import NO_RETRY
from impilo_desktop.sandbox import SandboxServer

pytestmark = pytest.mark.anyio

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


class _Recorder(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.server.seen.append(self.rfile.read1(65536))  # type: ignore[attr-defined]
        self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every proxy variable points at the recorder; yields what it received."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Recorder)
    server.daemon_threads = True
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    try:
        yield server.seen  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


async def test_a_server_on_this_computer_is_never_reached_through_a_proxy(
    proxy: list[bytes], sandbox: SandboxServer
) -> None:
    async with ImpiloClient(sandbox.base_url, sandbox.api_key) as client:
        page = await client.list_sites(size=1)
    assert len(page.content) == 1
    assert proxy == []  # nothing, and so no key, went to the proxy host


async def test_other_servers_go_through_the_environment_proxy(proxy: list[bytes]) -> None:
    key = "sk-live-PROXY-3b1e"
    async with ImpiloClient("https://app.impiloplatform.com", key, retry=NO_RETRY) as client:
        with pytest.raises(ImpiloError):
            await client.list_sites(size=1)
    assert len(proxy) == 1
    assert proxy[0].startswith(b"CONNECT app.impiloplatform.com:443 ")
    assert key.encode() not in proxy[0]  # the key travels inside the tunnel only

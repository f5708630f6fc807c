"""Proxies: a server on this computer is always reached directly (the key header never goes
to a proxy host); other servers take the route the proxy setting gives (the system's, none,
one proxy, or a PAC file). A proxy that does not open the tunnel is "not sent", with its own
message. The proxies here are recorders on 127.0.0.1 that answer every request with a fixed
status; requests to app.impiloplatform.com only ever reach them."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import ProxyRefused
from impilo_desktop.api.network import find_route
from impilo_desktop.api.retry import NO_RETRY, RetryPolicy
from impilo_desktop.config import (
    PROXY_MANUAL,
    PROXY_NONE,
    PROXY_PAC,
    ConfigError,
    NetworkOptions,
    Settings,
    normalize_proxy,
)
from impilo_desktop.sandbox import SandboxServer
from tests.network_servers import PacServer, Proxy, pac_script, refusing_port

pytestmark = pytest.mark.anyio

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")
PRODUCTION = "https://app.impiloplatform.com"
KEY = "sk-live-PROXY-3b1e"
CONNECT = b"CONNECT app.impiloplatform.com:443 "
REFUSED_502 = (
    "The proxy server refused the connection: it answered HTTP 502 Bad Gateway when asked for"
    " app.impiloplatform.com. Nothing was sent."
)
SIGN_IN_407 = (
    "The proxy server asks for a sign-in (HTTP 407); Impilo Desktop cannot sign in to proxies"
    " yet. Ask IT to let app.impiloplatform.com through the proxy without a sign-in."
)


@pytest.fixture(autouse=True)
def no_environment_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*PROXY_VARIABLES, "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    """Every proxy variable points at a recorder; yields what it received."""
    with Proxy() as running:
        for name in PROXY_VARIABLES:
            monkeypatch.setenv(name, running.url)
        yield running.seen


async def refused(options: NetworkOptions | None = None, **kw: object) -> ProxyRefused:
    """The error a read of production gives along `options` (NO_RETRY unless given)."""
    retry = kw.get("retry", NO_RETRY)
    assert isinstance(retry, RetryPolicy)
    async with ImpiloClient(PRODUCTION, KEY, retry=retry, network=options) as client:
        with pytest.raises(ProxyRefused) as caught:
            await client.list_sites(size=1)
    assert caught.value.maybe_sent is False
    return caught.value


async def test_a_server_on_this_computer_is_never_reached_through_a_proxy(
    proxy: list[bytes], sandbox: SandboxServer
) -> None:
    with refusing_port() as port:
        for options in (None, NetworkOptions(PROXY_MANUAL, proxy=f"127.0.0.1:{port}")):
            async with ImpiloClient(sandbox.base_url, sandbox.api_key, network=options) as c:
                page = await c.list_sites(size=1)
            assert len(page.content) == 1
    assert proxy == []  # nothing, and so no key, went to the proxy host


async def test_other_servers_go_through_the_environment_proxy(proxy: list[bytes]) -> None:
    error = await refused()
    assert error.message == REFUSED_502
    assert error.status == 502
    assert len(proxy) == 1
    assert proxy[0].startswith(CONNECT)
    assert KEY.encode() not in proxy[0]  # the key travels inside the tunnel only


async def test_the_proxy_in_settings_is_used_instead_of_the_environment(
    proxy: list[bytes],
) -> None:
    with Proxy() as chosen:
        error = await refused(NetworkOptions(PROXY_MANUAL, proxy=chosen.address))
    assert error.message == REFUSED_502
    assert [seen[: len(CONNECT)] for seen in chosen.seen] == [CONNECT]
    assert proxy == []


async def test_no_proxy_in_settings_ignores_the_environment(proxy: list[bytes]) -> None:
    # Only the route is asked for: a direct request would go to the real host.
    route = await find_route(PRODUCTION, NetworkOptions(PROXY_NONE))
    assert route.proxy is None
    assert str(route) == "directly (Settings: no proxy)"
    assert proxy == []


async def test_no_proxy_variable_is_honoured(
    proxy: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "staging.impiloplatform.com,.clinic.local")
    staging = await find_route("https://staging.impiloplatform.com", NetworkOptions())
    assert staging.proxy is None
    assert staging.via == "proxy environment variables: this server is on the bypass list"
    production = await find_route(PRODUCTION, NetworkOptions())
    assert production.proxy is not None
    assert production.via == "proxy environment variables"


async def test_a_proxy_asking_for_a_sign_in_has_its_own_message_and_is_not_retried() -> None:
    answer = b'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="x"'
    with Proxy(answer=answer) as strict:
        error = await refused(
            NetworkOptions(PROXY_MANUAL, proxy=strict.address), retry=RetryPolicy()
        )
    assert error.message == SIGN_IN_407
    assert error.status == 407
    assert error.retryable is False
    assert len(strict.seen) == 1


async def test_a_proxy_that_is_not_there_means_nothing_was_sent() -> None:
    with refusing_port() as port:
        address = f"127.0.0.1:{port}"
        error = await refused(NetworkOptions(PROXY_MANUAL, proxy=address))
    assert error.message == (
        f"The proxy server refused the connection: nothing answered at {address}. Nothing was"
        " sent; check the proxy in Settings or ask IT."
    )
    assert address in error.detail


async def test_a_socks_proxy_from_the_environment_is_refused_plainly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "socks5://127.0.0.1:1080")
    error = await refused(retry=RetryPolicy())
    assert error.message == (
        "The proxy server set in proxy environment variables is a SOCKS5 proxy, which Impilo"
        " Desktop cannot use; ask IT for an HTTP proxy, or choose one in Settings."
    )
    assert error.retryable is False


async def test_a_pac_file_chooses_the_proxy(tmp_path: Path) -> None:
    with Proxy() as clinic:
        with PacServer(pac_script(clinic.address)) as pac:
            error = await refused(NetworkOptions(PROXY_PAC, pac_url=pac.url))
        assert pac.fetched == 1
        assert error.message == REFUSED_502
        assert [seen[: len(CONNECT)] for seen in clinic.seen] == [CONNECT]

        # The same from a file, and with a SOCKS entry first that is skipped.
        script = tmp_path / "proxy.pac"
        script.write_text(
            pac_script(f"{clinic.address}").replace("PROXY", "SOCKS 1.2.3.4:1; PROXY")
        )
        route = await find_route(PRODUCTION, NetworkOptions(PROXY_PAC, pac_url=script.as_uri()))
        assert route.proxy == clinic.url


async def test_a_pac_file_may_send_a_host_direct() -> None:
    with PacServer(pac_script("127.0.0.1:9")) as pac:
        route = await find_route(
            "https://impilo.clinic.local", NetworkOptions(PROXY_PAC, pac_url=pac.url)
        )
    assert route.proxy is None
    assert route.via.endswith(": DIRECT")


@pytest.mark.parametrize("problem", ["unreachable", "malformed"])
async def test_a_pac_file_that_cannot_be_used_means_direct_with_a_warning(
    problem: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    if problem == "unreachable":
        with refusing_port() as port:
            url = f"http://127.0.0.1:{port}/proxy.pac"
            route = await find_route(PRODUCTION, NetworkOptions(PROXY_PAC, pac_url=url))
    else:
        with PacServer("function FindProxyForURL(url, host) { return (; }") as pac:
            url = pac.url
            route = await find_route(PRODUCTION, NetworkOptions(PROXY_PAC, pac_url=url))
    assert route.proxy is None
    assert f"The PAC file {url} could not be used" in caplog.text


def test_proxy_addresses_are_checked_when_set() -> None:
    assert normalize_proxy(" proxy.clinic.local:8080 ") == "http://proxy.clinic.local:8080"
    assert normalize_proxy("http://10.0.0.1:3128/") == "http://10.0.0.1:3128"
    for bad in ("", "proxy.clinic.local", "https://proxy:443", "http://u:p@proxy:8080"):
        with pytest.raises(ConfigError):
            normalize_proxy(bad)


def test_the_choice_is_kept_in_the_settings_file_and_read_leniently(tmp_path: Path) -> None:
    settings = Settings(last_profile="production")
    settings.network = NetworkOptions(PROXY_PAC, proxy="", pac_url="http://wpad.clinic.local/p.pac")
    settings.save(tmp_path)
    assert Settings.load(tmp_path).network == settings.network
    # Written by hand or by an older version: unusable values fall back to system settings
    # (keeping what was typed), and a file without the key reads as the default.
    for raw, expected in [
        ({"proxy_mode": "manual", "proxy": "no port"}, NetworkOptions(proxy="no port")),
        ({"proxy_mode": "teleport"}, NetworkOptions()),
        ("manual", NetworkOptions()),
    ]:
        Settings.path(tmp_path).write_text(json.dumps({"network": raw}), encoding="utf-8")
        assert Settings.load(tmp_path).network == expected
    Settings.path(tmp_path).write_text(json.dumps({"last_profile": "staging"}), encoding="utf-8")
    assert Settings.load(tmp_path).network == NetworkOptions()


async def test_no_proxy_alone_does_not_stop_the_system_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_PROXY", "localhost")
    route = await find_route(PRODUCTION, NetworkOptions())
    # On Linux the system's settings are the environment: no proxy at all.
    assert route.proxy is None
    assert route.via == "the system's proxy settings: no proxy set"

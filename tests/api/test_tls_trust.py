"""Certificates are checked against this computer's trust store (truststore), so a clinic's
TLS-inspecting proxy is trusted once IT installs its root certificate, and a certificate that
fails says so plainly instead of "offline".

A private CA made here signs the certificates of an HTTPS server on 127.0.0.1. On Linux the
trust store is OpenSSL's default paths, which a clinic (or this test) extends with
SSL_CERT_FILE: unset, the CA is unknown; pointing at the CA, it is trusted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import UntrustedCertificate
from impilo_desktop.api.retry import NO_RETRY
from impilo_desktop.ui.dialogs.key_check import KeyCheckOutcome, check_key
from tests.network_servers import KEY, HttpsServer, Issued, Proxy, make_ca, make_server_cert

pytestmark = pytest.mark.anyio

UNTRUSTED = "The connection's certificate is not trusted by this computer: "
UNKNOWN_ISSUER = (
    UNTRUSTED + "it was issued by an authority this computer does not trust. If your"
    " organisation inspects secure connections, ask IT to add its root certificate to this"
    " computer's certificate store."
)
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")


@pytest.fixture(autouse=True)
def system_store_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's own trust store, nothing added, and no proxy from the environment."""
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR", "NO_PROXY", "no_proxy", *PROXY_VARIABLES):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def ca(tmp_path: Path) -> Issued:
    return make_ca(tmp_path)


@pytest.fixture
def server(tmp_path: Path, ca: Issued) -> Iterator[HttpsServer]:
    with HttpsServer(make_server_cert(tmp_path, ca)) as running:
        yield running


async def test_an_unknown_authority_is_named_as_such_not_offline(server: HttpsServer) -> None:
    async with ImpiloClient(server.base_url, KEY) as client:
        with pytest.raises(UntrustedCertificate) as caught:
            await client.list_sites(size=1)
    assert caught.value.message == UNKNOWN_ISSUER
    assert caught.value.maybe_sent is False  # no request left: the handshake failed first
    assert "Could not reach" not in caught.value.message
    assert server.paths == []
    # Not retried (the answer would be the same): one refused handshake, and the client is done.
    assert server.wait_refused(1) == 1


async def test_a_certificate_trusted_by_the_system_store_works_on_a_loopback_server(
    server: HttpsServer, ca: Issued, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A loopback server is reached with trust_env=False (no proxy); the trust store, passed
    # to httpx explicitly, still applies and reads SSL_CERT_FILE, where httpx's own default
    # context would not with trust_env off.
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.cert_file))
    async with ImpiloClient(server.base_url, KEY) as client:
        page = await client.list_sites(size=1)
    assert page.total == 0
    assert server.paths == ["/api/v3/site?page=1&size=1"]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (
            "self-signed",
            UNTRUSTED + "the server's certificate is self-signed. If this is your"
            " organisation's own server, ask IT to add its certificate to this computer's"
            " certificate store.",
        ),
        (
            "expired",
            UNTRUSTED + "the certificate has expired. Check this computer's date and time.",
        ),
        (
            "wrong host",
            UNTRUSTED + "the certificate is for another server name, not 127.0.0.1. Check the"
            " server address.",
        ),
    ],
)
async def test_each_certificate_problem_has_its_plain_reason(
    tmp_path: Path, ca: Issued, monkeypatch: pytest.MonkeyPatch, kind: str, message: str
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca.cert_file))  # the CA itself is trusted
    identity = {
        "self-signed": lambda: make_server_cert(tmp_path, None, stem="own"),
        "expired": lambda: make_server_cert(tmp_path, ca, expired=True, stem="old"),
        "wrong host": lambda: make_server_cert(tmp_path, ca, ("other.example",), stem="other"),
    }[kind]()
    with HttpsServer(identity) as server:
        async with ImpiloClient(server.base_url, KEY, retry=NO_RETRY) as client:
            with pytest.raises(UntrustedCertificate) as caught:
                await client.list_sites(size=1)
    assert caught.value.message == message
    assert caught.value.maybe_sent is False


async def test_a_tls_inspecting_proxy_works_once_its_root_is_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clinic's case: the environment's proxy opens the tunnel and answers with its own
    certificate for app.impiloplatform.com, signed by the clinic's root. (The proxy sends
    every tunnel to a server on 127.0.0.1; nothing leaves this computer.)"""
    clinic_root = make_ca(tmp_path, "Clinic TLS Inspection Root")
    resigned = make_server_cert(tmp_path, clinic_root, ("app.impiloplatform.com",))
    with HttpsServer(resigned) as server, Proxy(tunnel_to=server.port) as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        url = "https://app.impiloplatform.com"
        async with ImpiloClient(url, KEY, retry=NO_RETRY) as client:
            with pytest.raises(UntrustedCertificate) as caught:
                await client.list_sites(size=1)
        assert caught.value.message == UNKNOWN_ISSUER
        assert server.paths == []

        monkeypatch.setenv("SSL_CERT_FILE", str(clinic_root.cert_file))  # IT installs it
        async with ImpiloClient(url, KEY, retry=NO_RETRY) as client:
            page = await client.list_sites(size=1)
    assert page.total == 0
    assert server.paths == ["/api/v3/site?page=1&size=1"]
    assert all(seen.startswith(b"CONNECT app.impiloplatform.com:443 ") for seen in proxy.seen)
    assert len(proxy.seen) == 2


async def test_the_welcome_key_check_names_the_certificate_problem(server: HttpsServer) -> None:
    result = await check_key(server.base_url, KEY)
    assert result.outcome is KeyCheckOutcome.UNREACHABLE  # the key can still be saved
    assert result.message.startswith(UNKNOWN_ISSUER)
    assert "Could not reach the server" not in result.message

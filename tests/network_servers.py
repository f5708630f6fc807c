"""Servers on 127.0.0.1 for the TLS and proxy tests: a private certificate authority, an HTTPS
server answering just enough of Impilo's API, an HTTP proxy that records and answers every
tunnel request with a fixed status, and a TLS-inspecting proxy that opens every tunnel to the
local HTTPS server whatever host was asked for (as a clinic's proxy re-signs traffic).

Everything listens on 127.0.0.1 only and stops when its `with` block ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import json
import select
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KEY = "tls-test-key"
SITES_PAGE = {"content": [], "page": 1, "size": 1, "total": 0, "first": True, "last": True}


@dataclass
class Issued:
    """A certificate and its key, as PEM files in `folder`."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    cert_file: Path
    key_file: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(
    folder: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> Issued:
    cert_file, key_file = folder / f"{stem}.pem", folder / f"{stem}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Issued(cert, key, cert_file, key_file)


def make_ca(folder: Path, name: str = "Clinic Inspection Root CA") -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(name))
        .issuer_name(_name(name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _write(folder, "ca", cert, key)


def make_server_cert(
    folder: Path,
    issuer: Issued | None,
    hosts: tuple[str, ...] = ("localhost", "127.0.0.1"),
    *,
    expired: bool = False,
    stem: str = "server",
) -> Issued:
    """A server certificate for `hosts`, signed by `issuer` (None: self-signed)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    start, end = (
        (now - dt.timedelta(days=10), now - dt.timedelta(days=1))
        if expired
        else (
            now - dt.timedelta(days=1),
            now + dt.timedelta(days=30),
        )
    )
    names: list[x509.GeneralName] = [
        x509.IPAddress(IPv4Address(h)) if h[0].isdigit() else x509.DNSName(h) for h in hosts
    ]
    signer_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(hosts[0]))
        .issuer_name(issuer.cert.subject if issuer else _name(hosts[0]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()),
            critical=False,
        )
    )
    return _write(folder, stem, builder.sign(signer_key, hashes.SHA256()), key)


class _Threaded(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _Running:
    """Start the server's thread on enter, stop it on exit."""

    server: socketserver.TCPServer

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def __enter__(self) -> Self:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.shutdown()
        self.server.server_close()


class _ApiHandler(http.server.BaseHTTPRequestHandler):
    server: _HttpsServer

    def do_GET(self) -> None:
        self.server.owner.paths.append(self.path)
        known = self.headers.get("Impilo-API-Key") == KEY
        body = json.dumps(SITES_PAGE if known else {"message": "bad key"}).encode()
        self.send_response(200 if known else 401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: no access log on stderr
        pass


class _HttpsServer(_Threaded):
    owner: HttpsServer

    def get_request(self) -> tuple[socket.socket, Any]:
        # The handshake happens in the request's thread (handle), not in the accepting one.
        conn, address = super().get_request()
        return self.owner.context.wrap_socket(
            conn, server_side=True, do_handshake_on_connect=False
        ), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client refusing our certificate is what several tests expect


class _HandshakeFirst(_ApiHandler):
    def setup(self) -> None:
        try:
            self.request.do_handshake()
        except (ssl.SSLError, OSError):
            owner = self.server.owner
            with owner.changed:
                owner.refused_handshakes += 1
                owner.changed.notify_all()
            raise
        super().setup()


@dataclass
class HttpsServer(_Running):
    """`GET /api/v3/site` over TLS with `identity`'s certificate; `paths` lists requests."""

    identity: Issued
    paths: list[str] = field(default_factory=list)
    refused_handshakes: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)

    def wait_refused(self, count: int, timeout: float = 10.0) -> int:
        """Wait until `count` handshakes were refused (the client's side of a failed
        handshake can finish before the server's); returns how many there were."""
        with self.changed:
            self.changed.wait_for(lambda: self.refused_handshakes >= count, timeout)
            return self.refused_handshakes

    def __post_init__(self) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(self.identity.cert_file, self.identity.key_file)
        self.server = _HttpsServer(("127.0.0.1", 0), _HandshakeFirst)
        self.server.owner = self

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"


class _ProxyHandler(socketserver.StreamRequestHandler):
    server: _ProxyServer

    def handle(self) -> None:
        owner = self.server.owner
        head = self.rfile.readline(65536)
        while (line := self.rfile.readline(65536)) not in (b"\r\n", b"\n", b""):
            head += line
        owner.seen.append(head)
        if owner.tunnel_to is None:
            self.wfile.write(owner.answer + b"\r\nContent-Length: 0\r\n\r\n")
            return
        with socket.create_connection(("127.0.0.1", owner.tunnel_to)) as upstream:
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
            _pipe(self.connection, upstream)


def _pipe(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes (bounded by the test's own timeout)."""
    while True:
        ready, _, _ = select.select([a, b], [], [], 30)
        if not ready:
            return
        for source in ready:
            data = source.recv(65536)
            if not data:
                return
            (b if source is a else a).sendall(data)


class _ProxyServer(_Threaded):
    owner: Proxy


@dataclass
class Proxy(_Running):
    """An HTTP proxy on 127.0.0.1. With `tunnel_to` a port it opens every CONNECT tunnel to
    127.0.0.1:that port (a TLS-inspecting proxy, with a server holding its certificate);
    otherwise it answers every request with `answer`. `seen` holds each request's head."""

    answer: bytes = b"HTTP/1.1 502 Bad Gateway"
    tunnel_to: int | None = None
    seen: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server = _ProxyServer(("127.0.0.1", 0), _ProxyHandler)
        self.server.owner = self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


@contextlib.contextmanager
def refusing_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections for as long as the block runs: bound but
    never listening. A port bound and released at once could be given to another test's
    server (another worker) and answer."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield int(held.getsockname()[1])


class _TextHandler(http.server.BaseHTTPRequestHandler):
    server: _TextServer

    def do_GET(self) -> None:
        body = self.server.owner.text.encode()
        self.server.owner.fetched += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ns-proxy-autoconfig")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: no access log on stderr
        pass


class _TextServer(_Threaded):
    owner: PacServer


@dataclass
class PacServer(_Running):
    """Serves `text` (a PAC file) over plain HTTP at `url`; `fetched` counts requests."""

    text: str
    fetched: int = 0

    def __post_init__(self) -> None:
        self.server = _TextServer(("127.0.0.1", 0), _TextHandler)
        self.server.owner = self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/proxy.pac"


def pac_script(proxy: str) -> str:
    """A PAC file like a clinic's: Impilo's hosts through `proxy`, everything else direct."""
    return (
        "function FindProxyForURL(url, host) {\n"
        '  if (isPlainHostName(host) || dnsDomainIs(host, ".clinic.local")) return "DIRECT";\n'
        '  if (shExpMatch(host, "*.impiloplatform.com"))\n'
        f'    return "PROXY {proxy}; DIRECT";\n'
        '  return "DIRECT";\n'
        "}\n"
    )

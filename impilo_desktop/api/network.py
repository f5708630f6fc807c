"""How the app reaches a server: directly or through which proxy, and whose certificates it
trusts. No httpx here (`transport.py` applies the route) and no Qt.

**Trust.** `trust_context()` verifies certificates with the operating system's own trust store
through `truststore`: the Windows certificate store, the macOS keychain, and on Linux
OpenSSL's default paths (which honour `SSL_CERT_FILE` and `SSL_CERT_DIR`). A clinic that
inspects TLS installs its root certificate there, and the app then trusts what the browser
trusts. httpx's default (certifi's bundle) never contains such a certificate.

**Routes** (docs/decisions.md "Proxies"). A server on this computer is always reached
directly. For any other host `NetworkOptions` decide: no proxy; one proxy (host:port); a PAC
file; or the system's settings, which are, in order, the proxy environment variables (with
`NO_PROXY`), the system's PAC file (Windows `AutoConfigURL`, macOS "Automatic Proxy
Configuration"), then the system's proxy and bypass list as `urllib.request` reads them (the
Windows registry, macOS SystemConfiguration). WPAD discovery (a PAC file found through DNS) is
not done: see docs/decisions.md.

**PAC files** are fetched directly (never through a proxy) and run by `pypac` in the
JavaScript engine of `dukpy`, in a daemon thread: their `dnsResolve`/`isInNet` calls block on
DNS, and a runaway script must neither freeze the event loop nor keep the process alive. Only
the first usable answer is taken (`PROXY a; PROXY b; DIRECT` uses a). A PAC file that cannot be
fetched or run means a direct connection, as browsers do, with a warning in the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import ssl
import sys
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar
from urllib.parse import urlsplit

import truststore

from impilo_desktop.api.errors import ProxyRefused, UntrustedCertificate
from impilo_desktop.config import (
    PROXY_MANUAL,
    PROXY_NONE,
    PROXY_PAC,
    NetworkOptions,
    is_loopback_host,
    normalize_proxy,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

# A PAC file is a few kilobytes; anything this large is not one.
PAC_MAX_BYTES: Final = 1024 * 1024
# Fetching the file (each network read), then fetching and running it as a whole.
PAC_FETCH_TIMEOUT: Final = 10.0
PAC_TIMEOUT: Final = 15.0


@dataclass(frozen=True)
class Route:
    """`proxy` is `scheme://host:port` (None: connect directly); `via` says where that came
    from, for the log and for messages."""

    proxy: str | None
    via: str

    def __str__(self) -> str:
        where = f"through the proxy {proxy_display(self.proxy)}" if self.proxy else "directly"
        return f"{where} ({self.via})"


def trust_context() -> ssl.SSLContext:
    """A fresh context that verifies against the OS trust store. One per client: on Linux a
    context loads the default paths each time it connects and keeps what it loaded, so a
    context shared for the whole process would keep trusting what it once read."""
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def proxy_display(proxy: str | None) -> str:
    """host:port of a proxy URL, without any user name or password it carries."""
    if not proxy:
        return "none"
    parts = urlsplit(proxy)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.hostname or '?'}{port}"


async def find_route(base_url: str, options: NetworkOptions) -> Route:
    """How requests to `base_url` go. Raises `ProxyRefused` for a proxy this app cannot use."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if is_loopback_host(host):
        # Never through a proxy: the proxy host would receive the key header of a request
        # meant for this computer.
        return Route(None, "a server on this computer")
    mode = options.proxy_mode
    if mode == PROXY_NONE:
        return Route(None, "Settings: no proxy")
    if mode == PROXY_MANUAL:
        return Route(normalize_proxy(options.proxy), "Settings: this proxy")
    if mode == PROXY_PAC:
        return await pac_route(base_url, options.pac_url, "Settings: PAC file")
    environment = urllib.request.getproxies_environment()
    if set(environment) - {"no"}:  # NO_PROXY alone does not set a proxy
        # proxy_bypass reads NO_PROXY whenever proxy variables are set, on every system.
        bypass = bool(urllib.request.proxy_bypass(host))
        return _from_table(parts.scheme, environment, bypass, "proxy environment variables")
    pac_url = system_pac_url()
    if pac_url:
        return await pac_route(base_url, pac_url, "the system's PAC file")
    system = urllib.request.getproxies()
    bypass = bool(system) and bool(urllib.request.proxy_bypass(host))
    return _from_table(parts.scheme, system, bypass, "the system's proxy settings")


def _from_table(scheme: str, proxies: dict[str, str], bypass: bool, via: str) -> Route:
    proxy = proxies.get(scheme) or proxies.get("all")
    if not proxy:
        return Route(None, f"{via}: no proxy set")
    if bypass:
        return Route(None, f"{via}: this server is on the bypass list")
    return Route(_usable_proxy(proxy, via), via)


def _usable_proxy(proxy: str, via: str) -> str:
    """`proxy` with a scheme; only HTTP(S) proxies can carry the tunnel."""
    value = proxy.strip() if "://" in proxy else f"http://{proxy.strip()}"
    scheme = urlsplit(value).scheme.lower()
    if scheme not in ("http", "https"):
        raise ProxyRefused(
            f"The proxy server set in {via} is a {scheme.upper()} proxy, which Impilo Desktop"
            " cannot use; ask IT for an HTTP proxy, or choose one in Settings.",
            detail=f"unsupported proxy scheme {scheme!r} ({via})",
            retryable=False,
        )
    return value


def system_pac_url() -> str | None:
    """The PAC file the operating system is set to use (Windows and macOS), as a URL."""
    if sys.platform not in ("win32", "darwin"):
        return None
    try:
        from pypac import os_settings

        if sys.platform == "win32":
            found = os_settings.autoconfig_url_from_registry()
        else:
            found = os_settings.autoconfig_url_from_preferences()
    except Exception as exc:  # an unreadable OS setting must not stop every request
        log.warning("Could not read the system's PAC setting: %s", exc)
        return None
    return _as_url(str(found)) if found else None


def _as_url(location: str) -> str:
    """Windows may name the PAC file by path (C:\\proxy.pac) instead of by URL."""
    scheme = urlsplit(location).scheme
    if len(scheme) <= 1:  # no scheme, or a drive letter
        return Path(location).resolve().as_uri()
    return location


async def pac_route(base_url: str, pac_url: str, via: str) -> Route:
    """Ask the PAC file at `pac_url` how to reach `base_url`."""
    host = urlsplit(base_url).hostname or ""
    try:
        async with asyncio.timeout(PAC_TIMEOUT):
            answer = await in_daemon_thread(
                lambda: run_pac(fetch_pac(pac_url), base_url + "/", host)
            )
    except Exception as exc:  # unreachable, malformed, failing script: go direct
        log.warning(
            "The PAC file %s could not be used (%s: %s); connecting directly",
            pac_url,
            type(exc).__name__,
            exc,
        )
        return Route(None, f"{via} {pac_url} could not be used")
    return _from_pac_answer(answer, f"{via} {pac_url}")


def _from_pac_answer(answer: str, via: str) -> Route:
    from pypac.parser import proxy_url

    for element in (part.strip() for part in answer.split(";")):
        try:
            choice = proxy_url(element) if element else ""
        except ValueError:
            log.warning("Ignoring %r from %s", element, via)
            continue
        if choice == "DIRECT":
            return Route(None, f"{via}: DIRECT")
        if choice.startswith(("http://", "https://")):
            return Route(choice, via)
        if choice:
            log.warning("Skipping %s from %s: only HTTP proxies are supported", element, via)
    return Route(None, f"{via}: no usable answer ({answer!r})")


def fetch_pac(pac_url: str) -> str:
    """The PAC file's text, fetched directly (blocking: call it off the event loop)."""
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=trust_context())
    )
    with opener.open(pac_url, timeout=PAC_FETCH_TIMEOUT) as answer:
        data: bytes = answer.read(PAC_MAX_BYTES + 1)
    if len(data) > PAC_MAX_BYTES:
        raise ValueError(f"larger than {PAC_MAX_BYTES} bytes")
    return data.decode("utf-8", "replace")


def run_pac(script: str, url: str, host: str) -> str:
    """`FindProxyForURL(url, host)` of the script (blocking)."""
    from pypac.parser import PACFile

    answer = PACFile(script).find_proxy_for_url(url, host)
    if not isinstance(answer, str):
        raise ValueError(f"FindProxyForURL returned {answer!r}")
    return answer


async def in_daemon_thread(func: Callable[[], T]) -> T:
    """`func()` in a daemon thread. Unlike `asyncio.to_thread`, a call that never returns
    cannot hold up the process's exit (the caller bounds its wait with `asyncio.timeout`)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():  # cancelled meanwhile (timed out)
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def run() -> None:
        try:
            outcome: tuple[T | None, BaseException | None] = (func(), None)
        except Exception as exc:
            outcome = (None, exc)
        # RuntimeError: the loop has closed, so nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=run, name="impilo-network", daemon=True).start()
    return await future


def self_check() -> str:
    """For `--self-test`: the trust store loads and a PAC script runs (a bundle that lacks
    truststore's platform module or dukpy's runtime files fails here, not at a clinic)."""
    context = trust_context()
    if context.verify_mode != ssl.CERT_REQUIRED:
        raise RuntimeError("the trust context does not verify certificates")
    script = 'function FindProxyForURL(url, host) { return "PROXY 127.0.0.1:3128; DIRECT"; }'
    answer = run_pac(script, "https://app.impiloplatform.com/", "app.impiloplatform.com")
    route = _from_pac_answer(answer, "self-test")
    if route.proxy != "http://127.0.0.1:3128":
        raise RuntimeError(f"a PAC script answered {answer!r}")
    return f"{type(context).__module__}.{type(context).__name__}; PAC scripts run"


# OpenSSL's verification codes (X509_V_ERR_*) and the words Windows' and macOS' verifiers use,
# each with the plain reason and what to do about it.
_ISSUER = (
    "it was issued by an authority this computer does not trust",
    "If your organisation inspects secure connections, ask IT to add its root certificate to"
    " this computer's certificate store.",
)
_SELF_SIGNED = (
    "the server's certificate is self-signed",
    "If this is your organisation's own server, ask IT to add its certificate to this"
    " computer's certificate store.",
)
_EXPIRED = ("the certificate has expired", "Check this computer's date and time.")
_NOT_YET = ("the certificate is not valid yet", "Check this computer's date and time.")
_REVOKED = ("the certificate has been revoked", "Ask IT.")
_CODES: Final = {
    2: _ISSUER,
    18: _SELF_SIGNED,
    19: _ISSUER,  # a self-signed root in the chain: how an unknown inspection root shows
    20: _ISSUER,
    21: _ISSUER,
    9: _NOT_YET,
    10: _EXPIRED,
    23: _REVOKED,
}
_WORDS: Final = (
    (("self signed", "self-signed"), _SELF_SIGNED),
    (("expired",), _EXPIRED),
    (("not yet valid", "not valid yet"), _NOT_YET),
    (("revoked",), _REVOKED),
    (("not trusted", "untrusted", "issuer", "authority"), _ISSUER),
)


def untrusted_certificate(
    exc: BaseException, host: str, detail: str
) -> UntrustedCertificate | None:
    """The plain-language error for a failed certificate check anywhere in `exc`'s chain of
    causes, or None when the failure was something else."""
    failure = _find_cause(exc, ssl.SSLCertVerificationError)
    if failure is not None:
        code = failure.verify_code if isinstance(failure.verify_code, int) else 0
        said = str(failure.verify_message or failure.reason or failure)
    elif "CERTIFICATE_VERIFY_FAILED" in str(exc).upper():  # the words without the cause
        code, said = 0, str(exc)
    else:
        return None
    # "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ... (_ssl.c:1006)"
    said = re.sub(r"^\[[^\]]*\]\s*|\s*\(_ssl\.c:\d+\)$", "", said.strip())
    words = said.lower()
    if code in (62, 64) or any(w in words for w in ("hostname", "host name", "name mismatch")):
        reason, advice = (
            f"the certificate is for another server name, not {host}",
            "Check the server address.",
        )
    else:
        found = _CODES.get(code) or next(
            (pair for keys, pair in _WORDS if any(k in words for k in keys)), None
        )
        reason, advice = found or (said.rstrip(".") or "it failed verification", "")
    return UntrustedCertificate(reason, advice, detail=detail)


def _find_cause(exc: BaseException, kind: type[T]) -> T | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def has_cause(exc: BaseException, kind: type[BaseException]) -> bool:
    return _find_cause(exc, kind) is not None


def proxy_refused(answer: str, proxy: str | None, host: str, detail: str) -> ProxyRefused:
    """The error for a proxy that did not open the tunnel: `answer` is its status line for
    the CONNECT request (e.g. "407 Proxy Authentication Required"), "" when nothing at its
    address took the connection."""
    status_text, _, phrase = answer.strip().partition(" ")
    status = int(status_text) if status_text.isdigit() else None
    if status == 407:
        message = (
            "The proxy server asks for a sign-in (HTTP 407); Impilo Desktop cannot sign in to"
            f" proxies yet. Ask IT to let {host} through the proxy without a sign-in."
        )
    elif status is not None:
        message = (
            f"The proxy server refused the connection: it answered HTTP {status}"
            f"{' ' + phrase if phrase else ''} when asked for {host}. Nothing was sent."
        )
    else:
        message = (
            "The proxy server refused the connection: nothing answered at"
            f" {proxy_display(proxy)}. Nothing was sent; check the proxy in Settings or ask IT."
        )
    return ProxyRefused(message, detail=detail, status=status)

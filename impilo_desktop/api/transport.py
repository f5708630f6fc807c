"""The HTTP side of the client (with sending.py, the only modules importing httpx): one logical
request with its retries, and every failure mapped to an `ImpiloError` with a plain-language message
and a log detail. The API key is sent only as a header and never appears in a message, a
detail or a log line (a server echoing it back is redacted too). Nor does what a body holds:
a detail gives an answer's shape (status, length, where parsing failed), never its values.

Bounds (docs/decisions.md "Deadlines and limits"): every attempt has a wall-clock deadline
(httpx's timeouts are per read, so a server trickling a byte every few seconds would keep a
call open for ever), and a response body is read up to `max_body` bytes and no further. The
route (direct, or which proxy; a server on this computer always directly) and the trust store
(the operating system's) come from `network.py`; the route is found on the first request,
since a PAC file has to be fetched and run for it.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any, Final, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from impilo_desktop import __version__
from impilo_desktop.api import network as net
from impilo_desktop.api.errors import (
    AuthenticationError,
    ImpiloError,
    NotFound,
    RateLimited,
    RequestRejected,
    ServerError,
    UnexpectedResponse,
    Unreachable,
)
from impilo_desktop.api.log_paths import loggable_path, redact_in
from impilo_desktop.api.models import Page
from impilo_desktop.api.parsing import (
    parse_page,
    server_message,
    validation_summary,
)
from impilo_desktop.api.retry import RetryPolicy, parse_retry_after, wait_text
from impilo_desktop.api.sending import RequestSender
from impilo_desktop.config import NetworkOptions

log = logging.getLogger(__name__)

API_PREFIX: Final = "/api/v3"
USER_AGENT: Final = (
    f"impilo-desktop/{__version__} ({platform.system() or 'unknown'} {platform.machine()}; "
    f"Python {platform.python_version()})"
)
JSON: Final = "application/json"
PDF: Final = "application/pdf"

# Re-exported so the resource layer can name these types without importing httpx.
AsyncBaseTransport = httpx.AsyncBaseTransport
QueryParams = httpx.QueryParams
Response = httpx.Response

# The longest one attempt may take, start to last byte. The outbox's lock and its in-doubt
# wait are derived from it (sync/sender.py).
DEFAULT_DEADLINE: Final = 30.0
# The largest response body read; a page of 250 detailed orders is well under 2 MB.
DEFAULT_MAX_BODY: Final = 32 * 1024 * 1024

M = TypeVar("M", bound=BaseModel)
P = TypeVar("P", bound=Page[Any])
Sleep = Callable[[float], Awaitable[None]]
Observer = Callable[[ImpiloError | None], None]
"""Told how every request ended, once, after its retries: None for an answer in the 2xx
range, else the error it finally became (a connection that failed, a refusal, a 5xx). One
dropped attempt that a retry made good is not news: the online light must not flicker for
it. Runs on the client's loop."""
QueryValue = str | int | bool | date | Enum | Sequence[str] | Sequence[int] | None


def query(**values: QueryValue) -> httpx.QueryParams:
    """Query pairs as Impilo reads them: arrays repeat the key, booleans are true/false,
    dates YYYY-MM-DD, enums their wire value; None leaves the parameter out."""
    pairs: list[tuple[str, str | int | float | bool | None]] = []
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, str | int | bool | date | Enum):
            pairs.append((key, _scalar(value)))
        else:
            pairs.extend((key, _scalar(v)) for v in value)
    return httpx.QueryParams(pairs)


def _scalar(value: str | int | bool | date | Enum) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class Transport:
    """Requests to one Impilo account's `/api/v3`: attempts, waits between retries, error
    mapping and response validation. `ImpiloClient` builds the paths and parameters."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float,
        connect_timeout: float,
        retry: RetryPolicy,
        deadline: float = DEFAULT_DEADLINE,
        max_body: int = DEFAULT_MAX_BODY,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep | None = None,
        network: NetworkOptions | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.retry = retry
        self._observer = observer
        self.deadline = deadline
        self.max_body = max_body
        self._api_key = api_key.strip()
        self._sleep: Sleep = sleep or asyncio.sleep
        self._base_url = base_url
        self._host = httpx.URL(base_url).host
        self._network = network or NetworkOptions()
        self._timeout = httpx.Timeout(timeout, connect=connect_timeout)
        self._fake = transport
        self._http: httpx.AsyncClient | None = None
        # Sends over the pool once it is built (sending.py).
        self._sender: RequestSender | None = None
        self._route: net.Route | None = None
        self._routing = asyncio.Lock()
        self._closed = False

    async def aclose(self) -> None:
        """Close the connection pool."""
        self._closed = True
        if self._http is not None:
            await self._http.aclose()

    async def _client(self) -> httpx.AsyncClient:
        """The connection pool, built on the first request along its route."""
        if self._http is not None and not self._closed:
            return self._http  # built: no lock to take for every request
        async with self._routing:
            if self._http is None and not self._closed:
                # A fake transport (tests) stands in for the network, proxies included.
                route = self._route = (
                    net.Route(None, "a test transport")
                    if self._fake is not None
                    else await net.find_route(self._base_url, self._network)
                )
                log.info("Reaching %s %s", self._base_url, route)
                self._http = httpx.AsyncClient(
                    base_url=self._base_url + API_PREFIX,
                    headers={"Accept": JSON, "User-Agent": USER_AGENT},
                    timeout=self._timeout,
                    transport=self._fake,
                    proxy=route.proxy,
                    verify=net.trust_context(),
                    follow_redirects=False,
                    # Route and trust are decided above (a server on this computer never
                    # through a proxy): the environment changes neither, nor lends .netrc.
                    trust_env=False,
                )
            if self._closed or self._http is None:
                raise RuntimeError("The client has been closed.")
            return self._http

    async def get(
        self,
        model: type[M],
        path: str,
        params: httpx.QueryParams | None = None,
        *,
        what: str | None = None,
    ) -> M:
        response = await self.send("GET", path, params=params, what=what)
        return self.parse(response, model)

    async def get_page(self, page_model: type[P], path: str, params: httpx.QueryParams) -> P:
        response = await self.send("GET", path, params=params)
        try:
            return await parse_page(response.content, page_model)
        except ValidationError as error:
            problem = f"{page_model.__name__}: {validation_summary(error)}"
        except ValueError as error:  # also json.JSONDecodeError
            problem = f"{page_model.__name__}: {error}"
        raise self.unexpected(response, problem)

    def unexpected(self, response: httpx.Response, problem: str) -> UnexpectedResponse:
        unexpected = UnexpectedResponse(
            detail=self.detail(response, problem), status=response.status_code
        )
        log.warning("%s", unexpected.detail)
        return unexpected

    def parse(self, response: httpx.Response, model: type[M]) -> M:
        if not response.content.strip():
            problem = "empty body"
        else:
            try:
                return model.model_validate_json(response.content)
            except ValidationError as error:
                problem = f"{model.__name__}: {validation_summary(error)}"
        raise self.unexpected(response, problem)

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: httpx.QueryParams | None = None,
        body: dict[str, Any] | None = None,
        accept: str = JSON,
        retry: RetryPolicy | None = None,
        what: str | None = None,
        missing_ok: bool = False,
    ) -> httpx.Response:
        """One logical request: attempts, waits and error mapping; returns a 2xx response
        (or a 404 when `missing_ok`)."""
        policy = retry or self.retry
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._attempt(method, path, params, body, accept, what, missing_ok)
            except ImpiloError as error:
                if not error.retryable or attempt >= policy.max_attempts:
                    self._observe(error)
                    raise
                hint = getattr(error, "retry_after", None)
                if policy.beyond_budget(hint):
                    # Retrying sooner than asked would only be refused again: hand the
                    # server's time to the caller (the outbox schedules the entry then).
                    log.warning(
                        "%s %s: the server asks to wait %.0f s; not retrying now",
                        method,
                        self._path(path),
                        hint,
                    )
                    self._observe(error)
                    raise
                wait = policy.delay(attempt, hint)
                log.warning(
                    "%s %s: %s; attempt %d of %d, trying again in %.2f s",
                    method,
                    self._path(path),
                    type(error).__name__,
                    attempt,
                    policy.max_attempts,
                    wait,
                )
                await self._sleep(wait)
            else:
                self._observe(None)
                return response

    async def _attempt(
        self,
        method: str,
        path: str,
        params: httpx.QueryParams | None,
        body: dict[str, Any] | None,
        accept: str,
        what: str | None,
        missing_ok: bool,
    ) -> httpx.Response:
        if not self._api_key:
            raise AuthenticationError("No API key is set; enter one in Settings.")
        if not self._api_key.isascii() or not self._api_key.isprintable():
            raise AuthenticationError(
                "The API key contains characters an API key cannot have; enter it again."
            )
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.deadline):
                response = await self._exchange(method, path, params, body, accept)
        except httpx.HTTPError as exc:
            error = self._network_error(method, path, exc)
            log.warning("%s", error.detail)
            raise error from None
        except TimeoutError:
            error = Unreachable(
                "Impilo did not finish answering in time. Check the network connection.",
                detail=f"{method} {self._path(path)}: no complete answer within"
                f" {self.deadline:g} s",
                maybe_sent=True,
            )
            log.warning("%s", error.detail)
            raise error from None
        status = response.status_code
        if log.isEnabledFor(logging.DEBUG):  # the path's redaction is not free: not when off
            elapsed_ms = (time.monotonic() - started) * 1000
            log.debug("%s %s -> %d in %.0f ms", method, self._path(path), status, elapsed_ms)
        if 200 <= status < 300 or (missing_ok and status == 404):
            return response
        error = self._status_error(response, what)
        log.log(logging.INFO if status == 404 else logging.WARNING, "%s", error.detail)
        raise error

    def _observe(self, error: ImpiloError | None) -> None:
        if self._observer is None:
            return
        try:
            self._observer(error)
        except Exception:  # a listener's mistake never fails the request itself
            log.exception("Connection observer failed")

    async def _exchange(
        self,
        method: str,
        path: str,
        params: httpx.QueryParams | None,
        body: dict[str, Any] | None,
        accept: str,
    ) -> httpx.Response:
        """Send the request and read at most `max_body` bytes of the answer."""
        sender = self._sender
        if sender is None or self._closed:  # (closed: `_client` says so)
            sender = self._sender = RequestSender(await self._client(), self._api_key)
        streamed = await sender.send(method, path, params, body, accept)
        try:
            declared = streamed.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self.max_body:
                raise self._too_large(streamed, f"Content-Length {declared}")
            framing = ("Content-Encoding", "Transfer-Encoding")
            if declared.isdigit() and not any(name in streamed.headers for name in framing):
                # Neither compressed nor chunked, its length declared and within bounds (h11
                # reads no byte past it): read as it is, with no copy of the response to make
                # (~0.1 ms of CPU; the usual answer, and one per order when the outbox
                # drains: docs/performance.md, "Draining the outbox").
                await streamed.aread()
                return streamed
            content = bytearray()
            async for chunk in streamed.aiter_bytes():
                content += chunk
                if len(content) > self.max_body:
                    raise self._too_large(streamed, f"more than {self.max_body} bytes")
        finally:
            await streamed.aclose()
        # A plain response over the bytes read (already decoded, so no Content-Encoding).
        dropped = ("content-encoding", "content-length", "transfer-encoding")
        headers = [(k, v) for k, v in streamed.headers.multi_items() if k.lower() not in dropped]
        return httpx.Response(
            streamed.status_code, headers=headers, content=bytes(content), request=streamed.request
        )

    def _too_large(self, response: httpx.Response, seen: str) -> UnexpectedResponse:
        megabytes = self.max_body / (1024 * 1024)
        return UnexpectedResponse(
            f"Impilo sent a larger answer than the app accepts (over {megabytes:g} MB);"
            " it was not read.",
            detail=f"{response.request.method} {self._path(response.request.url.path)} ->"
            f" HTTP {response.status_code}: body too large ({seen})",
            status=response.status_code,
        )

    def _status_error(self, response: httpx.Response, what: str | None) -> ImpiloError:
        status = response.status_code
        detail = self.detail(response)
        said = self._redact(server_message(response.content))
        if status in (401, 403):
            return AuthenticationError(detail=detail, status=status)
        if status == 404:
            return NotFound(f"Impilo has no {what}." if what else None, detail=detail, status=404)
        if status == 429:
            wait = parse_retry_after(response.headers.get("Retry-After"))
            return RateLimited(
                f"Impilo asked the app to wait {wait_text(wait)} before trying again."
                if wait is not None and wait >= 60
                else None,
                detail=detail,
                status=429,
                retry_after=wait,
            )
        if status >= 500:
            return ServerError(
                f"Impilo is having trouble right now (HTTP {status}); trying again shortly.",
                detail=detail,
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if 300 <= status < 400:
            return UnexpectedResponse(
                "Impilo sent the app elsewhere; check the server address in Settings.",
                detail=detail,
                status=status,
            )
        # 400, 409, 422 and any other refusal: the server said no to this request as sent.
        message = (
            f"Impilo rejected the request: {said}"
            if said
            else (f"Impilo rejected the request (HTTP {status}).")
        )
        return RequestRejected(message, detail=detail, status=status, server_message=said)

    def _network_error(self, method: str, path: str, exc: httpx.HTTPError) -> ImpiloError:
        reason = redact_in(self._redact(f"{type(exc).__name__}: {exc}".rstrip(": ")), path)
        detail = f"{method} {self._path(path)}: {reason}"
        proxy = self._route.proxy if self._route is not None else None
        if proxy:
            detail += f" (via proxy {net.proxy_display(proxy)})"
        if untrusted := net.untrusted_certificate(exc, self._host, detail):
            return untrusted
        if isinstance(exc, httpx.ProxyError) or (
            # Through a proxy, a connection that failed before any TLS is one to the proxy.
            proxy and isinstance(exc, httpx.ConnectError) and not net.has_cause(exc, ssl.SSLError)
        ):
            answer = str(exc) if isinstance(exc, httpx.ProxyError) else ""
            return net.proxy_refused(answer, proxy, self._host, detail)
        if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
            return Unreachable(
                "Impilo did not answer the connection in time. Check the network connection.",
                detail=detail,
                maybe_sent=False,
            )
        if isinstance(exc, httpx.ConnectError):
            return Unreachable(detail=detail, maybe_sent=False)
        if isinstance(exc, httpx.UnsupportedProtocol | httpx.LocalProtocolError):
            # Refused on our side before anything went out.
            return Unreachable(
                "The request to Impilo could not be sent; check the server address.",
                detail=detail,
                maybe_sent=False,
            )
        if isinstance(exc, httpx.TimeoutException):
            return Unreachable(
                "Impilo did not answer in time. Check the network connection.",
                detail=detail,
                maybe_sent=True,
            )
        if isinstance(exc, httpx.DecodingError):
            return UnexpectedResponse(detail=detail)
        # Resets, broken connections, a server closing mid-answer: it may have been received.
        return Unreachable(detail=detail, maybe_sent=True)

    def detail(self, response: httpx.Response, note: str = "") -> str:
        """What the log may say about an answer: its shape (status, length, content type)
        and `note` (where parsing failed), never its values. A body can be a patient's name,
        birth date, address or phone number."""
        request = response.request
        kind = response.headers.get("content-type", "").split(";")[0].strip() or "no type"
        parts = [
            f"{request.method} {self._path(request.url.path)} -> HTTP {response.status_code}",
            f"{len(response.content)} bytes of {kind}",
        ]
        if note:
            parts.append(self._redact(note))
        return "; ".join(parts)

    def _path(self, path: str) -> str:
        """The path as the log and an error's `detail` may show it: a patient's identifier
        in it (the usual 404 when checking for a new patient is logged) is redacted."""
        return loggable_path(path if path.startswith(API_PREFIX) else API_PREFIX + path)

    def _redact(self, text: str) -> str:
        """Belt and braces: a server that echoes the key back must not get it into a log."""
        return text.replace(self._api_key, "[API key]") if self._api_key else text

"""How a request leaves the client: straight to the client's own connection pool for its route,
with the headers prepared once, or else through `httpx.AsyncClient` itself.

On loopback the outbox's drain is bound by the client's CPU, and a third of httpx's per-request
work is the `AsyncClient` layer above its pool: merging the URL, headers, cookies and query
parameters into a new `Request`, the auth flow's generator, the redirect and event-hook checks,
the cookie jar's look at every answer and the stream wrapper that times it (0.33 ms of 1.37 ms
CPU per create, measured with `benchmarks/http_layers.py`; docs/performance.md "Draining the
outbox", round 4). This client uses none of those: no auth, no hooks, no redirects followed,
an API key header instead of cookies, the same headers on every request. So a request is built
here as `AsyncClient.build_request` would build it (the same method, URL, headers in the same
order, body bytes and timeouts: tests/api/test_request_sending.py compares them) and handed to
the transport that `AsyncClient.send` itself would use for its URL (`_transport_for_url`: the
same pool, route, proxy, TLS trust, limits). Errors are the same httpx exceptions.

`_transport_for_url` is private to httpx: it is used only when present, answering with a
transport for the client's URL, on a client with no auth and no event hooks; otherwise every
request goes the public way (`build_request` then `send`), as before.
"""

from __future__ import annotations

import json
from typing import Any, Final

import httpx

from impilo_desktop.api.loop_streams import use_loop_streams

# Query-less paths seen, each parsed once (the outbox posts to one path; a path with a record's
# id in it is one of a few hundred at most). Cleared when full rather than grown for ever.
_MOST_PATHS: Final = 256
# httpx's (private) name for "the transport `send` uses for this URL".
POOL_LOOKUP: Final = "_transport_for_url"


class RequestSender:
    """Sends requests for one `httpx.AsyncClient` with `api_key`; answers stream (the caller
    reads them within its bounds and closes them)."""

    def __init__(self, http: httpx.AsyncClient, api_key: str) -> None:
        self._http = http
        self._api_key = api_key
        self._base = http.base_url
        self._pool = pool_for(http)
        if self._pool is not None:
            # Its connections on asyncio's own transports, without anyio's per-read and
            # per-write machinery (loop_streams.py).
            use_loop_streams(self._pool)
        self._timeout = http.timeout.as_dict()
        self._urls: dict[str, httpx.URL] = {}
        self._headers: dict[str, list[tuple[bytes, bytes]]] = {}

    @property
    def direct(self) -> bool:
        """Whether requests go straight to the pool (False: through `AsyncClient.send`)."""
        return self._pool is not None

    async def send(
        self,
        method: str,
        path: str,
        params: httpx.QueryParams | None,
        body: dict[str, Any] | None,
        accept: str,
    ) -> httpx.Response:
        """Send the request; the answer's body is not read yet."""
        if self._pool is None:
            request = self._http.build_request(
                method,
                path,
                params=params,
                json=body,
                headers={"Accept": accept, "Impilo-API-Key": self._api_key},
            )
            return await self._http.send(request, stream=True)
        request = self._build(method, path, params, body, accept)
        try:
            response = await self._pool.handle_async_request(request)
        except httpx.RequestError as exc:
            exc.request = request  # as `AsyncClient.send` leaves it
            raise
        response.request = request
        return response

    def _build(
        self,
        method: str,
        path: str,
        params: httpx.QueryParams | None,
        body: dict[str, Any] | None,
        accept: str,
    ) -> httpx.Request:
        """The request `build_request` would make (and that `send` sends as it is)."""
        url = self._url(path)
        if params:
            url = url.copy_merge_params(params)
        headers = list(self._headers.get(accept) or self._prepared(accept))
        if body is not None:
            # As httpx encodes `json=`.
            content = json.dumps(
                body, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode("utf-8")
            headers.append((b"Content-Length", str(len(content)).encode("ascii")))
            headers.append((b"Content-Type", b"application/json"))
        else:
            content = b""
            if method in ("POST", "PUT", "PATCH"):
                headers.insert(1, (b"Content-Length", b"0"))  # after Host, as httpx puts it
        request = httpx.Request(
            method,
            url,
            headers=headers,
            stream=httpx.ByteStream(content),
            extensions={"timeout": self._timeout},
        )
        request.read()  # its `content` readable, as for a request httpx builds
        return request

    def _url(self, path: str) -> httpx.URL:
        """`path` under the client's base URL, as `AsyncClient` joins them."""
        url = self._urls.get(path)
        if url is None:
            relative = httpx.URL(path)
            if not relative.is_relative_url:
                raise ValueError("a request path must be relative to the client's address")
            raw = self._base.raw_path + relative.raw_path.lstrip(b"/")
            url = self._base.copy_with(raw_path=raw)
            if len(self._urls) >= _MOST_PATHS:
                self._urls.clear()
            self._urls[path] = url
        return url

    def _prepared(self, accept: str) -> list[tuple[bytes, bytes]]:
        """Host first, then the client's headers with this request's own merged in, as
        `build_request` orders them."""
        merged = httpx.Headers(self._http.headers)
        merged.update({"Accept": accept, "Impilo-API-Key": self._api_key})
        prepared = [(b"Host", self._base.netloc), *merged.raw]
        self._headers[accept] = prepared
        return prepared


def pool_for(http: httpx.AsyncClient) -> httpx.AsyncBaseTransport | None:
    """The transport `http.send` uses for the client's URL, or None when it cannot be used
    directly: httpx without `_transport_for_url` (or answering otherwise than with a
    transport), or a client whose auth or event hooks `send` would have to run."""
    if http.auth is not None or any(http.event_hooks.values()):
        return None
    find = getattr(http, POOL_LOOKUP, None)
    if not callable(find):
        return None
    try:
        pool = find(http.base_url)
    except Exception:  # a changed signature: the public way
        return None
    return pool if isinstance(pool, httpx.AsyncBaseTransport) else None

"""TUF's downloads over httpx along the app's route (proxy, OS trust store), not requests'.

tuf's own fetcher uses requests, which reads proxies from the environment and trusts
certifi's bundle: a clinic's proxy settings and its TLS-inspection root would be ignored,
as they were for the API before api/network.py. Here the route is found once per check
(`find_route`) and every request of that check takes it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Final

import httpx
from tuf.api import exceptions
from tuf.ngclient.fetcher import FetcherInterface

from impilo_desktop import __version__
from impilo_desktop.api.network import Route, trust_context

# Per read, like the API client's: a large archive on a slow line is fine as long as bytes
# keep coming. tuf bounds every download's length by its signed metadata.
TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)
# The whole check's: a repository (or a proxy) trickling bytes would otherwise hold a check,
# and the daily one after it, for ever. An archive of ~150 MB needs ~250 kB/s to make it.
CHECK_DEADLINE_S: Final = 10 * 60
MAX_REDIRECTS: Final = 10


class CheckTooLong(exceptions.DownloadError):
    """The check went past its deadline (stopped at the next bytes read)."""


class RedirectRefused(exceptions.DownloadError):
    """An https address sent the check to a plain http one."""


class RouteFetcher(FetcherInterface):
    """One httpx connection pool for one check; `close()` when the check is done. Every read
    after `deadline_s` (from its creation) raises CheckTooLong."""

    def __init__(
        self,
        route: Route,
        *,
        timeout: httpx.Timeout = TIMEOUT,
        deadline_s: float = CHECK_DEADLINE_S,
    ) -> None:
        self._deadline = time.monotonic() + deadline_s
        self._deadline_s = deadline_s
        self._http = httpx.Client(
            proxy=route.proxy,
            verify=trust_context(),
            timeout=timeout,
            headers={"User-Agent": f"impilo-desktop/{__version__} (update check)"},
            # Static hosts redirect (object stores, release pages); what arrives is verified
            # by TUF whatever served it. Followed here (`_send`), never from https to http.
            follow_redirects=False,
            trust_env=False,
        )

    def _fetch(self, url: str) -> Iterator[bytes]:
        response = self._send(url)
        if response.status_code != httpx.codes.OK:
            response.close()
            # tuf stops looking for newer root versions on a 404 or 403.
            raise exceptions.DownloadHTTPError(
                f"{url} answered {response.status_code}", response.status_code
            )
        return self._chunks(response)

    def _send(self, url: str) -> httpx.Response:
        request = self._http.build_request("GET", url)
        for _ in range(MAX_REDIRECTS + 1):
            self._check_deadline()
            response = self._http.send(request, stream=True)
            following = response.next_request
            if following is None:
                return response
            response.close()
            if request.url.scheme == "https" and following.url.scheme != "https":
                raise RedirectRefused(f"{request.url} redirected to {following.url}; refused")
            request = following
        raise exceptions.DownloadError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _chunks(self, response: httpx.Response) -> Iterator[bytes]:
        try:
            # As the bytes arrive (no chunk size: httpx would wait to fill one), so the
            # deadline is looked at on every read.
            for chunk in response.iter_bytes():
                self._check_deadline()
                yield chunk
        finally:
            response.close()

    def _check_deadline(self) -> None:
        if time.monotonic() > self._deadline:
            raise CheckTooLong(f"the check took longer than {self._deadline_s:g} s")

    def close(self) -> None:
        self._http.close()

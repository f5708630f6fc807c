"""TUF's downloads over httpx along the app's route (proxy, OS trust store), not requests'.

tuf's own fetcher uses requests, which reads proxies from the environment and trusts
certifi's bundle: a clinic's proxy settings and its TLS-inspection root would be ignored,
as they were for the API before api/network.py. Here the route is found once per check
(`find_route`) and every request of that check takes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

import httpx
from tuf.api import exceptions
from tuf.ngclient.fetcher import FetcherInterface

from impilo_desktop import __version__
from impilo_desktop.api.network import Route, trust_context

CHUNK: Final = 64 * 1024
# Per read, like the API client's: a large archive on a slow line is fine as long as bytes
# keep coming. tuf bounds every download's length by its signed metadata.
TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0)


class RouteFetcher(FetcherInterface):
    """One httpx connection pool for one check; `close()` when the check is done."""

    def __init__(self, route: Route, *, timeout: httpx.Timeout = TIMEOUT) -> None:
        self._http = httpx.Client(
            proxy=route.proxy,
            verify=trust_context(),
            timeout=timeout,
            headers={"User-Agent": f"impilo-desktop/{__version__} (update check)"},
            # Static hosts redirect (object stores, release pages); what arrives is verified
            # by TUF whatever served it.
            follow_redirects=True,
            trust_env=False,
        )

    def _fetch(self, url: str) -> Iterator[bytes]:
        response = self._http.send(self._http.build_request("GET", url), stream=True)
        if response.status_code != httpx.codes.OK:
            response.close()
            # tuf stops looking for newer root versions on a 404 or 403.
            raise exceptions.DownloadHTTPError(
                f"{url} answered {response.status_code}", response.status_code
            )
        return self._chunks(response)

    @staticmethod
    def _chunks(response: httpx.Response) -> Iterator[bytes]:
        try:
            yield from response.iter_bytes(CHUNK)
        finally:
            response.close()

    def close(self) -> None:
        self._http.close()

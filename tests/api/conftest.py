"""Every test here runs both ways a request can leave (api/sending.py): straight to the client's
pool, and through `httpx.AsyncClient.send`, the way taken when httpx lacks the private lookup
the first relies on."""

from __future__ import annotations

import pytest

from impilo_desktop.api import sending


@pytest.fixture(autouse=True, params=["pool", "client"])
def request_way(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    way: str = request.param
    if way == "client":
        # As on an httpx release without `_transport_for_url`.
        monkeypatch.setattr(sending, "POOL_LOOKUP", "_no_such_lookup")
    return way

"""An order that never left is not "in doubt": through the real OutboxSender, a proxy that is
not there, a proxy asking for a sign-in and a certificate this computer does not trust all
leave the entry `queued` (no lookup needed before it is sent again), say why, and stop the
drain, with the connectivity state naming the problem rather than "offline"."""

from __future__ import annotations

from pathlib import Path

import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.config import PROXY_MANUAL, NetworkOptions
from impilo_desktop.domain import OrderDraft, import_create_json
from impilo_desktop.store import EntryState, Store
from impilo_desktop.sync import Connectivity, ConnectivityState, OutboxSender, Outcome
from tests.network_servers import KEY, HttpsServer, Proxy, make_ca, make_server_cert, refusing_port

pytestmark = pytest.mark.anyio

PRODUCTION = "https://app.impiloplatform.com"
ORDER = {
    "patient": {"id": 10001, "firstName": "Lindiwe", "lastName": "Mokoena"},
    "orderItems": [{"item": {"id": 1001}, "count": 1}],
    "shippingOption": "standard",
}


@pytest.fixture(autouse=True)
def no_environment_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)


def draft() -> OrderDraft:
    result = import_create_json(ORDER)
    assert result.draft is not None
    return result.draft


async def drain_once(
    store: Store, url: str, network: NetworkOptions | None = None
) -> tuple[int, str | None, ConnectivityState]:
    """Queue one order for `url`, drain; the entry's id, the drain's stop reason and the
    connectivity state."""
    entry = store.enqueue(draft(), server=url)
    connectivity = Connectivity()
    sender = OutboxSender(
        store, lambda: ImpiloClient(url, KEY, network=network), connectivity=connectivity
    )
    report = await sender.drain()
    assert [r.outcome for r in report.results] == [Outcome.RETRY]
    return entry.entry_id, report.stopped, connectivity.state


async def test_a_refused_proxy_leaves_the_order_queued(store: Store) -> None:
    with refusing_port() as port:
        entry_id, stopped, state = await drain_once(
            store, PRODUCTION, NetworkOptions(PROXY_MANUAL, proxy=f"127.0.0.1:{port}")
        )
    entry = store.get_entry(entry_id)
    assert entry.state == EntryState.QUEUED  # not IN_DOUBT: nothing reached Impilo
    assert entry.last_error is not None
    assert entry.last_error.startswith("The proxy server refused the connection: nothing")
    assert stopped == "the proxy server refused the connection"
    assert state == ConnectivityState.PROXY


async def test_a_proxy_asking_for_a_sign_in_leaves_the_order_queued(store: Store) -> None:
    with Proxy(answer=b"HTTP/1.1 407 Proxy Authentication Required") as strict:
        entry_id, _stopped, state = await drain_once(
            store, PRODUCTION, NetworkOptions(PROXY_MANUAL, proxy=strict.address)
        )
    entry = store.get_entry(entry_id)
    assert entry.state == EntryState.QUEUED
    assert entry.last_error is not None
    assert entry.last_error.startswith("The proxy server asks for a sign-in (HTTP 407)")
    assert len(strict.seen) == 1  # the create's tunnel request, and no lookup after it
    assert state == ConnectivityState.PROXY


async def test_an_untrusted_certificate_leaves_the_order_queued(
    store: Store, tmp_path: Path
) -> None:
    ca = make_ca(tmp_path)
    with HttpsServer(make_server_cert(tmp_path, ca)) as server:
        entry_id, stopped, state = await drain_once(store, server.base_url)
    entry = store.get_entry(entry_id)
    assert entry.state == EntryState.QUEUED
    assert entry.last_error is not None
    assert entry.last_error.startswith(
        "The connection's certificate is not trusted by this computer: it was issued by an"
        " authority this computer does not trust."
    )
    assert stopped == "the connection's certificate is not trusted"
    assert state == ConnectivityState.UNTRUSTED
    assert server.paths == []

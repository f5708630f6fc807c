"""The one shared API client: made and replaced only on the bridge loop, whoever asks for a
new one, every replaced client closed, and one clean-up per profile however many clients it
went through."""

from __future__ import annotations

import asyncio

from pytestqt.qtbot import QtBot

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.ui.plumbing.bridge import AsyncBridge
from impilo_desktop.ui.plumbing.services import AppServices


async def _closed(client: ImpiloClient) -> bool:
    try:
        await client.check_connection()
    except RuntimeError:  # "The client has been closed."
        return True
    except Exception:  # a refused key: open, and answered
        return False
    return False


async def _all_closed(services: AppServices, clients: list[ImpiloClient]) -> bool:
    # The retired clients' grace for requests in flight runs out first.
    await asyncio.gather(*services._retiring)
    return all([await _closed(client) for client in clients])


def test_replaced_clients_are_closed_and_the_clean_up_is_registered_once(
    qtbot: QtBot, services: AppServices, bridge: AsyncBridge
) -> None:
    closers = len(bridge._closers)  # the profile's clean-up, registered when it opened
    made: list[ImpiloClient] = []

    def next_client() -> None:
        count = len(made)
        bridge.call(services.client, on_result=made.append)
        qtbot.waitUntil(lambda: len(made) > count, timeout=10_000)

    next_client()
    for key in ("first-new-key", "second-new-key"):  # noticed by client() on the loop
        services.keys.set_key(services.profile.name, key)
        next_client()
    services.reset_client()  # a new route, from the UI thread
    services.reset_client()  # twice, as a key and a proxy change in a row can
    next_client()

    assert len({id(client) for client in made}) == 4
    assert len(bridge._closers) == closers  # not one more per client made
    closed: list[bool] = []
    bridge.submit(_all_closed(services, made[:-1]), on_result=closed.append)
    qtbot.waitUntil(lambda: closed == [True], timeout=15_000)

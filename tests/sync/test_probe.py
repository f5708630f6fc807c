"""The online light's probe against a real sandbox, on a clock the test moves: it asks only
when nothing was heard for its wait, backs off while nothing changes, and starts over when
something does (a connection that failed included)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.errors import AuthenticationError, Unreachable
from impilo_desktop.api.retry import RetryPolicy
from impilo_desktop.sandbox import SandboxServer
from impilo_desktop.sync.connectivity import Connectivity, ConnectivityState
from impilo_desktop.sync.probe import PROBE_BACKOFF, ConnectionProbe

pytestmark = pytest.mark.anyio

# Jitter-free: the waits are exactly 1, 2, 4, 8, 8... seconds of the test's clock.
SCHEDULE = RetryPolicy(base_delay=1.0, max_delay=8.0, random=lambda: 1.0)


def state(connectivity: Connectivity) -> ConnectivityState:
    """Read afresh (an assert before does not fix it, whatever the type checker thinks)."""
    return connectivity.state


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Light:
    """A probe observing a real client on the sandbox, on the test's clock."""

    def __init__(self, sandbox: SandboxServer) -> None:
        self.clock = Clock()
        self.connectivity = Connectivity()
        self.probe = ConnectionProbe(
            self._check, self.connectivity, schedule=SCHEDULE, clock=self.clock
        )
        self.client = ImpiloClient(
            sandbox.base_url,
            sandbox.api_key,
            observer=self.probe.heard,
            retry=RetryPolicy(max_attempts=1),
        )

    async def _check(self) -> bool:
        await self.client.check_connection()
        return True

    async def after(self, seconds: float) -> bool:
        """Move the clock on, then give the probe its chance; True when it asked."""
        self.clock.now += seconds
        return await self.probe.probe_if_due()

    async def others_ask(self) -> None:
        """The outbox or the history talking to the server (a successful read)."""
        await self.client.list_sites(page=1, size=1)


@pytest.fixture
async def light(sandbox: SandboxServer) -> AsyncIterator[Light]:
    made = Light(sandbox)
    yield made
    await made.client.aclose()


async def test_no_probe_while_others_talk_to_the_server(light: Light) -> None:
    for _ in range(10):  # ten requests, half a wait apart: the server is never silent long
        light.clock.now += 0.5
        await light.others_ask()
        assert not await light.probe.probe_if_due()
    assert light.probe.requests == 0
    assert light.connectivity.state == ConnectivityState.ONLINE
    # Silence: the probe asks once its wait (1 s) has passed, not before.
    assert not await light.after(0.9)
    assert await light.after(0.1)
    assert light.probe.requests == 1


async def test_backs_off_while_nothing_changes(light: Light) -> None:
    await light.others_ask()
    asked_at: list[float] = []
    start = light.clock.now
    for _ in range(40):  # 20 s of silence, looked at every half second
        if await light.after(0.5):
            asked_at.append(light.clock.now - start)
    # 1 s after the last answer, then 2, 4 and 8 s apart: four probes in 20 s of silence.
    assert asked_at == [1.0, 3.0, 7.0, 15.0]
    assert light.probe.requests == 4


async def test_a_failed_connection_and_the_return_start_the_backoff_over(
    light: Light, sandbox: SandboxServer
) -> None:
    await light.others_ask()
    for _ in range(16):  # stable: the wait has grown to 8 s
        await light.after(0.5)
    assert light.probe.due_in() > 4
    sandbox.stop()
    with pytest.raises(Unreachable):
        await light.others_ask()  # someone else's request fails: the light says so at once
    assert light.connectivity.state == ConnectivityState.OFFLINE
    assert not await light.after(0.5)
    assert await light.after(0.5)  # and the probe follows soon, not 8 s later
    sandbox.start()
    asked = 0
    while state(light.connectivity) != ConnectivityState.ONLINE:
        asked += await light.after(0.5)
    assert asked == 1  # the first probe after the return finds it
    assert light.probe.due_in() == pytest.approx(1.0)  # a change: short waits again


async def test_a_refused_key_is_the_probes_to_report(sandbox: SandboxServer) -> None:
    connectivity = Connectivity()
    clock = Clock()
    clients: list[ImpiloClient] = []

    async def check() -> bool:
        await clients[0].check_connection()
        return True

    probe = ConnectionProbe(check, connectivity, schedule=SCHEDULE, clock=clock)
    wrong_key = ImpiloClient(
        sandbox.base_url, "not-the-key", observer=probe.heard, retry=RetryPolicy(max_attempts=1)
    )
    async with wrong_key as client:
        clients.append(client)
        # Another page's request refused (a 403 on one order, say) says nothing of the key...
        with pytest.raises(AuthenticationError):
            await client.list_sites()
        assert connectivity.state == ConnectivityState.UNKNOWN
        # ...the probe's own refusal does.
        clock.now += 1
        assert await probe.probe_if_due()
    assert state(connectivity) == ConnectivityState.UNAUTHORIZED


def test_the_default_waits_keep_the_fifteen_second_promises() -> None:
    # A dead server is noticed by the first probe after the longest wait; a blackholed one
    # takes that probe's connection attempt as well (ImpiloClient's connect timeout, 5 s).
    assert PROBE_BACKOFF.max_delay + 5.0 < 15.0
    assert PROBE_BACKOFF.backoff(1) <= 1.0  # after a change, within a second

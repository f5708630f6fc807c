"""A client over `httpx.MockTransport` that records requests and the waits between retries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from impilo_desktop.api.client import ImpiloClient
from impilo_desktop.api.retry import RetryPolicy

# Unmistakable, so a leak shows up in any text it reaches.
SECRET_KEY = "sk-live-TEST-9f3c2a7b41d84e0c"
BASE_URL = "https://impilo.example.org"

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class Recorder:
    """What the client did: every request it sent and every retry wait it asked for."""

    requests: list[httpx.Request] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def mock_client(
    handler: Handler, *, retry: RetryPolicy | None = None, key: str = SECRET_KEY
) -> tuple[ImpiloClient, Recorder]:
    recorder = Recorder()

    def record(request: httpx.Request) -> httpx.Response:
        recorder.requests.append(request)
        return handler(request)

    client = ImpiloClient(
        BASE_URL, key, transport=httpx.MockTransport(record), retry=retry, sleep=recorder.sleep
    )
    return client, recorder


def respond(status: int, body: Any = None, **headers: str) -> Handler:
    """A handler that always gives the same answer (JSON for dicts/lists, raw for str/bytes)."""

    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, dict | list):
            return httpx.Response(status, json=body, headers=headers)
        if isinstance(body, str | bytes):
            return httpx.Response(status, content=body, headers=headers)
        return httpx.Response(status, headers=headers)

    return handler


def sequence(*handlers: Handler) -> Handler:
    """Answer the n-th request with the n-th handler (the last one repeats)."""
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        current = handlers[min(calls, len(handlers) - 1)]
        calls += 1
        return current(request)

    return handler


def fail_with(exc_type: type[httpx.TransportError], text: str = "simulated") -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc_type(text, request=request)

    return handler

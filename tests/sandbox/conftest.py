"""HTTP clients for the sandbox tests: plain httpx, so these tests need nothing but the server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from impilo_desktop.sandbox import SandboxServer
from tests.sandbox.helpers import http_client


@pytest.fixture
def api(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    """A client on the fresh function-scoped sandbox (for tests that change state)."""
    with http_client(sandbox) as client:
        yield client


@pytest.fixture
def api_ro(sandbox_session: SandboxServer) -> Iterator[httpx.Client]:
    """A client on the session sandbox (read-only tests)."""
    with http_client(sandbox_session) as client:
        yield client
